/**
 * The organisation pages' data: the Evidence extracts (parquet, one file per source query, whichever engine they came
 * from) read into an in-memory DuckDB, one query per table ordered by organisation and month, validated row by row and
 * grouped by organisation. Nothing here computes a figure: every count and percentage is a mart's column.
 */
import fs from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { z } from "zod";
import { ENGLAND_ID, ORGANISATION_SCOPES } from "../../../../includes/journeys";
import { normaliseValue } from "../../duckdb";

const count = z.number().int().nonnegative();
const nullableCount = count.nullable();
const percent = z.number().nullable();
const seconds = z.number().nullable();
const text = z.string();
const nullableText = z.string().nullable();
const month = z.string().regex(/^\d{4}-\d{2}-01$/, "a month (YYYY-MM-01)");

/** The public site's practice figures, which every level's mart carries. */
const publicFigures = {
  requested_count: count,
  received_count: count,
  received_percent_of_requested: percent,
  integrated_within_3_days_count: count,
  integrated_within_3_days_percent_of_received: percent,
  integrated_within_8_days_count: count,
  integrated_within_8_days_percent_of_received: percent,
  not_integrated_within_8_days_total: count,
  not_integrated_within_8_days_percent_of_received: percent,
  failures_total_count: count,
  failures_total_percent_of_requested: percent,
  integrated_on_time_count: count,
  sla_duration_median_seconds: seconds,
  sla_duration_p90_seconds: seconds,
  is_final: z.boolean(),
  metric_month: month,
};

const practiceRow = z.object({
  ...publicFigures,
  practice_ods_code: text,
  practice_name: nullableText,
  sicbl_ods_code: nullableText,
  sicbl_name: nullableText,
  icb_ods_code: nullableText,
  icb_name: nullableText,
  region_ods_code: nullableText,
  region_name: nullableText,
  integrated_late_count: count,
  transferred_not_integrated_count: count,
});

const areaFigures = {
  ...publicFigures,
  practice_count: count,
  integrated_on_time_percent: percent,
  paper_fallback_percent: percent,
};
const sicblRow = z.object({ ...areaFigures, sicbl_ods_code: text, sicbl_name: nullableText, icb_ods_code: nullableText, icb_name: nullableText });
const icbRow = z.object({ ...areaFigures, icb_ods_code: text, icb_name: nullableText, region_ods_code: nullableText, region_name: nullableText });
const regionRow = z.object({ ...areaFigures, region_ods_code: text, region_name: nullableText });

const nationalRow = z.object({
  metric_month: month,
  transfer_count: count,
  integrated_on_time_count: count,
  integrated_on_time_percent: percent,
  paper_fallback_count: count,
  paper_fallback_percent: percent,
  is_final: z.boolean(),
});

const sendingRow = z.object({
  sending_practice_ods_code: text,
  metric_month: month,
  requested_count: count,
  integrated_on_time_count: count,
  integrated_on_time_percent: percent,
  paper_fallback_count: count,
  paper_fallback_percent: percent,
  technical_failure_count: count,
  technical_failure_percent: percent,
  process_failure_count: count,
  process_failure_percent: percent,
  unclassified_failure_count: count,
  unclassified_failure_percent: percent,
  is_final: z.boolean(),
});

const reasonRow = z.object({
  practice_ods_code: text,
  metric_month: month,
  status: text,
  failure_reason: text,
  transfer_count: count,
  percent_of_requested: percent,
});

const errorCodeRow = z.object({
  practice_ods_code: text,
  metric_month: month,
  error_location: nullableText,
  error_code: z.union([text, z.number()]).transform(String),
  short_name: nullableText,
  description: nullableText,
  transfer_count: count,
  technical_failure_count: nullableCount,
});

/** A journey stage of a requesting practice, a Sub ICB Location or England (organisation_journey_stages_monthly). */
const journeyRow = z.object({
  metric_month: month,
  scope_kind: text,
  scope_id: text,
  stage_order: count,
  stage: text,
  transfers_reached: count,
  transfers_ended: count,
  timed_transfer_count: count,
  time_in_stage_median_seconds: seconds,
  service_level_seconds: seconds,
  exceeded_service_level_count: count,
  exceeded_service_level_percent: percent,
});

const freshnessRow = z.object({ extracted_at: nullableText, data_watermark_at: nullableText });

