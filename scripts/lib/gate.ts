/**
 * The publish gate (reporting-products §3): before a report is exported or metrics are published, the assertions
 * tagged "gate" (definitions/assertions/gate__*.sqlx) must return no rows. They are compiled disabled, so ordinary
 * runs (and every test warehouse) skip them; this module compiles the project with the same vars as the run it
 * guards and evaluates their queries against the warehouse, read-only.
 *
 * Thresholds are compile-time vars: a demo or test warehouse passes with a lower floor, e.g.
 * `checkPublishGate(warehouse, { vars: { gate_min_national_transfers: "100" } })`, which is what
 * `gp2gp export report … --vars gate_min_national_transfers=100` does.
 */
import { GATE_TAG } from "../../includes/gate";
import { compileProject, CompiledGraph } from "./compile";
import type { Warehouse } from "./duckdb";
import { rewriteNames } from "./runner/duckdb";

export interface GateFailure {
  /** The gate assertion that failed, e.g. "gate__national_transfers_below_minimum". */
  readonly check: string;
  /** What failed, from the assertion's `message` column (or why it could not be evaluated). */
  readonly message: string;
}

export interface GateResult {
  readonly ok: boolean;
  readonly failures: GateFailure[];
  /** The checks evaluated, in name order. */
  readonly checks?: string[];
}

export interface GateOptions {
  /** Vars merged over workflow_settings.yaml for the compile (e.g. gate_min_national_transfers). */
  readonly vars?: Record<string, string>;
  /** A graph compiled for DuckDB already (its vars are the ones used). */
  readonly graph?: CompiledGraph;
}

/** How many failing rows' messages a failure quotes. */
const QUOTED_ROWS = 3;

/** Runs every gate assertion's query; ok when none returns a row. */
export async function checkPublishGate(warehouse: Warehouse, options: GateOptions = {}): Promise<GateResult> {
  const graph = options.graph ?? (await compileProject({ engine: "duckdb", vars: options.vars }));
  const gates = graph.assertions.filter((a) => (a.tags ?? []).includes(GATE_TAG)).sort((a, b) => a.target.name.localeCompare(b.target.name));
  if (gates.length === 0) throw new Error(`The compiled project has no assertion tagged "${GATE_TAG}": the publish gate cannot be checked.`);
  const failures: GateFailure[] = [];
  for (const gate of gates) {
    const check = gate.target.name;
    const query = rewriteNames(gate.query);
    let rows: Record<string, unknown>[];
    let total: number;
    try {
      rows = await warehouse.rows(`select * from (${query}) as gate_rows limit ${QUOTED_ROWS}`);
      total = rows.length < QUOTED_ROWS ? rows.length : await warehouse.scalar<number>(`select count(*) from (${query}) as gate_rows`);
    } catch (error) {
      failures.push({ check, message: `could not be evaluated (has the graph been run?): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` });
      continue;
    }
    if (total === 0) continue;
    const messages = rows.map((row) => (typeof row.message === "string" ? row.message : JSON.stringify(row)));
    const more = total > rows.length ? `; and ${total - rows.length} more` : "";
    failures.push({ check, message: `${messages.join("; ")}${more}` });
  }
  return { ok: failures.length === 0, failures, checks: gates.map((g) => g.target.name) };
}

/** The gate result as text: one line per failed check, naming it. */
export function describeGate(result: GateResult): string {
  if (result.ok) return `Publish gate passed (${(result.checks ?? []).length} checks).`;
  return [`Publish gate failed (${result.failures.length} of ${(result.checks ?? []).length || result.failures.length} checks):`, ...result.failures.map((f) => `  ${f.check}: ${f.message}`)].join("\n");
}

/** The publish gate failed: nothing was written. */
export class PublishGateError extends Error {
  constructor(readonly result: GateResult) {
    super(`${describeGate(result)}\nNothing was written. Fix the data, or pass --skip-gate for an ad hoc export that is not published.`);
  }
}

/**
 * What every publishing command does first: check the gate (unless skipped for an ad hoc export) and throw
 * PublishGateError when it fails, so that nothing is written.
 */
export async function enforcePublishGate(warehouse: Warehouse, options: GateOptions & { readonly skipGate?: boolean }): Promise<GateResult | "skipped"> {
  if (options.skipGate) return "skipped";
  const result = await checkPublishGate(warehouse, options);
  if (!result.ok) throw new PublishGateError(result);
  return result;
}

/** For command actions: reports a PublishGateError (exit code 1) and returns true; anything else is rethrown. */
export function reportGateFailure(error: unknown): true {
  if (!(error instanceof PublishGateError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
  return true;
}
