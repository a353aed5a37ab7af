/**
 * `gp2gp export metrics`: the published practice and national metrics files (spec §6.4, v12 shapes) written from
 * the metric marts, as NHS England's metrics calculator writes them for an anchor date and a number of months
 * (§6.1).
 *
 * - Metric months: the N whole months before the anchor's month (UTC), latest first; the "last metric month" (the
 *   first of them) names the files: `YYYY-M-practiceMetrics.json`, `YYYY-M-nationalMetrics.json` (month not
 *   zero-padded).
 * - Practices: those with at least one transfer requested in the metric months (transfers with no practice ODS
 *   code are skipped, G2). Each is named from its latest transfer in those months (greatest date_requested; ties
 *   go to the earlier in input order) and dropped when that transfer has no SICBL (G3). "Input order" is
 *   date_requested, then conversation_id: practices are listed in order of their first transfer in it, and
 *   SICBLs in order of first appearance among the kept practices (G4), each named as its first practice names it.
 *   Every practice has one entry per metric month, latest first (G6), zeros and nulls where it requested nothing.
 * - National: the last metric month only (§6.3); zeros and nulls when the month has no transfers.
 *
 * The documents are validated with the zod schemas of ./schemas before they are written, each to a temporary
 * file that is then renamed over the target. The JSON is laid out as Python's json.dumps writes it by default
 * (", " and ": " separators, non-ASCII characters escaped) with percentages always written as floats (25.0).
 * Pure logic apart from `exportMetrics` (which reads the warehouse) and the writing of the files.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import type { Warehouse } from "../duckdb";
import { writeFileAtomically } from "../files";
import {
  NationalMetricsDocument,
  nationalMetricsDocumentSchema,
  NationalMonth,
  PracticeEntry,
  PracticeMetricsDocument,
  practiceMetricsDocumentSchema,
  RequestedTransfers,
} from "./schemas";

export interface MetricMonth {
  readonly year: number;
  readonly month: number;
}

/** One practice_metrics_monthly row, as the export reads it. */
export interface PracticeMonthRow {
  practice_ods_code: string;
  /** First day of the month (any ISO date or timestamp string starting YYYY-MM). */
  metric_month: string;
  requested_count: number;
  received_count: number;
  received_percent_of_requested: number | null;
  integrated_within_3_days_count: number;
  integrated_within_3_days_percent_of_received: number | null;
  integrated_within_8_days_count: number;
  integrated_within_8_days_percent_of_received: number | null;
  not_integrated_within_8_days_total: number;
  not_integrated_within_8_days_percent_of_received: number | null;
  failures_total_count: number;
  failures_total_percent_of_requested: number | null;
  month_first_requested_at: string | null;
  month_first_conversation_id: string | null;
  month_latest_requested_at: string | null;
  month_latest_practice_name: string | null;
  month_latest_sicbl_ods_code: string | null;
  month_latest_sicbl_name: string | null;
  is_final: boolean;
}

/** One national_metrics_monthly row, as the export reads it. */
export interface NationalMonthRow {
  metric_month: string;
  transfer_count: number;
  integrated_on_time_count: number;
  integrated_on_time_percent: number | null;
  paper_fallback_count: number;
  paper_fallback_percent: number | null;
  technical_failure_count: number;
  technical_failure_percent: number | null;
  process_failure_integrated_late_count: number;
  process_failure_integrated_late_percent: number | null;
  process_failure_transferred_not_integrated_count: number;
  process_failure_transferred_not_integrated_percent: number | null;
  unclassified_failure_count: number;
  unclassified_failure_percent: number | null;
  is_final: boolean;
}

const anchorSchema = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, "is not a calendar date");

/** Validates --anchor (YYYY-MM-DD, UTC) and --months (1-120); throws an Error naming the option at fault. */
export function parseExportOptions(anchor: string, months: string | number): { anchor: string; months: number } {
  const problems: string[] = [];
  const a = anchorSchema.safeParse(anchor);
  if (!a.success) problems.push(`--anchor ${anchor}: ${a.error.issues[0]!.message}`);
  const m = String(months).trim();
  if (!/^\d{1,3}$/.test(m) || Number(m) < 1 || Number(m) > 120) problems.push(`--months ${months}: must be a whole number from 1 to 120`);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { anchor: a.data!, months: Number(m) };
}

/** The metric months (spec §6.1): the `count` months before the anchor's month, latest first. */
export function metricMonths(anchor: string, count: number): MetricMonth[] {
  const [y, m] = anchor.split("-").map(Number) as [number, number];
  const months: MetricMonth[] = [];
  for (let i = 1; i <= count; i += 1) {
    const index = y * 12 + (m - 1) - i;
    months.push({ year: Math.floor(index / 12), month: (index % 12) + 1 });
  }
  return months;
}

