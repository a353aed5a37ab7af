/**
 * Dataform loads includes/*.js, which tsc generates from includes/*.ts. The committed JavaScript must be what the
 * TypeScript compiles to today, or managed Dataform (which has no build step) would run stale code.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/warehouse";

const root = path.resolve(__dirname, "../..");

describe("generated includes", () => {
  it("are up to date with their TypeScript sources (npm run build:includes)", () => {
    const out = tempDir("includes");
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.includes.json", "--outDir", out], { cwd: root });
    const sources = fs.readdirSync(path.join(root, "includes")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      const js = source.replace(/\.ts$/, ".js");
      const committed = path.join(root, "includes", js);
      expect(fs.existsSync(committed), `includes/${js} is missing: run npm run build:includes`).toBe(true);
      expect(fs.readFileSync(committed, "utf8"), `includes/${js} is stale: run npm run build:includes`).toBe(fs.readFileSync(path.join(out, js), "utf8"));
    }
    const orphans = fs.readdirSync(path.join(root, "includes")).filter((f) => f.endsWith(".js") && !sources.includes(f.replace(/\.js$/, ".ts")));
    expect(orphans, "JavaScript includes without a TypeScript source").toEqual([]);
  });
});
