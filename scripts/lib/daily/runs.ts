/**
 * The tables `gp2gp daily` owns in the marts dataset (not Dataform models; created when missing):
 *  - pipeline_runs: one row per call, written as `running` when the call starts and completed when it ends (a call
 *    killed part-way leaves its `running` row), with `load_watermark`, the last load_log load the call's graph run
 *    covered;
 *  - pipeline_alerts: every alert raised, by its id, so that an alert is raised once;
 *  - pipeline_published_months: every final month exported and published, so that a month is published once.
 */
import { z } from "zod";
import { sqlString, type Warehouse } from "../duckdb";
import { rawName } from "../load/raw-tables";

export const RUN_OUTCOMES = ["running", "done", "nothing_new", "gate_failed", "failed"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The exit code of each finished outcome: 0 done, 1 failed, 2 bad usage (the command's), 3 publish gate failed, 4 nothing new. */
export const EXIT_CODES: Record<Exclude<RunOutcome, "running">, number> = { done: 0, failed: 1, gate_failed: 3, nothing_new: 4 };

export const pipelineRunSchema = z.object({
  run_id: z.string().min(1),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  files_loaded: z.number().int().min(0),
  files_skipped: z.number().int().min(0),
  files_quarantined: z.number().int().min(0),
  rows_loaded: z.number().int().min(0),
  rows_rejected: z.number().int().min(0),
  outcome: z.enum(RUN_OUTCOMES),
  exit_code: z.number().int().min(0).max(4).nullable(),
  alerts_raised: z.number().int().min(0),
  alerts_delivered: z.number().int().min(0),
  editions_published: z.number().int().min(0),
  load_watermark: z.number().int().min(0).nullable(),
  message: z.string().nullable(),
});
export type PipelineRun = z.infer<typeof pipelineRunSchema>;

const RUN_COLUMNS: readonly (readonly [keyof PipelineRun, string])[] = [
  ["run_id", "varchar"],
  ["started_at", "timestamp"],
  ["finished_at", "timestamp"],
  ["files_loaded", "integer"],
  ["files_skipped", "integer"],
  ["files_quarantined", "integer"],
  ["rows_loaded", "bigint"],
  ["rows_rejected", "bigint"],
  ["outcome", "varchar"],
  ["exit_code", "integer"],
  ["alerts_raised", "integer"],
  ["alerts_delivered", "integer"],
  ["editions_published", "integer"],
  ["load_watermark", "bigint"],
  ["message", "varchar"],
];

const table = (marts: string, name: string) => `"${marts}".${name}`;

export async function ensureRunTables(warehouse: Warehouse, marts: string): Promise<void> {
  await warehouse.run(`create schema if not exists "${marts}"`);
  await warehouse.run(`create table if not exists ${table(marts, "pipeline_runs")} (${RUN_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")})`);
  await warehouse.run(
    `create table if not exists ${table(marts, "pipeline_alerts")} (alert_id varchar primary key, kind varchar, day date, run_id varchar, raised_at timestamp, delivery varchar)`,
  );
  await warehouse.run(
    `create table if not exists ${table(marts, "pipeline_published_months")} (metric_month date primary key, run_id varchar, published_at timestamp, exports_dir varchar, edition varchar)`,
  );
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return `timestamp '${value.toISOString().replace("T", " ").replace("Z", "")}'`;
  if (typeof value === "number") return String(value);
  return sqlString(String(value));
}

/** Writes the run's row (inserted on the first call, replaced by later ones). */
export async function recordRun(warehouse: Warehouse, marts: string, run: PipelineRun): Promise<void> {
  const row = pipelineRunSchema.parse(run);
  await warehouse.transaction(async () => {
    await warehouse.run(`delete from ${table(marts, "pipeline_runs")} where run_id = ${sqlString(row.run_id)}`);
    await warehouse.run(
      `insert into ${table(marts, "pipeline_runs")} (${RUN_COLUMNS.map(([name]) => name).join(", ")}) values (${RUN_COLUMNS.map(([name]) => literal(row[name])).join(", ")})`,
    );
  });
}

/** The last load the graph has been run over by a finished call (0 when none). */
export async function processedWatermark(warehouse: Warehouse, marts: string): Promise<number> {
  const value = await warehouse.scalar<number | null>(
    `select max(load_watermark) from ${table(marts, "pipeline_runs")} where outcome in ('done', 'gate_failed', 'nothing_new')`,
  );
  return Number(value ?? 0);
}

/** The newest load of the load log (0 when nothing was ever loaded). */
export async function latestLoad(warehouse: Warehouse, raw: string): Promise<number> {
  return Number((await warehouse.scalar<number | null>(`select max(load_id) from ${rawName(raw, "load_log")}`)) ?? 0);
}

export async function alertRaised(warehouse: Warehouse, marts: string, alertId: string): Promise<boolean> {
  return Number(await warehouse.scalar<number>(`select count(*) from ${table(marts, "pipeline_alerts")} where alert_id = ${sqlString(alertId)}`)) > 0;
}

export async function recordAlert(warehouse: Warehouse, marts: string, alert: { id: string; kind: string; day: string; runId: string; raisedAt: string; delivery: string }): Promise<void> {
  await warehouse.run(
    `insert or replace into ${table(marts, "pipeline_alerts")} values (${sqlString(alert.id)}, ${sqlString(alert.kind)}, date ${sqlString(alert.day)}, ${sqlString(alert.runId)}, ${literal(new Date(alert.raisedAt))}, ${sqlString(alert.delivery)})`,
  );
}

/** Final months (YYYY-MM) not yet published, oldest first. */
export async function monthsToPublish(warehouse: Warehouse, marts: string): Promise<string[]> {
  if (!(await warehouse.tableExists(marts, "national_metrics_monthly"))) return [];
  const rows = await warehouse.rows<{ month: string }>(
    `select strftime(metric_month, '%Y-%m') as month from ${table(marts, "national_metrics_monthly")}
     where is_final and metric_month not in (select metric_month from ${table(marts, "pipeline_published_months")})
     order by metric_month`,
  );
  return rows.map((r) => r.month);
}

export async function recordPublishedMonth(warehouse: Warehouse, marts: string, month: string, runId: string, exportsDir: string, edition: string | null): Promise<void> {
  await warehouse.run(
    `insert or replace into ${table(marts, "pipeline_published_months")} values (date ${sqlString(`${month}-01`)}, ${sqlString(runId)}, ${literal(new Date())}, ${sqlString(exportsDir)}, ${literal(edition)})`,
  );
}