/** "YYYY-MM-01" of a metric month. */
export function monthStart({ year, month }: MetricMonth): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`;
}

const monthKey = (value: string) => value.slice(0, 7);

/** The file names for a last metric month: `YYYY-M-practiceMetrics.json`, `YYYY-M-nationalMetrics.json`. */
export function metricsFileNames(last: MetricMonth): { practice: string; national: string } {
  const prefix = `${last.year}-${last.month}`;
  return { practice: `${prefix}-practiceMetrics.json`, national: `${prefix}-nationalMetrics.json` };
}

/** ISO 8601 UTC with microseconds and +00:00 (as Python's datetime.isoformat writes an aware UTC time). */
export function formatGeneratedOn(epochMicros: bigint): string {
  const millis = epochMicros / 1000n;
  const micros = Number(epochMicros % 1_000_000n);
  const base = new Date(Number(millis)).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, "0")}+00:00`;
}

/** Now, in microseconds since the epoch. */
export function nowMicros(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

function requestedTransfers(row: PracticeMonthRow | undefined): RequestedTransfers {
  if (!row) {
    return {
      requestedCount: 0,
      receivedCount: 0,
      receivedPercentOfRequested: null,
      integratedWithin3DaysCount: 0,
      integratedWithin3DaysPercentOfReceived: null,
      integratedWithin8DaysCount: 0,
      integratedWithin8DaysPercentOfReceived: null,
      notIntegratedWithin8DaysTotal: 0,
      notIntegratedWithin8DaysPercentOfReceived: null,
      failuresTotalCount: 0,
      failuresTotalPercentOfRequested: null,
    };
  }
  return {
    requestedCount: row.requested_count,
    receivedCount: row.received_count,
    receivedPercentOfRequested: row.received_percent_of_requested,
    integratedWithin3DaysCount: row.integrated_within_3_days_count,
    integratedWithin3DaysPercentOfReceived: row.integrated_within_3_days_percent_of_received,
    integratedWithin8DaysCount: row.integrated_within_8_days_count,
    integratedWithin8DaysPercentOfReceived: row.integrated_within_8_days_percent_of_received,
    notIntegratedWithin8DaysTotal: row.not_integrated_within_8_days_total,
    notIntegratedWithin8DaysPercentOfReceived: row.not_integrated_within_8_days_percent_of_received,
    failuresTotalCount: row.failures_total_count,
    failuresTotalPercentOfRequested: row.failures_total_percent_of_requested,
  };
}

/** What the practice file left out, as upstream logs it. */
export interface PracticeExclusions {
  /** Practices dropped because their latest transfer in the metric months has no SICBL (UNKNOWN_SICBL_ODS_CODE_FOR_TRANSFER). */
  readonly droppedWithoutSicbl: string[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The practice metrics document from practice_metrics_monthly rows (any order; rows outside `months` are
 * ignored). See the module comment for the rules.
 */
export function buildPracticeMetricsDocument(
  rows: readonly PracticeMonthRow[],
  months: readonly MetricMonth[],
  generatedOn: string,
): { document: PracticeMetricsDocument; exclusions: PracticeExclusions } {
  const wanted = new Set(months.map((m) => monthKey(monthStart(m))));
  const byPractice = new Map<string, Map<string, PracticeMonthRow>>();
  for (const row of rows) {
    const key = monthKey(row.metric_month);
    if (!wanted.has(key) || row.practice_ods_code === null) continue;
    let practiceRows = byPractice.get(row.practice_ods_code);
    if (!practiceRows) byPractice.set(row.practice_ods_code, (practiceRows = new Map()));
    if (practiceRows.has(key)) throw new Error(`practice ${row.practice_ods_code} has two rows for ${key}`);
    practiceRows.set(key, row);
  }

  const candidates: { first: [string, string]; entry: PracticeEntry }[] = [];
  const droppedWithoutSicbl: string[] = [];
  for (const [ods, practiceRows] of byPractice) {
    const active = [...practiceRows.values()].filter((r) => r.requested_count > 0);
    if (active.length === 0) continue; // no transfer in the metric months: not in the input upstream reads
    const first = active
      .map((r) => [r.month_first_requested_at!, r.month_first_conversation_id!] as [string, string])
      .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))[0]!;
    // Months do not overlap, so the latest transfer is the latest month's latest transfer.
    const latest = active.reduce((a, b) => (compare(b.month_latest_requested_at!, a.month_latest_requested_at!) > 0 ? b : a));
    if (latest.month_latest_sicbl_ods_code === null) {
      droppedWithoutSicbl.push(ods);
      continue;
    }
    candidates.push({
      first,
      entry: {
        odsCode: ods,
        name: latest.month_latest_practice_name,
        sicblOdsCode: latest.month_latest_sicbl_ods_code,
        sicblName: latest.month_latest_sicbl_name,
        metrics: months.map((m) => ({ year: m.year, month: m.month, requestedTransfers: requestedTransfers(practiceRows.get(monthKey(monthStart(m)))) })),
      },
    });
  }
  candidates.sort((a, b) => compare(a.first[0], b.first[0]) || compare(a.first[1], b.first[1]) || compare(a.entry.odsCode, b.entry.odsCode));
  const practices = candidates.map((c) => c.entry);

  const sicbls = new Map<string, { odsCode: string; name: string | null; practices: string[] }>();
  for (const practice of practices) {
    const sicbl = sicbls.get(practice.sicblOdsCode);
    if (sicbl) sicbl.practices.push(practice.odsCode);
    else sicbls.set(practice.sicblOdsCode, { odsCode: practice.sicblOdsCode, name: practice.sicblName, practices: [practice.odsCode] });
  }
  droppedWithoutSicbl.sort();
  return { document: { generatedOn, practices, sicbls: [...sicbls.values()] }, exclusions: { droppedWithoutSicbl } };
}

/** The national metrics document for the last metric month, from its national_metrics_monthly row (undefined: no transfers). */
export function buildNationalMetricsDocument(row: NationalMonthRow | undefined, last: MetricMonth, generatedOn: string): NationalMetricsDocument {
  const share = (count: number | undefined, percent: number | null | undefined) => ({ transferCount: count ?? 0, transferPercentage: percent ?? null });
  const month: NationalMonth = {
    year: last.year,
    month: last.month,
    transferCount: row?.transfer_count ?? 0,
    integratedOnTime: share(row?.integrated_on_time_count, row?.integrated_on_time_percent),
    paperFallback: {
      ...share(row?.paper_fallback_count, row?.paper_fallback_percent),
      technicalFailure: share(row?.technical_failure_count, row?.technical_failure_percent),
      processFailure: {
        integratedLate: share(row?.process_failure_integrated_late_count, row?.process_failure_integrated_late_percent),
        transferredNotIntegrated: share(row?.process_failure_transferred_not_integrated_count, row?.process_failure_transferred_not_integrated_percent),
      },
      unclassifiedFailure: share(row?.unclassified_failure_count, row?.unclassified_failure_percent),
    },
  };
  return { generatedOn, metrics: [month] };
}

/** Throws an Error listing every problem when `document` does not match `schema`. */
export function validateDocument<T>(schema: z.ZodType<T>, document: unknown, what: string): T {
  const result = schema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`);
    throw new Error(`The ${what} does not match its published shape:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

const FLOAT_KEY = /Percent/;

/**
 * JSON as Python's json.dumps writes it by default: ", " and ": " separators, non-ASCII characters escaped as
 * \uXXXX, and the percentages (keys containing "Percent") written as floats, so 25 is "25.0".
 */
export function toPythonJson(value: unknown, key = ""): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${key}: ${value} cannot be written as JSON`);
    return FLOAT_KEY.test(key) && Number.isInteger(value) ? `${value}.0` : String(value);
  }
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map((v) => toPythonJson(v, key)).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${toPythonJson(k)}: ${toPythonJson(v, k)}`)
      .join(", ")}}`;
  }
  throw new Error(`${key}: cannot write a ${typeof value} as JSON`);
}

const PRACTICE_COLUMNS = [
  "practice_ods_code",
  "metric_month",
  "requested_count",
  "received_count",
  "received_percent_of_requested",
  "integrated_within_3_days_count",
  "integrated_within_3_days_percent_of_received",
  "integrated_within_8_days_count",
  "integrated_within_8_days_percent_of_received",
  "not_integrated_within_8_days_total",
  "not_integrated_within_8_days_percent_of_received",
  "failures_total_count",
  "failures_total_percent_of_requested",
  "month_first_requested_at",
  "month_first_conversation_id",
  "month_latest_requested_at",
  "month_latest_practice_name",
  "month_latest_sicbl_ods_code",
  "month_latest_sicbl_name",
  "is_final",
];

/** Columns read as text: the month as YYYY-MM-DD, request times with their microseconds (they order practices). */
const AS_TEXT: Record<string, string> = {
  metric_month: "strftime($, '%Y-%m-%d') as $",
  month_first_requested_at: "strftime($, '%Y-%m-%dT%H:%M:%S.%fZ') as $",
  month_latest_requested_at: "strftime($, '%Y-%m-%dT%H:%M:%S.%fZ') as $",
};

/** The queries the export runs over the marts dataset `marts` (DuckDB; dates as ISO strings). */
export function exportQueries(months: readonly MetricMonth[], marts: string): { practice: string; national: string } {
  const first = monthStart(months[months.length - 1]!);
  const last = monthStart(months[0]!);
  const schema = `"${marts}"`;
  return {
    practice: `select ${PRACTICE_COLUMNS.map((c) => AS_TEXT[c]?.split("$").join(c) ?? c).join(", ")}
      from ${schema}.practice_metrics_monthly
      where metric_month between date '${first}' and date '${last}'`,
    national: `select * replace (strftime(metric_month, '%Y-%m-%d') as metric_month)
      from ${schema}.national_metrics_monthly
      where metric_month between date '${first}' and date '${last}'
      order by metric_month desc`,
  };
}

export interface ExportMetricsOptions {
  warehouse: Warehouse;
  /** The marts dataset read (the project context's). */
  marts: string;
  /** YYYY-MM-DD (UTC). */
  anchor: string;
  /** Number of metric months (a string as the command line gives it, or a number). */
  months: number | string;
  outDir: string;
  /** Refuse to write when a metric month is provisional (or has no data) instead of warning. */
  requireFinal?: boolean;
  /** Run time in microseconds since the epoch (default now). */
  generatedAtMicros?: bigint;
}

export interface ExportMetricsResult {
  readonly practiceFile: string;
  readonly nationalFile: string;
  readonly practiceDocument: PracticeMetricsDocument;
  readonly nationalDocument: NationalMetricsDocument;
  readonly exclusions: PracticeExclusions;
  /** Transfers of the metric months left out of the practice file because their practice has no ODS code. */
  readonly unknownPracticeTransfers: number;
  /** Problems worth telling the user: provisional or empty months. */
  readonly warnings: string[];
}

/** Reads the marts for the metric months and writes both files into `outDir`. */
export async function exportMetrics(options: ExportMetricsOptions): Promise<ExportMetricsResult> {
  const { anchor, months: count } = parseExportOptions(options.anchor, options.months);
  const months = metricMonths(anchor, count);
  const generatedOn = formatGeneratedOn(options.generatedAtMicros ?? nowMicros());
  for (const mart of ["practice_metrics_monthly", "national_metrics_monthly"]) {
    if (!(await options.warehouse.tableExists(options.marts, mart))) throw new Error(`The warehouse has no ${options.marts}.${mart}: run the graph first (gp2gp run).`);
  }
  const queries = exportQueries(months, options.marts);
  const practiceRows = await options.warehouse.rows<PracticeMonthRow & Record<string, unknown>>(queries.practice);
  const nationalRows = await options.warehouse.rows<NationalMonthRow & Record<string, unknown>>(queries.national);
  const national = new Map(nationalRows.map((r) => [monthKey(r.metric_month), r]));

  const warnings: string[] = [];
  const notFinal: string[] = [];
  for (const m of months) {
    const key = monthKey(monthStart(m));
    const row = national.get(key);
    if (!row || row.transfer_count === 0) warnings.push(`${key} has no transfers in the warehouse: its figures are zeros (is its data loaded?).`);
    else if (!row.is_final) notFinal.push(key);
  }
  if (notFinal.length > 0) warnings.push(`${notFinal.join(", ")} ${notFinal.length === 1 ? "is" : "are"} provisional: transfers may still change before the 14-day cutoff has passed in the loaded data.`);
  if (options.requireFinal && warnings.length > 0) throw new Error(`Not exporting (--require-final):\n  ${warnings.join("\n  ")}`);

  const { document: practiceDocument, exclusions } = buildPracticeMetricsDocument(practiceRows, months, generatedOn);
  const nationalDocument = buildNationalMetricsDocument(national.get(monthKey(monthStart(months[0]!))), months[0]!, generatedOn);
  validateDocument(practiceMetricsDocumentSchema, practiceDocument, "practice metrics document");
  validateDocument(nationalMetricsDocumentSchema, nationalDocument, "national metrics document");

  const names = metricsFileNames(months[0]!);
  const practiceFile = path.resolve(options.outDir, names.practice);
  const nationalFile = path.resolve(options.outDir, names.national);
  writeFileAtomically(practiceFile, toPythonJson(practiceDocument));
  writeFileAtomically(nationalFile, toPythonJson(nationalDocument));

  const requested = practiceRows.reduce((sum, r) => sum + r.requested_count, 0);
  const total = months.reduce((sum, m) => sum + (national.get(monthKey(monthStart(m)))?.transfer_count ?? 0), 0);
  return { practiceFile, nationalFile, practiceDocument, nationalDocument, exclusions, unknownPracticeTransfers: total - requested, warnings };
}
