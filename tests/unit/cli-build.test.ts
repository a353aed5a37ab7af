/**
 * The `gp2gp` command compiled at install (scripts/build-cli.js): it behaves as the sources do, it is used only while
 * it matches them, and starting it loads only what the command needs (no BigQuery client, Dataform, Arrow or
 * TypeScript for `--help`). How fast it starts is `gp2gp bench cli`'s to measure, not a test's.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const GP2GP = path.join(ROOT, "scripts", "gp2gp.js");
// Plain JavaScript, the module the postinstall runs.
const { buildCli, compiledEntry } = require(path.join(ROOT, "scripts", "build-cli.js")) as {
  buildCli: (options: { outDir: string }) => number;
  compiledEntry: (options: { outDir: string }) => string | undefined;
};

// Inside the project, so the compiled modules resolve the project's node_modules as the installed build does.
const OUT_DIR = path.join(ROOT, "node_modules", ".cache", `gp2gp-cli-test-${process.pid}`);
const HEAVY = ["@google-cloud", "@dataform", "apache-arrow", "typescript", "ts-node", "@duckdb", "yaml", "csv-parse", "cli-progress"];

/** Runs node with `args`, recording every module file loaded; returns the run and the loaded files. */
function runRecordingModules(args: string[], env: NodeJS.ProcessEnv = {}) {
  const record = path.join(os.tmpdir(), `gp2gp-modules-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const hook = `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))))`;
  const result = spawnSync(process.execPath, ["--require", writeHook(hook), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  const modules = JSON.parse(fs.readFileSync(record, "utf8")) as string[];
  fs.rmSync(record, { force: true });
  return { result, modules };
}

function writeHook(code: string): string {
  const file = path.join(os.tmpdir(), `gp2gp-hook-${process.pid}.js`);
  fs.writeFileSync(file, code);
  return file;
}

/** The packages (`name` or `@scope/name`) whose files are among `modules`. */
function packagesIn(modules: string[]): string[] {
  const names = modules
    .filter((m) => m.includes(`${path.sep}node_modules${path.sep}`) && !m.includes(`${path.sep}.cache${path.sep}`))
    .map((m) => m.split(`${path.sep}node_modules${path.sep}`).pop()!.split(path.sep))
    .map((parts) => (parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!));
  return [...new Set(names)];
}

describe("the compiled command", () => {
  let entry: string;

  beforeAll(() => {
    expect(buildCli({ outDir: OUT_DIR })).toBeGreaterThan(20);
    entry = compiledEntry({ outDir: OUT_DIR })!;
  });

  afterAll(() => fs.rmSync(OUT_DIR, { recursive: true, force: true }));

  it("is used while it matches the sources", () => {
    expect(entry).toBe(path.join(OUT_DIR, "scripts", "gp2gp.js"));
    expect(fs.existsSync(entry)).toBe(true);
  });

  it("is not used once a source differs from the one it was built from, or when GP2GP_TS_NODE=1", () => {
    const stampFile = path.join(OUT_DIR, "sources.json");
    const original = fs.readFileSync(stampFile, "utf8");
    try {
      const stamp = JSON.parse(original) as { files: Record<string, [number, number]> };
      expect(Object.keys(stamp.files)).toContain(path.join("scripts", "gp2gp.ts"));
      expect(Object.keys(stamp.files)).toContain(path.join("includes", "config.ts"));
      const [size, mtime] = stamp.files[path.join("scripts", "lib", "duckdb.ts")]!;
      fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, files: { ...stamp.files, [path.join("scripts", "lib", "duckdb.ts")]: [size + 1, mtime] } }));
      expect(compiledEntry({ outDir: OUT_DIR })).toBeUndefined();
      fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, files: { ...stamp.files, [path.join("scripts", "lib", "gone.ts")]: [1, 1] } }));
      expect(compiledEntry({ outDir: OUT_DIR })).toBeUndefined();
      fs.writeFileSync(stampFile, original);
      expect(compiledEntry({ outDir: OUT_DIR })).toBe(entry);
      process.env.GP2GP_TS_NODE = "1";
      expect(compiledEntry({ outDir: OUT_DIR })).toBeUndefined();
    } finally {
      delete process.env.GP2GP_TS_NODE;
      fs.writeFileSync(stampFile, original);
    }
  });

  it("prints the same help as the sources, and loads no warehouse, Dataform, Arrow or TypeScript code to do it", () => {
    const compiled = runRecordingModules([entry, "--help"]);
    const sources = spawnSync(process.execPath, [GP2GP, "--help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GP2GP_TS_NODE: "1" } });
    expect(compiled.result.status).toBe(0);
    expect(sources.status).toBe(0);
    expect(compiled.result.stdout).toContain("Usage: gp2gp");
    expect(compiled.result.stdout).toBe(sources.stdout);
    const loaded = packagesIn(compiled.modules);
    expect(loaded).toContain("commander");
    expect(loaded.filter((p) => HEAVY.some((h) => p.startsWith(h)))).toEqual([]);
    // Each subcommand's help too (its options are declared without loading its library).
    for (const command of [["run"], ["load", "spine"], ["reports", "build"], ["export", "report"], ["sql"], ["bench", "cli"], ["daily"]]) {
      const sub = runRecordingModules([entry, ...command, "--help"]);
      expect(sub.result.status, `${command.join(" ")} --help`).toBe(0);
      expect(packagesIn(sub.modules).filter((p) => HEAVY.some((h) => p.startsWith(h))), command.join(" ")).toEqual([]);
    }
  });

  it("answers a query loading DuckDB, but no BigQuery client, Dataform or TypeScript", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-cli-"));
    try {
      const created = spawnSync(process.execPath, [entry, "load", "geography", "--database", path.join(dir, "w.duckdb"), path.join(dir, "missing.csv")], { cwd: ROOT, encoding: "utf8" });
      expect(created.status).not.toBe(0); // a missing file is refused, after the warehouse is created
      const { result, modules } = runRecordingModules([entry, "sql", "select 42 as answer", "--database", path.join(dir, "w.duckdb"), "--format", "csv"]);
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe("answer\n42");
      const loaded = packagesIn(modules);
      expect(loaded.some((p) => p.startsWith("@duckdb"))).toBe(true);
      expect(loaded.filter((p) => ["@google-cloud", "@dataform", "typescript", "ts-node"].some((h) => p.startsWith(h)))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs a command from the sources when no build matches", () => {
    const result = spawnSync(process.execPath, [GP2GP, "sql", "--help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GP2GP_TS_NODE: "1" } });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: gp2gp sql");
  });
});
