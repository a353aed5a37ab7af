/**
 * Compiles the Dataform project offline with @dataform/cli for one engine and validates the compiled graph.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { KNOWN_VARS } from "../../includes/config";
import type { Engine } from "../../includes/engine";
import { writeFileAtomically } from "./files";
import { PROJECT_DIR } from "./paths";

export { PROJECT_DIR };
const DATAFORM_CLI = require.resolve("@dataform/cli/bundle.js");

/**
 * Compiled graphs are kept here by the hash of everything a compile reads (see compileCacheKey), so a run whose
 * project has not changed skips the Dataform compile (about 3 s). GP2GP_COMPILE_CACHE=off turns it off.
 */
export const COMPILE_CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "gp2gp-compiled");
const COMPILE_CACHE_ENTRIES = 32;

const target = z.object({ database: z.string().optional(), schema: z.string(), name: z.string() });
export type Target = z.infer<typeof target>;

const columnDescriptor = z.object({ path: z.array(z.string()), description: z.string().optional() }).passthrough();
const actionDescriptor = z
  .object({ description: z.string().optional(), columns: z.array(columnDescriptor).optional() })
  .passthrough()
  .optional();

const table = z
  .object({
    type: z.enum(["table", "view", "incremental"]),
    target,
    query: z.string(),
    incrementalQuery: z.string().optional(),
    preOps: z.array(z.string()).optional(),
    postOps: z.array(z.string()).optional(),
    incrementalPreOps: z.array(z.string()).optional(),
    incrementalPostOps: z.array(z.string()).optional(),
    uniqueKey: z.array(z.string()).optional(),
    protected: z.boolean().optional(),
    disabled: z.boolean().optional(),
    dependencyTargets: z.array(target).optional(),
    tags: z.array(z.string()).optional(),
    fileName: z.string(),
    actionDescriptor,
    bigquery: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

const operation = z
  .object({
    target,
    queries: z.array(z.string()),
    hasOutput: z.boolean().optional(),
    disabled: z.boolean().optional(),
    dependencyTargets: z.array(target).optional(),
    tags: z.array(z.string()).optional(),
    fileName: z.string(),
    actionDescriptor,
  })
  .passthrough();

const assertion = z
  .object({
    target,
    query: z.string(),
    disabled: z.boolean().optional(),
    dependencyTargets: z.array(target).optional(),
    parentAction: target.optional(),
    tags: z.array(z.string()).optional(),
    fileName: z.string(),
    actionDescriptor,
  })
  .passthrough();

const declaration = z.object({ target, fileName: z.string(), actionDescriptor }).passthrough();

const test = z
  .object({ name: z.string(), testQuery: z.string(), expectedOutputQuery: z.string(), fileName: z.string(), target: target.optional() })
  .passthrough();

const compilationError = z.object({ fileName: z.string().optional(), message: z.string(), actionName: z.string().optional() }).passthrough();

export const compiledGraphSchema = z
  .object({
    projectConfig: z
      .object({ defaultDatabase: z.string().optional(), defaultSchema: z.string(), assertionSchema: z.string().optional(), vars: z.record(z.string(), z.string()).optional() })
      .passthrough(),
    tables: z.array(table).default([]),
    operations: z.array(operation).default([]),
    assertions: z.array(assertion).default([]),
    declarations: z.array(declaration).default([]),
    tests: z.array(test).default([]),
    graphErrors: z.object({ compilationErrors: z.array(compilationError).optional() }).passthrough().default({}),
  })
  .passthrough();

export type CompiledGraph = z.infer<typeof compiledGraphSchema>;
export type CompiledTable = z.infer<typeof table>;
export type CompiledOperation = z.infer<typeof operation>;
export type CompiledAssertion = z.infer<typeof assertion>;
export type CompiledDeclaration = z.infer<typeof declaration>;
export type CompiledTest = z.infer<typeof test>;

export class CompilationError extends Error {}

export interface CompileOptions {
  engine: Engine;
  /** Extra vars, merged over workflow_settings.yaml. */
  vars?: Record<string, string>;
  /** Overrides the default database (BigQuery project) of every target. */
  defaultDatabase?: string;
  projectDir?: string;
}

function runCli(args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DATAFORM_CLI, ...args], { cwd, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException & { code?: unknown }).code !== "number") return reject(error);
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** Compiles the project for `engine`; throws a CompilationError naming each file and message on graph errors. */
export async function compileProject(options: CompileOptions): Promise<CompiledGraph> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const vars = { ...(options.vars ?? {}), engine: options.engine };
  const unknown = Object.keys(vars).filter((key) => !KNOWN_VARS.includes(key));
  if (unknown.length > 0) {
    throw new CompilationError(
      `--vars: unknown var${unknown.length === 1 ? "" : "s"} ${unknown.map((key) => `"${key}"`).join(", ")}; the known vars are: ${KNOWN_VARS.join(", ")}`,
    );
  }
  for (const [key, value] of Object.entries(vars)) {
    if (/[,=]/.test(key) || /,/.test(value)) {
      // `--vars` is a comma-separated list; the cutoffs' own commas are written with a ';' and restored by the include.
      if (key === "cutoff_days") continue;
      throw new CompilationError(`var "${key}": values passed to the compiler may not contain "," or "="`);
    }
  }
  const varsArg = Object.entries(vars)
    .map(([key, value]) => `${key}=${key === "cutoff_days" ? value.replace(/,/g, ";") : value}`)
    .join(",");
  const args = ["compile", projectDir, "--json", `--vars=${varsArg}`];
  if (options.defaultDatabase) args.push(`--default-database=${options.defaultDatabase}`);
  const cacheFile = process.env.GP2GP_COMPILE_CACHE === "off" ? undefined : path.join(COMPILE_CACHE_DIR, `${compileCacheKey(args, projectDir)}.json`);
  const cached = readCompileCache(cacheFile);
  const { stdout, stderr, code } = cached !== undefined ? { stdout: cached, stderr: "", code: 0 } : await runCli(args, projectDir);
  const jsonStart = stdout.indexOf("{");
  if (jsonStart < 0) {
    throw new CompilationError(`Dataform compile failed (exit ${code}) with no compiled graph:\n${(stderr || stdout).trim()}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.slice(jsonStart, stdout.lastIndexOf("}") + 1));
  } catch (error) {
    throw new CompilationError(`Dataform compile printed output that is not JSON: ${(error as Error).message}`);
  }
  const parsed = compiledGraphSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CompilationError(`The compiled graph does not have the expected shape: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const errors = parsed.data.graphErrors.compilationErrors ?? [];
  // A bad var fails every include that reads the vars with the same message: report it once, whole.
  const varsError = errors.find((e) => /^(Unknown project var|Invalid project vars)/.test(e.message));
  if (varsError) throw new CompilationError(varsError.message);
  if (errors.length > 0 || code !== 0) {
    const lines = errors.map((e) => `  ${e.fileName ?? "(project)"}: ${firstLine(e.message)}`);
    throw new CompilationError(`Dataform compilation failed for engine ${options.engine}:\n${lines.join("\n") || stderr.trim()}`);
  }
  if (cached === undefined) writeCompileCache(cacheFile, stdout);
  return parsed.data;
}

/**
 * The hash of a compile's inputs: the command line, the Dataform CLI's version, and every file of the project that
 * Dataform reads (definitions/, includes/, workflow_settings.yaml, package.json, which pins @dataform/core).
 */
export function compileCacheKey(args: readonly string[], projectDir: string): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(args));
  hash.update(String((require("@dataform/cli/package.json") as { version: string }).version));
  const files = ["workflow_settings.yaml", "package.json", ...listFiles(projectDir, "definitions"), ...listFiles(projectDir, "includes")];
  for (const file of files) {
    const full = path.join(projectDir, file);
    hash.update(`\0${file}\0`);
    if (fs.existsSync(full)) hash.update(fs.readFileSync(full));
  }
  return hash.digest("hex");
}

