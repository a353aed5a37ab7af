/**
 * The runner's record of assertion results: `run_assertion_results` in the marts dataset (gp2gp_marts by default), one
 * row per assertion of each `gp2gp run` (not a Dataform model: Dataform and managed Dataform do not write it).
 * Append-only, keeping the last RETAINED_RUNS runs. Statements are built here for both engines; each executor runs
 * them, in the marts dataset of the project context it is given.
 */
import { helpersFor, type Engine, type SqlType } from "../../../includes/engine";
import type { Target } from "../compile";
import type { ActionOutcome, AssertionRecord } from "./types";

/** The table of assertion results in the marts dataset `marts` (the project context's). */
export function assertionResultsTable(marts: string): Target {
  return { schema: marts, name: "run_assertion_results" };
}
/** Runs kept in the table; older runs are deleted after each write. */
export const RETAINED_RUNS = 30;
/** Failing rows kept as JSON text per failed assertion, and the most characters that text may take. */
const SAMPLE_ROWS = 3;
const SAMPLE_MAX_CHARS = 2000;

export type { AssertionRecord, RecordedStatus } from "./types";

/** The columns of the table, in order, with their types. */
export const ASSERTION_RESULT_COLUMNS: readonly (readonly [keyof AssertionRecord, SqlType])[] = [
  ["run_id", "STRING"],
  ["run_started_at", "TIMESTAMP"],
  ["run_finished_at", "TIMESTAMP"],
  ["assertion_name", "STRING"],
  ["assertion_dataset", "STRING"],
  ["checked_table", "STRING"],
  ["status", "STRING"],
  ["failing_rows", "INT64"],
  ["sample_rows_json", "STRING"],
  ["error_message", "STRING"],
  ["seconds", "FLOAT64"],
];

export interface RunIdentity {
  readonly runId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** One record per assertion outcome of a run (other actions and SQLX unit tests are not recorded). */
export function assertionRecords(run: RunIdentity, outcomes: readonly ActionOutcome[]): AssertionRecord[] {
  return outcomes
    .filter((o) => o.action.kind === "assertion")
    .map((o) => {
      const parent = o.action.kind === "assertion" ? o.action.compiled.parentAction : undefined;
      const assertionFailed = o.status === "failed" && o.result !== undefined;
      return {
        run_id: run.runId,
        run_started_at: run.startedAt,
        run_finished_at: run.finishedAt,
        assertion_name: o.action.target.name,
        assertion_dataset: o.action.target.schema,
        checked_table: parent ? `${parent.schema}.${parent.name}` : o.action.dependencies.length === 1 ? o.action.dependencies[0]! : null,
        status: o.status === "failed" || o.status === "skipped" ? o.status : "passed",
        failing_rows: o.result?.rows ?? null,
        sample_rows_json: assertionFailed ? sampleJson(o.sample ?? []) : null,
        error_message: o.error ?? null,
        seconds: Math.round(o.seconds * 1000) / 1000,
      };
    });
}

/** Up to SAMPLE_ROWS failing rows as JSON text, fewer when they would exceed SAMPLE_MAX_CHARS; null when none fit. */
function sampleJson(sample: readonly Record<string, unknown>[]): string | null {
  const json = (rows: readonly unknown[]) => JSON.stringify(rows, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  for (let n = Math.min(SAMPLE_ROWS, sample.length); n > 0; n--) {
    const text = json(sample.slice(0, n));
    if (text.length <= SAMPLE_MAX_CHARS) return text;
  }
  return null;
}

/** The statements that create the table, append `records` and drop runs beyond the last `retainRuns`. */
export function assertionResultsStatements(
  engine: Engine,
  table: string,
  records: readonly AssertionRecord[],
  retainRuns = RETAINED_RUNS,
): { create: string; insert?: string; prune: string } {
  const h = helpersFor(engine);
  const create = `create table if not exists ${table} (${ASSERTION_RESULT_COLUMNS.map(([name, type]) => `${name} ${h.type(type)}`).join(", ")})`;
  const literal = (value: unknown, type: SqlType): string => {
    if (value === null || value === undefined) return `cast(null as ${h.type(type)})`;
    if (value instanceof Date) return `timestamp '${value.toISOString().replace("T", " ").replace("Z", "")}'`;
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : `cast(null as ${h.type(type)})`;
    return h.stringLiteral(String(value));
  };
  const insert =
    records.length === 0
      ? undefined
      : `insert into ${table} (${ASSERTION_RESULT_COLUMNS.map(([name]) => name).join(", ")}) values\n` +
        records.map((r) => `(${ASSERTION_RESULT_COLUMNS.map(([name, type]) => literal(r[name], type)).join(", ")})`).join(",\n");
  const prune =
    `delete from ${table} where run_started_at < ` +
    `(select min(run_started_at) from (select distinct run_started_at from ${table} order by run_started_at desc limit ${retainRuns}) as kept_runs)`;
  return { create, insert, prune };
}