export type PracticeMonth = z.infer<typeof practiceRow>;
export type SicblMonth = z.infer<typeof sicblRow>;
export type IcbMonth = z.infer<typeof icbRow>;
export type RegionMonth = z.infer<typeof regionRow>;
export type NationalMonth = z.infer<typeof nationalRow>;
export type SendingMonth = z.infer<typeof sendingRow>;
export type ReasonRow = z.infer<typeof reasonRow>;
export type ErrorCodeRow = z.infer<typeof errorCodeRow>;
export type JourneyStageRow = z.infer<typeof journeyRow>;

/** Whose journey stages: a requesting practice, a Sub ICB Location or England. */
export type JourneyScope = "practice" | "sicbl" | "england";
const JOURNEY_SCOPE_KINDS: Record<JourneyScope, string> = { practice: ORGANISATION_SCOPES.PRACTICE, sicbl: ORGANISATION_SCOPES.SICBL, england: ORGANISATION_SCOPES.ENGLAND };

/** The key of a scope's stages in OrgData.journeys. */
export function journeyKey(scope: JourneyScope, ods = ENGLAND_ID): string {
  return scopeKey(JOURNEY_SCOPE_KINDS[scope], scope === "england" ? ENGLAND_ID : ods);
}

/** A row's scope (scope_kind, scope_id) as one key. */
const scopeKey = (kind: string, id: string) => `${kind}|${id}`;

/** Everything the organisation pages show, grouped by organisation; each list is newest month first. */
export interface OrgData {
  national: NationalMonth[];
  /** The latest month whose national figures are final (YYYY-MM-01), or null when none is. */
  latestFinalMonth: string | null;
  freshness: { extractedAt: string | null; dataWatermarkAt: string | null };
  practices: Map<string, PracticeMonth[]>;
  sicbls: Map<string, SicblMonth[]>;
  icbs: Map<string, IcbMonth[]>;
  regions: Map<string, RegionMonth[]>;
  sending: Map<string, SendingMonth[]>;
  reasons: Map<string, ReasonRow[]>;
  errorCodes: Map<string, ErrorCodeRow[]>;
  /** The journey stages of the latest final month by scope (journeyKey), in stage order; empty when no month is final. */
  journeys: Map<string, JourneyStageRow[]>;
}

/** The source tables the pages read. */
export const ORG_PAGE_TABLES = [
  "practice_metrics_monthly",
  "sicbl_metrics_monthly",
  "icb_metrics_monthly",
  "region_metrics_monthly",
  "national_metrics_monthly",
  "sending_practice_metrics_monthly",
  "practice_failure_reasons_monthly",
  "practice_error_codes_monthly",
  "organisation_journey_stages_monthly",
  "data_freshness",
] as const;

