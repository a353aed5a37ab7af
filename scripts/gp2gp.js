#!/usr/bin/env node
// Entry point of the `gp2gp` command: runs the TypeScript sources with ts-node (type-checking is `npm run typecheck`).
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("./gp2gp.ts");
