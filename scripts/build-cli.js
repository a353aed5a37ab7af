#!/usr/bin/env node
/**
 * Compiles the `gp2gp` command's TypeScript (scripts/gp2gp.ts and every module it imports) to JavaScript in
 * node_modules/.cache/gp2gp-cli, so that the command starts without transpiling anything (run on `npm install`, as
 * part of the root postinstall, and by `npm run build:cli`). Type-checking is `npm run typecheck`: this only emits.
 *
 * The build records each source it was made from with its size and modification time. scripts/gp2gp.js runs the
 * build only while every one of them is unchanged, and otherwise runs the sources with ts-node, so an edited source
 * is never shadowed by stale JavaScript. GP2GP_TS_NODE=1 always runs the sources.
 *
 * Kept in plain JavaScript because it runs before anything is compiled.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const PROJECT_DIR = path.resolve(__dirname, "..");
const ENTRY = path.join("scripts", "gp2gp.ts");
const DEFAULT_OUT_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "gp2gp-cli");
const STAMP = "sources.json";
const STAMP_VERSION = 1;

/** A source's size and modification time, as the stamp records it. */
function fingerprint(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? [stat.size, stat.mtimeMs] : null;
}

/**
 * Compiles the command into `outDir` (the default: node_modules/.cache/gp2gp-cli): emits into a fresh folder beside
 * it, then puts that in place, so a command starting meanwhile sees the old build or the new one, never half of one.
 * Returns the number of sources compiled. Throws, naming the file, when a source cannot be emitted.
 */
function buildCli({ root = PROJECT_DIR, outDir = DEFAULT_OUT_DIR } = {}) {
  const ts = require("typescript");
  const configFile = path.join(root, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`);
    },
  });
  const staging = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const options = { ...parsed.options, noEmit: false, noCheck: true, outDir: staging, rootDir: root, declaration: false, sourceMap: false, inlineSourceMap: true, inlineSources: false };
  const program = ts.createProgram({ rootNames: [path.join(root, ENTRY)], options });
  const emitted = program.emit();
  const errors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0 || emitted.emitSkipped) {
    fs.rmSync(staging, { recursive: true, force: true });
    const text = errors.map((d) => `${d.file ? path.relative(root, d.file.fileName) : "(project)"}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    throw new Error(`The gp2gp command could not be compiled:\n  ${text.join("\n  ") || "emit skipped"}`);
  }
  const sources = program
    .getSourceFiles()
    .map((source) => source.fileName)
    .filter((file) => !file.split(/[\\/]/).includes("node_modules"))
    .map((file) => path.relative(root, file))
    .sort();
  const files = Object.fromEntries(sources.map((file) => [file, fingerprint(path.join(root, file))]));
  fs.writeFileSync(path.join(staging, STAMP), `${JSON.stringify({ version: STAMP_VERSION, node: process.version, files }, null, 1)}\n`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(staging, outDir);
  return sources.length;
}

/**
 * The compiled entry point when a build in `outDir` was made from exactly the sources now on disk, else undefined
 * (no build, an edited, moved or deleted source, or GP2GP_TS_NODE=1).
 */
function compiledEntry({ root = PROJECT_DIR, outDir = DEFAULT_OUT_DIR } = {}) {
  if (process.env.GP2GP_TS_NODE === "1") return undefined;
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(outDir, STAMP), "utf8"));
  } catch {
    return undefined;
  }
  if (stamp.version !== STAMP_VERSION || !stamp.files) return undefined;
  for (const [file, recorded] of Object.entries(stamp.files)) {
    const now = fingerprint(path.join(root, file));
    if (!now || !recorded || now[0] !== recorded[0] || now[1] !== recorded[1]) return undefined;
  }
  return path.join(outDir, ENTRY.replace(/\.ts$/, ".js"));
}

module.exports = { buildCli, compiledEntry, DEFAULT_OUT_DIR };

if (require.main === module) {
  const started = Date.now();
  try {
    const count = buildCli({ outDir: process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR });
    process.stdout.write(`gp2gp: compiled the command (${count} sources) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
