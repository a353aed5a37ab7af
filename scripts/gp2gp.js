#!/usr/bin/env node
// Entry point of the `gp2gp` command: runs the JavaScript compiled at install (scripts/build-cli.js) while it matches
// the sources, else the TypeScript sources with ts-node (type-checking is `npm run typecheck`).
const path = require("node:path");
const { compiledEntry } = require("./build-cli.js");

const compiled = compiledEntry();
if (compiled) {
  require(compiled);
} else {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
  require("./gp2gp.ts");
}
