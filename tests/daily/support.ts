/**
 * Shared by the daily run's tests: 10 generated days (20 practices) from 2026-03-25, so that March becomes final
 * within them (metrics cutoff 2 days), or 7 days over February and March, so that both become final at once; vars that make the small data set raise alerts and pass the publish gate, an
 * inbox to deliver files into, a fake publisher, and table contents to compare warehouses by.
 */
import fs from "node:fs";
import path from "node:path";
import { parseVars } from "../../includes/config";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { runDaily, type DailyOptions, type DailyResult } from "../../scripts/lib/daily";
import { generate } from "../../scripts/lib/generate";
import { contextOfVars } from "../../scripts/lib/project-context";
import type { PublishOptions } from "../../scripts/lib/reports/publish";
import { tempDir } from "../support/warehouse";

export const VARS: Record<string, string> = {
  cutoff_days: "0;2",
  metrics_cutoff_days: "2",
  gate_min_national_transfers: "1",
  gate_max_practices_without_sicbl: "20",
  alert_min_daily_transfers: "1",
  alert_technical_failure_percent: "0",
};
export const CONTEXT = contextOfVars(parseVars({ ...VARS, engine: "duckdb" }));
/** The same vars as `gp2gp daily --vars` takes them. */
export const VARS_OPTION = Object.entries(VARS).map(([k, v]) => `${k}=${v}`).join(",");

export interface Generated {
  readonly dir: string;
  readonly spine: string[];
  readonly reference: string[];
}

/** Generates the data set into a temporary folder. */
export async function generateData(): Promise<Generated> {
  const dir = path.join(tempDir("daily-data"), "data");
  await generate({ outDir: dir, start: "2026-03-25", days: 10, practices: 20, seed: 11 });
  return generatedFiles(dir);
}

/**
 * Two short stretches of the same practices, 2026-02-26 to 02-28 and 2026-03-31 to 04-03 (each day's traffic
 * depends only on the seed and the day): loaded together, February and March both become final in one run.
 */
export async function generateTwoMonths(): Promise<Generated> {
  const dir = path.join(tempDir("daily-two-months"), "data");
  await generate({ outDir: dir, start: "2026-02-26", days: 3, practices: 20, seed: 11 });
  await generate({ outDir: dir, start: "2026-03-31", days: 4, practices: 20, seed: 11 });
  return generatedFiles(dir);
}

function generatedFiles(dir: string): Generated {
  const list = (folder: string) => fs.readdirSync(path.join(dir, folder)).sort().map((f) => path.join(dir, folder, f));
  return { dir, spine: list("spine"), reference: list("reference") };
}

/** An empty inbox folder. */
export function newInbox(prefix = "daily-inbox"): string {
  const dir = tempDir(prefix);
  fs.mkdirSync(path.join(dir, "spine"));
  fs.mkdirSync(path.join(dir, "reference"));
  return dir;
}

/** Copies files into the inbox's folder of the same name (spine/ or reference/). */
export function deliver(inbox: string, files: readonly string[]): void {
  for (const file of files) fs.copyFileSync(file, path.join(inbox, path.basename(path.dirname(file)), path.basename(file)));
}

/** A publisher that records its calls instead of building the site. */
export function fakePublisher(): { calls: PublishOptions[]; publish: NonNullable<DailyOptions["publisher"]> } {
  const calls: PublishOptions[] = [];
  return {
    calls,
    publish: async (options) => {
      calls.push(options);
      return { manifest: { edition: calls.filter((c) => c.month === options.month).length === 1 ? options.month : `${options.month}-r${calls.length}` } as never };
    },
  };
}

/** One daily run with the test vars. */
export function daily(inbox: string, database: string, extra: Partial<DailyOptions> = {}): Promise<DailyResult> {
  return runDaily({ inbox, database, vars: VARS, context: CONTEXT, publisher: fakePublisher().publish, webhookRetry: { backoffMs: 5 }, ...extra });
}

/** The marts compared between warehouses (those of tests/e2e/incremental.test.ts and the alert and metric marts). */
export const COMPARED_TABLES: readonly (readonly [string, readonly string[]])[] = [
  ["gp2gp_marts.transfers", []],
  ["gp2gp_marts.data_quality_daily", []],
  ["gp2gp_marts.supplier_pathway_outcomes", []],
  ["gp2gp_marts.technical_failures", []],
  ["gp2gp_marts.transfers_by_hour", []],
  ["gp2gp_marts.sicbl_integration_times", []],
  ["gp2gp_marts.technical_failure_rate_daily", []],
  ["gp2gp_marts.practice_metrics_monthly", []],
  ["gp2gp_marts.national_metrics_monthly", []],
  ["gp2gp_marts.sicbl_metrics_monthly", []],
  ["gp2gp_correlated.conversations", ["refresh_sequence", "refreshed_load_id", "data_watermark_at"]],
];

/** A checksum of a table's rows (sorted text of every row, leaving out the bookkeeping columns), and its row count. */
export async function tableChecksum(warehouse: Warehouse, table: string, exclude: readonly string[] = []): Promise<{ rows: number; checksum: string }> {
  const columns = await warehouse.rows<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema || '.' || table_name = '${table}' order by ordinal_position`,
  );
  const kept = columns.map((c) => c.column_name).filter((c) => !exclude.includes(c));
  const row = await warehouse.rows<{ rows: number; checksum: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(line, '\n' order by line)), '') as checksum
     from (select cast(row(${kept.map((c) => `"${c}"`).join(", ")}) as varchar) as line from ${table})`,
  );
  return row[0]!;
}
