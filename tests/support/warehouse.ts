/**
 * Test support: a throw-away DuckDB warehouse with raw rows inserted directly, and a graph run on it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { RAW_TABLES, SPINE_COLUMNS } from "../../includes/raw_schemas";
import { datasets } from "../../includes/config";
import { helpersFor } from "../../includes/engine";
import { compileProject, CompiledGraph } from "../../scripts/lib/compile";
import { Warehouse } from "../../scripts/lib/duckdb";
import { runPipeline } from "../../scripts/lib/pipeline";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import type { RunSummary } from "../../scripts/lib/runner/runner";
import type { Selection } from "../../scripts/lib/runner/graph";

const duck = helpersFor("duckdb");
const lit = (v: unknown) => (v === null || v === undefined ? "null" : typeof v === "number" ? String(v) : duck.stringLiteral(String(v)));

const tempDirs: string[] = [];
// Registered on the root suite of each test file that imports this module: its folders go when the file ends.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the system temporary folder, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gp2gp-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Writes `text` to `file` under `dir`, making its folders. */
export function writeFile(dir: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

let compiled: Promise<CompiledGraph> | undefined;
/** The project compiled for DuckDB, once per test file. */
export function duckdbGraph(): Promise<CompiledGraph> {
  compiled ??= compileProject({ engine: "duckdb" });
  return compiled;
}

export async function openTestWarehouse(prefix: string): Promise<Warehouse> {
  const warehouse = await Warehouse.open(path.join(tempDir(prefix), "test.duckdb"), { datasets });
  for (const table of RAW_TABLES) {
    const columns = table.columns.map((c) => `"${c.name}" ${duck.type(c.type)}`).join(", ");
    await warehouse.run(`create table if not exists "${datasets.raw}"."${table.name}" (${columns})`);
  }
  return warehouse;
}

/** A Spine export row as the CSV has it (header names). */
export type SpineRow = Record<string, string | null>;

let nextLoadId = 1;
/** Inserts export rows as one load of `sourceFile` (rows numbered from 1 in the given order). */
export async function insertSpineRows(warehouse: Warehouse, rows: readonly SpineRow[], sourceFile: string): Promise<number> {
  const loadId = nextLoadId++;
  const values = rows.map((row, index) => {
    const fields = SPINE_COLUMNS.map((c) => lit(row[c.header] ?? (c.required ? "" : null)));
    return `(${[...fields, lit(sourceFile), index + 1, loadId].join(", ")})`;
  });
  const columns = [...SPINE_COLUMNS.map((c) => c.name), "source_file", "source_row", "load_id"].join(", ");
  if (values.length > 0) await warehouse.run(`insert into "${datasets.raw}".spine_messages (${columns}) values ${values.join(",\n")}`);
  await warehouse.run(
    `insert into "${datasets.raw}".load_log (load_id, source_kind, file_name, file_path, size_bytes, sha256, row_count, loaded_count, rejected_count, loaded_at)
     values (${loadId}, 'spine', ${lit(sourceFile)}, ${lit(sourceFile)}, 0, '', ${rows.length}, ${rows.length}, 0, current_timestamp)`,
  );
  return loadId;
}

export interface ReferencePractice {
  odsCode: string;
  name: string;
  asids: string[];
}

/** Inserts one month of organisation metadata (as organisationMetadata.json would give it). */
export async function insertReference(
  warehouse: Warehouse,
  month: string,
  practices: readonly ReferencePractice[],
  sicbls: readonly { odsCode: string; name: string; practices: string[] }[],
): Promise<void> {
  const loadId = nextLoadId++;
  const m = `date '${month}-01'`;
  for (const [i, p] of practices.entries()) {
    await warehouse.run(`insert into "${datasets.raw}".ods_practices values (${m}, ${lit(p.odsCode)}, ${lit(p.name)}, ${i + 1}, 'meta.json', ${i + 1}, ${loadId})`);
    for (const asid of p.asids) {
      await warehouse.run(`insert into "${datasets.raw}".ods_practice_asids values (${m}, ${lit(p.odsCode)}, ${lit(asid)}, ${i + 1}, 'meta.json', ${i + 1}, ${loadId})`);
    }
  }
  for (const [i, s] of sicbls.entries()) {
    for (const practice of s.practices) {
      await warehouse.run(`insert into "${datasets.raw}".ods_sicbl_practices values (${m}, ${lit(s.odsCode)}, ${lit(s.name)}, ${lit(practice)}, ${i + 1}, 'meta.json', ${i + 1}, ${loadId})`);
    }
  }
}

/** Runs the graph (or a selection) on the warehouse; throws with the failures when anything failed. */
export async function runGraph(
  warehouse: Warehouse,
  options: { fullRefresh?: boolean; selection?: Selection; allowFailures?: boolean; graph?: CompiledGraph } = {},
): Promise<RunSummary> {
  const reporter = new SilentReporter();
  const summary = await runPipeline({
    engine: "duckdb",
    database: warehouse.path,
    warehouse,
    graph: options.graph ?? (await duckdbGraph()),
    reporter,
    fullRefresh: options.fullRefresh,
    selection: options.selection,
  });
  if (!summary.ok && !options.allowFailures) {
    const failures = summary.outcomes
      .filter((o) => o.status === "failed")
      .map((o) => `${o.action.name}: ${o.error}${o.sample?.length ? `\n${JSON.stringify(o.sample.slice(0, 3))}` : ""}`);
    throw new Error(`Run failed:\n${failures.join("\n")}`);
  }
  return summary;
}