function listFiles(projectDir: string, dir: string): string[] {
  const root = path.join(projectDir, dir);
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(projectDir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The cached output of a compile with these inputs, or undefined (also when GP2GP_COMPILE_CACHE=off). */
function readCompileCache(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const stdout = fs.readFileSync(file, "utf8");
    const now = new Date();
    fs.utimesSync(file, now, now);
    return stdout;
  } catch {
    return undefined;
  }
}

/** Keeps the output of a clean compile; a cache that cannot be written only costs the next run a compile. */
function writeCompileCache(file: string | undefined, stdout: string): void {
  if (!file) return;
  try {
    fs.mkdirSync(COMPILE_CACHE_DIR, { recursive: true });
    writeFileAtomically(file, stdout);
    pruneCompileCache();
  } catch {
    // see above
  }
}

/** Keeps the most recently used COMPILE_CACHE_ENTRIES graphs. */
function pruneCompileCache(): void {
  const entries = fs
    .readdirSync(COMPILE_CACHE_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => ({ name, used: fs.statSync(path.join(COMPILE_CACHE_DIR, name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const entry of entries.slice(COMPILE_CACHE_ENTRIES)) fs.rmSync(path.join(COMPILE_CACHE_DIR, entry.name), { force: true });
}

/** The message without the stack trace Dataform appends. */
function firstLine(message: string): string {
  return message
    .split("\n")
    .filter((line) => !/^\s+at /.test(line))
    .join("\n    ");
}

/** "schema.name" of a target, the name the runner and messages use for an action. */
export function targetName(t: Target): string {
  return `${t.schema}.${t.name}`;
}
