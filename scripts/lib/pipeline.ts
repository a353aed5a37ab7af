/**
 * Compile → select → execute: the one path every command that runs the graph takes (run, start, bench, tests).
 */
import fs from "node:fs";
import { firstBuildBatchesFor } from "../../includes/config";
import type { Engine } from "../../includes/engine";
import { compileProject, CompiledGraph } from "./compile";
import { LockWait, Warehouse, withWarehouse } from "./duckdb";
import { contextOf, workflowSettingsDefaultProject } from "./project-context";
import { DuckDBExecutor } from "./runner/duckdb";
import { buildActions, selectActions, Selection } from "./runner/graph";
import { ConsoleReporter } from "./runner/reporter";
import { Reporter, RunSummary, runActions } from "./runner/runner";
import type { Executor } from "./runner/types";

export interface PipelineOptions {
  engine: Engine;
  /** DuckDB file (engine duckdb). */
  database: string;
  selection?: Selection;
  fullRefresh?: boolean;
  /**
   * Check whole tables (`gp2gp run --full-checks`). Without it an incremental run's checks of the incremental models
   * read only the rows the run wrote (the assertion_scope var, includes/checks.ts); a first build and a full refresh
   * check whole tables either way.
   */
  fullChecks?: boolean;
  dryRun?: boolean;
  vars?: Record<string, string>;
  reporter?: Reporter;
  /** A graph compiled earlier for the same engine and vars (saves the compile in loops). */
  graph?: CompiledGraph;
  /** An open warehouse to use instead of opening `database` (the caller keeps the lock and closes it). */
  warehouse?: Warehouse;
  /** How long to wait while other processes (readers) have `database` open (default: fail at once). */
  lockWait?: LockWait;
}

export async function runPipeline(options: PipelineOptions): Promise<RunSummary> {
  const reporter = options.reporter ?? new ConsoleReporter();
  const execute = { fullRefresh: Boolean(options.fullRefresh), dryRun: Boolean(options.dryRun) };
  const actionsOf = (graph: CompiledGraph) => selectActions(buildActions(graph), options.selection ?? {});

  if (options.engine === "bigquery") {
    const { BigQueryExecutor } = await import("./runner/bigquery");
    // Before the compile: without credentials the command fails at once, naming what would supply them.
    const credentials = BigQueryExecutor.credentials(process.env, options.graph?.projectConfig.defaultDatabase ?? workflowSettingsDefaultProject());
    // Whether a table is missing is not asked of BigQuery: a first build's scoped checks find every row written.
    const scope = assertionScope(options.vars, execute.fullRefresh || Boolean(options.fullChecks));
    const graph = options.graph ?? (await compileProject({ engine: options.engine, vars: { ...options.vars, assertion_scope: scope } }));
    const executor: Executor = BigQueryExecutor.fromEnvironment(graph, process.env, credentials);
    try {
      return withScope(graph, await runActions(actionsOf(graph), executor, execute, reporter));
    } finally {
      await executor.close();
    }
  }

  if (options.dryRun) throw new Error("--dry-run needs --engine bigquery (DuckDB has no dry-run jobs); use `gp2gp compile` to check the graph.");
  const run = async (warehouse: Warehouse) => {
    const graph = options.graph ?? (await compileForWarehouse(warehouse, options.vars, execute.fullRefresh, options.fullChecks));
    return withScope(graph, await runActions(actionsOf(graph), new DuckDBExecutor(warehouse, contextOf(graph).datasets.marts), execute, reporter));
  };
  if (options.warehouse) return run(options.warehouse);
  // No schemas are created on opening: the executor creates those of the actions it runs (DuckDBExecutor.prepare),
  // whose datasets are the compiled graph's.
  return withWarehouse(options.database, "gp2gp run", run, { lockWait: options.lockWait });
}

/**
 * Compiles for DuckDB, for a run on `warehouse`. The assertion_scope var (includes/checks.ts): "run", the checks of
 * the incremental models reading only the rows the run wrote, when the run updates incremental tables that all exist;
 * "table" for a full refresh, a first build (a table not there yet) and `fullChecks`; a value given in `vars` is kept
 * unless whole tables must be checked. When first_build_batches is "auto" (workflow_settings.yaml or `vars`) and the
 * run will build an incremental table from scratch, the batch count is sized from the Spine rows the warehouse holds
 * (firstBuildBatchesFor). A run that only updates incremental tables does not batch anything, so its graph stays the
 * same as the data grows (from the compile cache, not compiled again).
 */
export async function compileForWarehouse(warehouse: Warehouse, vars: Record<string, string> = {}, fullRefresh = false, fullChecks = false): Promise<CompiledGraph> {
  const scope = assertionScope(vars, fullRefresh || fullChecks);
  const graph = await compileProject({ engine: "duckdb", vars: { ...vars, assertion_scope: scope } });
  if (!fullRefresh && (await allExist(warehouse, graph.tables.filter((t) => t.type === "incremental").map((t) => t.target)))) return graph;
  const sized = graph.projectConfig.vars?.first_build_batches === "auto";
  if (!sized && scope === "table") return graph;
  const batches: Record<string, string> = sized ? { first_build_batches: String(firstBuildBatchesFor(await spineRows(warehouse, contextOf(graph).datasets.raw))) } : {};
  return compileProject({ engine: "duckdb", vars: { ...vars, ...batches, assertion_scope: "table" } });
}

/** The run's summary with the scope its checks had (the graph's assertion_scope var). */
function withScope(graph: CompiledGraph, summary: RunSummary): RunSummary {
  return { ...summary, assertionScope: graph.projectConfig.vars?.assertion_scope === "run" ? "run" : "table" };
}

/** The assertion_scope var of a run: "table" when it must check whole tables, else the one given, else "run". */
function assertionScope(vars: Record<string, string> = {}, wholeTables: boolean): string {
  return wholeTables ? "table" : (vars.assertion_scope ?? "run");
}

async function allExist(warehouse: Warehouse, targets: readonly { schema: string; name: string }[]): Promise<boolean> {
  if (targets.length === 0) return true;
  const wanted = targets.map((t) => `(table_schema = '${t.schema}' and table_name = '${t.name}')`).join(" or ");
  const found = await warehouse.scalar<number>(`select count(*) from information_schema.tables where table_type = 'BASE TABLE' and (${wanted})`);
  return Number(found) === targets.length;
}

/** Rows in the raw Spine table (0 before the first load creates it). */
async function spineRows(warehouse: Warehouse, raw: string): Promise<number> {
  const table = `"${raw}".spine_messages`;
  const exists = await warehouse.scalar<number>(
    `select count(*) from information_schema.tables where table_schema = '${raw}' and table_name = 'spine_messages'`,
  );
  return Number(exists) > 0 ? Number(await warehouse.scalar<number>(`select count(*) from ${table}`)) : 0;
}

/** The outcome of each action of a run, as JSON (for schedulers and benchmarks). */
export function writeRunSummary(file: string, summary: RunSummary): void {
  const actions = summary.outcomes.map((o) => ({
    action: o.action.name,
    kind: o.action.kind,
    status: o.status,
    rows: o.result?.rows ?? null,
    seconds: Math.round(o.seconds * 1000) / 1000,
    detail: o.result?.detail ?? null,
    error: o.error ?? null,
  }));
  fs.writeFileSync(file, `${JSON.stringify({ ok: summary.ok, seconds: summary.seconds, assertion_scope: summary.assertionScope ?? null, assertion_results_error: summary.assertionResultsError ?? null, actions }, null, 2)}\n`);
}
