/**
 * Compile → select → execute: the one path every command that runs the graph takes (run, start, bench, tests).
 */
import fs from "node:fs";
import type { Engine } from "../../includes/engine";
import { acquireLock } from "./lock";
import { compileProject, CompiledGraph } from "./compile";
import { Warehouse } from "./duckdb";
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
  dryRun?: boolean;
  vars?: Record<string, string>;
  reporter?: Reporter;
  /** A graph compiled earlier for the same engine and vars (saves the compile in loops). */
  graph?: CompiledGraph;
  /** An open warehouse to use instead of opening `database` (the caller keeps the lock and closes it). */
  warehouse?: Warehouse;
}

export async function runPipeline(options: PipelineOptions): Promise<RunSummary> {
  const graph = options.graph ?? (await compileProject({ engine: options.engine, vars: options.vars }));
  const actions = selectActions(buildActions(graph), options.selection ?? {});
  const reporter = options.reporter ?? new ConsoleReporter();
  const execute = { fullRefresh: Boolean(options.fullRefresh), dryRun: Boolean(options.dryRun) };

  if (options.engine === "bigquery") {
    const { BigQueryExecutor } = await import("./runner/bigquery");
    const executor: Executor = BigQueryExecutor.fromEnvironment(graph);
    try {
      return await runActions(actions, executor, execute, reporter);
    } finally {
      await executor.close();
    }
  }

  if (options.dryRun) throw new Error("--dry-run needs --engine bigquery (DuckDB has no dry-run jobs); use `gp2gp compile` to check the graph.");
  if (options.warehouse) return runActions(actions, new DuckDBExecutor(options.warehouse), execute, reporter);
  const release = acquireLock(options.database, "gp2gp run");
  const warehouse = await Warehouse.open(options.database);
  try {
    return await runActions(actions, new DuckDBExecutor(warehouse), execute, reporter);
  } finally {
    warehouse.close();
    release();
  }
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
  fs.writeFileSync(file, `${JSON.stringify({ ok: summary.ok, seconds: summary.seconds, assertion_results_error: summary.assertionResultsError ?? null, actions }, null, 2)}\n`);
}