/** The parquet file of each source table, from the manifest `evidence sources` writes in the extracts folder. */
export function extractFiles(dataDir: string): Record<string, string> {
  const manifestFile = path.join(dataDir, "manifest.json");
  if (!fs.existsSync(manifestFile)) throw new Error(`No extracts manifest at ${manifestFile}: run \`evidence sources\` first`);
  const manifest = z.object({ renderedFiles: z.record(z.string(), z.array(z.string())) }).parse(JSON.parse(fs.readFileSync(manifestFile, "utf8")));
  const files: Record<string, string> = {};
  for (const file of Object.values(manifest.renderedFiles).flat()) {
    // Entries read "static/data/gp2gp/<table>/<table>.parquet", relative to the folder above data/.
    const onDisk = path.join(dataDir, file.replace(/^static\/data\//, ""));
    files[path.basename(file, ".parquet")] = onDisk;
  }
  const missing = ORG_PAGE_TABLES.filter((table) => !files[table] || !fs.existsSync(files[table]!));
  if (missing.length > 0) throw new Error(`The extracts in ${dataDir} lack ${missing.join(", ")} (manifest.json names ${Object.keys(files).join(", ") || "no file"})`);
  return files;
}

/** Reads the extracts in `dataDir` into OrgData. */
export async function loadOrgData(dataDir: string): Promise<OrgData> {
  const files = extractFiles(dataDir);
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  try {
    await connection.run("set TimeZone = 'UTC'");
    for (const table of ORG_PAGE_TABLES) {
      await connection.run(`create view ${table} as select * from read_parquet('${files[table]!.replace(/'/g, "''")}')`);
    }
    const read = async <T>(table: string, schema: z.ZodType<T>, sql: string): Promise<T[]> => {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS().map((raw, index) => {
        const row: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(raw)) row[key] = normaliseValue(value);
        const parsed = schema.safeParse(row);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new Error(`${files[table]}: row ${index + 1}, field ${issue.path.join(".") || "(row)"}: ${issue.message} (value ${JSON.stringify(row[String(issue.path[0])])})`);
        }
        return parsed.data;
      });
    };
    // Months as text, so that they compare and key maps as they are written in the pages.
    const byMonth = (table: string, key: string) => `select * replace (strftime(metric_month, '%Y-%m-%d') as metric_month) from ${table} order by ${key}, metric_month desc`;
    const national = await read("national_metrics_monthly", nationalRow, byMonth("national_metrics_monthly", "1"));
    const practices = await read("practice_metrics_monthly", practiceRow, byMonth("practice_metrics_monthly", "practice_ods_code"));
    const sicbls = await read("sicbl_metrics_monthly", sicblRow, byMonth("sicbl_metrics_monthly", "sicbl_ods_code"));
    const icbs = await read("icb_metrics_monthly", icbRow, byMonth("icb_metrics_monthly", "icb_ods_code"));
    const regions = await read("region_metrics_monthly", regionRow, byMonth("region_metrics_monthly", "region_ods_code"));
    const sending = await read("sending_practice_metrics_monthly", sendingRow, byMonth("sending_practice_metrics_monthly", "sending_practice_ods_code"));
    const reasons = await read(
      "practice_failure_reasons_monthly",
      reasonRow,
      `select * replace (strftime(metric_month, '%Y-%m-%d') as metric_month) from practice_failure_reasons_monthly
       order by practice_ods_code, metric_month desc, case status when 'Technical failure' then 1 when 'Unclassified failure' then 2 else 3 end, transfer_count desc, failure_reason`,
    );
    const errorCodes = await read(
      "practice_error_codes_monthly",
      errorCodeRow,
      `select * replace (strftime(metric_month, '%Y-%m-%d') as metric_month) from practice_error_codes_monthly
       order by practice_ods_code, metric_month desc, transfer_count desc, error_code, error_location`,
    );
    const [freshness] = await read(
      "data_freshness",
      freshnessRow,
      "select strftime(max(extracted_at), '%-d %B %Y') as extracted_at, strftime(max(data_watermark_at), '%-d %B %Y %H:%M') as data_watermark_at from data_freshness",
    );
    national.sort((a, b) => b.metric_month.localeCompare(a.metric_month));
    const latestFinalMonth = national.find((row) => row.is_final)?.metric_month ?? null;
    // Only the month the pages show: a few rows a practice, however many months the extract holds.
    const journeys = latestFinalMonth
      ? await read(
          "organisation_journey_stages_monthly",
          journeyRow,
          `select metric_month, scope_kind, scope_id, stage_order, stage, transfers_reached, transfers_ended, timed_transfer_count, time_in_stage_median_seconds,
             service_level_seconds, exceeded_service_level_count, exceeded_service_level_percent
           from (select * replace (strftime(metric_month, '%Y-%m-%d') as metric_month) from organisation_journey_stages_monthly)
           where metric_month = '${latestFinalMonth}'
           order by scope_kind, scope_id, stage_order`,
        )
      : [];
    return {
      national,
      latestFinalMonth,
      freshness: { extractedAt: freshness?.extracted_at ?? null, dataWatermarkAt: freshness?.data_watermark_at ?? null },
      practices: groupBy(practices, (row) => row.practice_ods_code),
      sicbls: groupBy(sicbls, (row) => row.sicbl_ods_code),
      icbs: groupBy(icbs, (row) => row.icb_ods_code),
      regions: groupBy(regions, (row) => row.region_ods_code),
      sending: groupBy(sending, (row) => row.sending_practice_ods_code),
      reasons: groupBy(reasons, (row) => row.practice_ods_code),
      errorCodes: groupBy(errorCodes, (row) => row.practice_ods_code),
      journeys: groupBy(journeys, (row) => scopeKey(row.scope_kind, row.scope_id)),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows grouped by a key, each group in the rows' order. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
