/**
 * The four operational reports of the upstream reports generator (spec §6.5, reporting-products §4), exported from
 * the report marts as CSV files: exact headers and column order, upstream file names, percentages unrounded and
 * computed over the window, upstream sort orders. Pure logic (names, windows, queries, rows, CSV text) apart from
 * `exportReport`, which checks the publish gate, runs the queries and writes the file.
 *
 * CSV as upstream writes it with pyarrow: header names and string values quoted, numbers not, NULL empty (so an
 * empty error list is `""` and a missing value is nothing); numbers in JavaScript's shortest round-trip form, which
 * is Python's for these values (14.285714285714285; a whole 50.0 is written 50, as pyarrow writes it).
 */
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { STATUS, FAILURE_REASON } from "../../../includes/constants";
import { percentage } from "../../../includes/metrics";
import type { CompiledGraph } from "../compile";
import type { Warehouse } from "../duckdb";
import { writeFileAtomically } from "../files";
import { enforcePublishGate, type GateResult } from "../gate";
import { contextOf, projectContext } from "../project-context";
import { REPORT_NAMES, type ReportName } from "./report-names";

export { REPORT_NAMES, type ReportName };

/** A report name as upstream spells it (REPORT_NAME), case-insensitive, with '-' or '_' between words. */
export function parseReportName(input: string): ReportName {
  const normalised = input.trim().toUpperCase().replace(/-/g, "_");
  const name = REPORT_NAMES.find((n) => n === normalised);
  if (!name) throw new Error(`Unknown report "${input}". Reports: ${REPORT_NAMES.join(", ")} (case-insensitive).`);
  return name;
}

/** A reporting window: requests with start ≤ date_requested < end (UTC days; end exclusive, as upstream END_DATETIME). */
export interface ReportWindow {
  readonly start: string;
  readonly end: string;
  readonly cutoffDays: number;
}

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, "is not a calendar date");

/** Validates --start, --end (exclusive) and --cutoff; throws an Error naming the option at fault. */
export function parseWindow(start: string, end: string, cutoff: string | number): ReportWindow {
  const problems: string[] = [];
  const s = isoDay.safeParse(start);
  if (!s.success) problems.push(`--start ${start}: ${s.error.issues[0]!.message}`);
  const e = isoDay.safeParse(end);
  if (!e.success) problems.push(`--end ${end}: ${e.error.issues[0]!.message}`);
  if (!/^\d{1,3}$/.test(String(cutoff).trim())) problems.push(`--cutoff ${cutoff}: must be a whole number of days`);
  if (problems.length === 0 && start >= end) problems.push(`--start ${start} must be before --end ${end} (the end is exclusive: the first day not reported)`);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { start, end, cutoffDays: Number(String(cutoff).trim()) };
}

/** The day before an ISO day. */
export function dayBefore(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

/** Upstream's file name: `<start>-to-<end − 1 day>-<report_name_lowercase>--<cutoff>-days-cutoff.csv` (spec §6.5, §4.3). */
export function reportFileName(name: ReportName, window: ReportWindow): string {
  return `${window.start}-to-${dayBefore(window.end)}-${name.toLowerCase()}--${window.cutoffDays}-days-cutoff.csv`;
}

/** portion / total × 100 unrounded, as the reports compute it; NULL when total is 0. */
export function percentOf(portion: number, total: number): number | null {
  return total === 0 ? null : (portion / total) * 100;
}

type Cell = string | number | null;

/** Orders values as the upstream sorts do: NULL first, then strings by code point, numbers numerically. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBy<T>(keys: readonly ((row: T) => Cell)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const order = compareCells(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  };
}

const text = z.string().nullable();
const count = z.coerce.number().int().nonnegative();
const percent = z.number().min(0).max(100).nullable();

/** The relation name of a mart in the DuckDB warehouse, in the marts dataset `marts`. */
const mart = (marts: string, name: string) => `"${marts}"."${name}"`;
const dateLiteral = (day: string) => `date '${isoDay.parse(day)}'`;
const timestampLiteral = (day: string) => `timestamp '${isoDay.parse(day)} 00:00:00'`;

/** A report: its headers in output order, the query over its mart, and how query rows become output rows. */
export interface ReportDefinition {
  readonly name: ReportName;
  readonly headers: readonly string[];
  /** The mart the report reads. */
  readonly mart: string;
  /** Set when the mart is monthly: the window must start and end on the first day of a month. */
  readonly monthly?: boolean;
  /** The rows of the window (DuckDB SQL over the marts of the marts dataset `marts`). */
  query(window: ReportWindow, marts: string): string;
  /** Query rows to output rows (header → value), sorted as upstream sorts them, each validated with zod. */
  build(rows: readonly Record<string, unknown>[]): Record<string, Cell>[];
  /** Query rows to the number of provisional transfers they count. */
  provisional(rows: readonly Record<string, unknown>[]): number;
}

function outputSchema(headers: readonly string[], types: Record<string, z.ZodType<Cell>>): z.ZodType<Record<string, Cell>> {
  const shape: Record<string, z.ZodType<Cell>> = {};
  for (const header of headers) {
    const type = types[header];
    if (!type) throw new Error(`no output type for the column "${header}"`);
    shape[header] = type;
  }
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, Cell>>;
}

const sumOf = (rows: readonly Record<string, unknown>[], column: string) => rows.reduce((total, row) => total + count.parse(row[column]), 0);

// TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY ------------------------------------------------------------------------

const PATHWAY_HEADERS = [
  "requesting supplier",
  "sending supplier",
  "status",
  "failure reason",
  "unique final errors",
  "unique sender errors",
  "unique intermediate errors",
  "number of transfers",
  "% of transfers",
  "% of technical failures",
  "% of supplier pathway",
] as const;

const pathwayRow = z.object({
  requesting_supplier: text,
  sending_supplier: text,
  status: z.enum(Object.values(STATUS) as [string, ...string[]]),
  failure_reason: z.enum(Object.values(FAILURE_REASON) as [string, ...string[]]).nullable(),
  unique_final_errors: z.string(),
  unique_sender_errors: z.string(),
  unique_intermediate_errors: z.string(),
  transfer_count: count.refine((n) => n > 0),
  provisional_transfer_count: count,
});

const supplierPathway: ReportDefinition = {
  name: "TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY",
  headers: PATHWAY_HEADERS,
  mart: "supplier_pathway_outcomes",
  query: (w, marts) => `select
    requesting_supplier, sending_supplier, status, failure_reason,
    unique_final_errors, unique_sender_errors, unique_intermediate_errors,
    cast(sum(transfer_count) as bigint) as transfer_count,
    cast(sum(provisional_transfer_count) as bigint) as provisional_transfer_count
  from ${mart(marts, "supplier_pathway_outcomes")}
  where cutoff_days = ${w.cutoffDays} and request_date >= ${dateLiteral(w.start)} and request_date < ${dateLiteral(w.end)}
  group by all`,
  build(raw) {
    const rows = raw.map((r) => pathwayRow.parse(r));
    const total = rows.reduce((sum, r) => sum + r.transfer_count, 0);
    const technical = rows.filter((r) => r.status === STATUS.TECHNICAL_FAILURE).reduce((sum, r) => sum + r.transfer_count, 0);
    const pathwayTotals = new Map<string, number>();
    const pathwayKey = (r: z.infer<typeof pathwayRow>) => JSON.stringify([r.requesting_supplier, r.sending_supplier]);
    for (const r of rows) pathwayTotals.set(pathwayKey(r), (pathwayTotals.get(pathwayKey(r)) ?? 0) + r.transfer_count);
    // Upstream: number of transfers descending, then requesting supplier, sending supplier, status; the remaining
    // columns make the order total.
    const sorted = [...rows].sort(
      compareBy<z.infer<typeof pathwayRow>>([
        (r) => -r.transfer_count,
        (r) => r.requesting_supplier,
        (r) => r.sending_supplier,
        (r) => r.status,
        (r) => r.failure_reason,
        (r) => r.unique_final_errors,
        (r) => r.unique_sender_errors,
        (r) => r.unique_intermediate_errors,
      ]),
    );
    const schema = outputSchema(PATHWAY_HEADERS, {
      "requesting supplier": text,
      "sending supplier": text,
      status: z.string(),
      "failure reason": text,
      "unique final errors": z.string(),
      "unique sender errors": z.string(),
      "unique intermediate errors": z.string(),
      "number of transfers": count,
      "% of transfers": percent,
      "% of technical failures": percent,
      "% of supplier pathway": percent,
    });
    return sorted.map((r) =>
      schema.parse({
        "requesting supplier": r.requesting_supplier,
        "sending supplier": r.sending_supplier,
        status: r.status,
        "failure reason": r.failure_reason,
        "unique final errors": r.unique_final_errors,
        "unique sender errors": r.unique_sender_errors,
        "unique intermediate errors": r.unique_intermediate_errors,
        "number of transfers": r.transfer_count,
        "% of transfers": percentOf(r.transfer_count, total),
        "% of technical failures": r.status === STATUS.TECHNICAL_FAILURE ? percentOf(r.transfer_count, technical) : null,
        "% of supplier pathway": percentOf(r.transfer_count, pathwayTotals.get(pathwayKey(r))!),
      }),
    );
  },
  provisional: (rows) => sumOf(rows, "provisional_transfer_count"),
};

// TRANSFER_LEVEL_TECHNICAL_FAILURES -----------------------------------------------------------------------------

const FAILURE_HEADERS = [
  "sending practice ASID",
  "sending supplier",
  "sending practice ODS code",
  "sending practice Sub ICB Location ODS code",
  "requesting practice ASID",
  "requesting supplier",
  "requesting practice ODS code",
  "requesting practice Sub ICB Location ODS code",
  "conversation ID",
  "date requested",
  "status",
  "failure reason",
  "unique final errors",
  "unique sender errors",
  "unique intermediate errors",
] as const;

const failureRow = z.object({
  sending_practice_asid: text,
  sending_supplier: text,
  sending_practice_ods_code: text,
  sending_practice_sicbl_ods_code: text,
  requesting_practice_asid: text,
  requesting_supplier: text,
  requesting_practice_ods_code: text,
  requesting_practice_sicbl_ods_code: text,
  conversation_id: z.string(),
  date_requested_text: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/),
  status: z.enum([STATUS.TECHNICAL_FAILURE, STATUS.UNCLASSIFIED_FAILURE]),
  failure_reason: z.string(),
  unique_final_errors: z.string(),
  unique_sender_errors: z.string(),
  unique_intermediate_errors: z.string(),
  is_final: z.boolean(),
});

const technicalFailures: ReportDefinition = {
  name: "TRANSFER_LEVEL_TECHNICAL_FAILURES",
  headers: FAILURE_HEADERS,
  mart: "technical_failures",
  // date requested as pyarrow writes a timestamp[us]: "YYYY-MM-DD HH:MM:SS.ffffff" (UTC).
  query: (w, marts) => `select
    sending_practice_asid, sending_supplier, sending_practice_ods_code, sending_practice_sicbl_ods_code,
    requesting_practice_asid, requesting_supplier, requesting_practice_ods_code, requesting_practice_sicbl_ods_code,
    conversation_id, strftime(date_requested, '%Y-%m-%d %H:%M:%S.%f') as date_requested_text,
    status, failure_reason, unique_final_errors, unique_sender_errors, unique_intermediate_errors, is_final
  from ${mart(marts, "technical_failures")}
  where cutoff_days = ${w.cutoffDays} and date_requested >= ${timestampLiteral(w.start)} and date_requested < ${timestampLiteral(w.end)}`,
  build(raw) {
    const rows = raw.map((r) => failureRow.parse(r));
    // Upstream lists them in input order (request day, then order in the day's file): here by date requested,
    // then conversation ID.
    const sorted = [...rows].sort(compareBy<z.infer<typeof failureRow>>([(r) => r.date_requested_text, (r) => r.conversation_id]));
    const schema = outputSchema(FAILURE_HEADERS, Object.fromEntries(FAILURE_HEADERS.map((h) => [h, text])));
    return sorted.map((r) =>
      schema.parse({
        "sending practice ASID": r.sending_practice_asid,
        "sending supplier": r.sending_supplier,
        "sending practice ODS code": r.sending_practice_ods_code,
        "sending practice Sub ICB Location ODS code": r.sending_practice_sicbl_ods_code,
        "requesting practice ASID": r.requesting_practice_asid,
        "requesting supplier": r.requesting_supplier,
        "requesting practice ODS code": r.requesting_practice_ods_code,
        "requesting practice Sub ICB Location ODS code": r.requesting_practice_sicbl_ods_code,
        "conversation ID": r.conversation_id,
        "date requested": r.date_requested_text,
        status: r.status,
        "failure reason": r.failure_reason,
        "unique final errors": r.unique_final_errors,
        "unique sender errors": r.unique_sender_errors,
        "unique intermediate errors": r.unique_intermediate_errors,
      }),
    );
  },
  provisional: (rows) => rows.filter((r) => r.is_final === false).length,
};

// SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES ----------------------------------------------------------------------

const NOT_WITHIN_8 = "Not integrated within 8 days (integrated late + not integrated)";
const SICBL_HEADERS = [
  "Sub ICB Location name",
  "Sub ICB Location ODS",
  "Requesting practice name",
  "Requesting practice ODS",
  "GP2GP Transfers received",
  "Integrated within 3 days",
  "Integrated within 3 days - %",
  "Integrated within 8 days",
  "Integrated within 8 days - %",
  NOT_WITHIN_8,
  `${NOT_WITHIN_8} - %`,
  "Integrated late",
  "Integrated late - %",
  "Not integrated within 14 days",
  "Not integrated within 14 days - %",
] as const;

const sicblRow = z.object({
  request_month: z.string(),
  requesting_practice_ods_code: text,
  requesting_practice_name: text,
  requesting_practice_sicbl_ods_code: text,
  requesting_practice_sicbl_name: text,
  received_count: count,
  integrated_within_3_days_count: count,
  integrated_within_8_days_count: count,
  not_integrated_within_8_days_count: count,
  integrated_late_count: count,
  not_integrated_within_14_days_count: count,
  provisional_transfer_count: count,
});
type SicblRow = z.infer<typeof sicblRow>;

const SICBL_COUNTS = [
  ["Integrated within 3 days", "integrated_within_3_days_count"],
  ["Integrated within 8 days", "integrated_within_8_days_count"],
  [NOT_WITHIN_8, "not_integrated_within_8_days_count"],
  ["Integrated late", "integrated_late_count"],
  ["Not integrated within 14 days", "not_integrated_within_14_days_count"],
] as const;

const sicblIntegrationTimes: ReportDefinition = {
  name: "SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES",
  headers: SICBL_HEADERS,
  mart: "sicbl_integration_times",
  monthly: true,
  query: (w, marts) => `select
    cast(request_month as varchar) as request_month,
    requesting_practice_ods_code, requesting_practice_name, requesting_practice_sicbl_ods_code, requesting_practice_sicbl_name,
    received_count, integrated_within_3_days_count, integrated_within_8_days_count, not_integrated_within_8_days_count,
    integrated_late_count, not_integrated_within_14_days_count, provisional_transfer_count
  from ${mart(marts, "sicbl_integration_times")}
  where cutoff_days = ${w.cutoffDays} and request_month >= ${dateLiteral(w.start)} and request_month < ${dateLiteral(w.end)}`,
  build(raw) {
    // One row per requesting practice ODS code over the window's months (upstream groups by ODS code and takes
    // the names of the practice's first transfer: here its first month in the window).
    const byPractice = new Map<string, SicblRow[]>();
    for (const row of raw.map((r) => sicblRow.parse(r))) {
      const key = JSON.stringify(row.requesting_practice_ods_code);
      byPractice.set(key, [...(byPractice.get(key) ?? []), row]);
    }
    const practices = [...byPractice.values()].map((months) => {
      const first = [...months].sort((a, b) => compareCells(a.request_month, b.request_month))[0]!;
      const total = (column: (typeof SICBL_COUNTS)[number][1] | "received_count") => months.reduce((sum, m) => sum + m[column], 0);
      return { first, received: total("received_count"), counts: SICBL_COUNTS.map(([header, column]) => [header, total(column)] as const) };
    });
    practices.sort(
      compareBy<(typeof practices)[number]>([
        (p) => p.first.requesting_practice_sicbl_name,
        (p) => p.first.requesting_practice_name,
        (p) => p.first.requesting_practice_sicbl_ods_code,
        (p) => p.first.requesting_practice_ods_code,
      ]),
    );
    const types: Record<string, z.ZodType<Cell>> = {
      "Sub ICB Location name": text,
      "Sub ICB Location ODS": text,
      "Requesting practice name": text,
      "Requesting practice ODS": text,
      "GP2GP Transfers received": count,
    };
    for (const [header] of SICBL_COUNTS) {
      types[header] = count;
      types[`${header} - %`] = percent;
    }
    const schema = outputSchema(SICBL_HEADERS, types);
    return practices.map((p) => {
      const out: Record<string, Cell> = {
        "Sub ICB Location name": p.first.requesting_practice_sicbl_name,
        "Sub ICB Location ODS": p.first.requesting_practice_sicbl_ods_code,
        "Requesting practice name": p.first.requesting_practice_name,
        "Requesting practice ODS": p.first.requesting_practice_ods_code,
        "GP2GP Transfers received": p.received,
      };
      for (const [header, value] of p.counts) {
        out[header] = value;
        out[`${header} - %`] = percentOf(value, p.received);
      }
      return schema.parse(out);
    });
  },
  provisional: (rows) => sumOf(rows, "provisional_transfer_count"),
};

// TRANSFER_DETAILS_BY_HOUR -------------------------------------------------------------------------------------

const HOUR_HEADERS = ["Date/Time", "Total number of transfers", "Total technical failures", "Total unclassified failures"] as const;

const hourRow = z.object({
  date_time: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:00$/),
  transfer_count: count,
  technical_failure_count: count,
  unclassified_failure_count: count,
  provisional_transfer_count: count,
});

const transfersByHour: ReportDefinition = {
  name: "TRANSFER_DETAILS_BY_HOUR",
  headers: HOUR_HEADERS,
  mart: "transfers_by_hour",
  query: (w, marts) => `select date_time, transfer_count, technical_failure_count, unclassified_failure_count, provisional_transfer_count
  from ${mart(marts, "transfers_by_hour")}
  where cutoff_days = ${w.cutoffDays} and request_hour >= ${timestampLiteral(w.start)} and request_hour < ${timestampLiteral(w.end)}`,
  build(raw) {
    const rows = raw.map((r) => hourRow.parse(r)).sort(compareBy<z.infer<typeof hourRow>>([(r) => r.date_time]));
    const schema = outputSchema(HOUR_HEADERS, {
      "Date/Time": z.string(),
      "Total number of transfers": count,
      "Total technical failures": count,
      "Total unclassified failures": count,
    });
    return rows.map((r) =>
      schema.parse({
        "Date/Time": r.date_time,
        "Total number of transfers": r.transfer_count,
        "Total technical failures": r.technical_failure_count,
        "Total unclassified failures": r.unclassified_failure_count,
      }),
    );
  },
  provisional: (rows) => sumOf(rows, "provisional_transfer_count"),
};

export const REPORTS: Record<ReportName, ReportDefinition> = {
  TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY: supplierPathway,
  TRANSFER_LEVEL_TECHNICAL_FAILURES: technicalFailures,
  SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES: sicblIntegrationTimes,
  TRANSFER_DETAILS_BY_HOUR: transfersByHour,
};

/** Throws when a monthly report is asked for a window that does not start and end on the first of a month. */
export function checkWindowFits(report: ReportDefinition, window: ReportWindow): void {
  if (report.monthly && !(window.start.endsWith("-01") && window.end.endsWith("-01"))) {
    throw new Error(
      `${report.name} is kept per month: --start and --end must be first days of months (e.g. --start 2024-03-01 --end 2024-04-01 for March 2024); got ${window.start} and ${window.end}.`,
    );
  }
}

/** The CSV text of a report: the header line, then one line per row in header order. */
export function renderCsv(headers: readonly string[], rows: readonly Record<string, Cell>[]): string {
  return stringify(
    rows.map((row) => headers.map((h) => row[h] ?? null)),
    { header: true, columns: [...headers], quoted_string: true },
  );
}

/**
 * The window's totals for the report's summary (the report email figure, reporting-products §3): all transfers,
 * technical failures (status Technical failure only) and their percentage rounded to 2 dp as upstream.
 */
export function windowTotalsQuery(window: ReportWindow, marts: string): string {
  const total = "coalesce(sum(transfer_count), 0)";
  const technical = `coalesce(sum(case when status = '${STATUS.TECHNICAL_FAILURE}' then transfer_count else 0 end), 0)`;
  return `select
    cast(${total} as bigint) as transfer_count,
    cast(${technical} as bigint) as technical_failure_count,
    ${percentage(technical, total, 2)} as technical_failure_percent
  from ${mart(marts, "supplier_pathway_outcomes")}
  where cutoff_days = ${window.cutoffDays} and request_date >= ${dateLiteral(window.start)} and request_date < ${dateLiteral(window.end)}`;
}

export const windowTotalsRow = z.object({
  transfer_count: count,
  technical_failure_count: count,
  technical_failure_percent: z.number().nullable(),
});
export type WindowTotals = z.infer<typeof windowTotalsRow>;

export interface ExportReportOptions {
  /** Report name, e.g. TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY (case-insensitive). */
  readonly report: string;
  /** First day reported, YYYY-MM-DD (UTC). */
  readonly start: string;
  /** First day not reported (exclusive), YYYY-MM-DD. */
  readonly end: string;
  readonly cutoff: string | number;
  readonly outDir: string;
  /** Vars for the publish gate (e.g. gate_min_national_transfers) and the marts dataset read (marts_dataset). */
  readonly vars?: Record<string, string>;
  /** Skip the publish gate: for ad hoc reports that are not published. */
  readonly skipGate?: boolean;
  /** A DuckDB graph compiled with `vars` already (saves the gate's compile). */
  readonly graph?: CompiledGraph;
}

export interface ExportReportResult {
  readonly file: string;
  readonly rows: number;
  /** Transfers the report counts that are still provisional (their cutoff window has not closed in the data). */
  readonly provisionalTransfers: number;
  /** The window's totals and technical failure percentage (the report email figure). */
  readonly totals: WindowTotals;
  readonly gate: GateResult | "skipped";
}

/** Exports one report from an open warehouse. Throws PublishGateError (nothing written) when the gate fails. */
export async function exportReport(warehouse: Warehouse, options: ExportReportOptions): Promise<ExportReportResult> {
  const name = parseReportName(options.report);
  const report = REPORTS[name];
  const window = parseWindow(options.start, options.end, options.cutoff);
  checkWindowFits(report, window);
  const { datasets } = options.graph ? contextOf(options.graph) : projectContext({ engine: "duckdb", vars: options.vars });
  for (const table of ["transfers", report.mart]) {
    if (!(await warehouse.tableExists(datasets.marts, table))) {
      throw new Error(`${datasets.marts}.${table} is not in ${warehouse.path}: run the graph first (gp2gp run, or npm start).`);
    }
  }
  const cutoffs = (await warehouse.rows<{ cutoff_days: number }>(`select distinct cutoff_days from "${datasets.marts}".transfers order by cutoff_days`)).map((r) => r.cutoff_days);
  if (!cutoffs.includes(window.cutoffDays)) {
    throw new Error(`--cutoff ${window.cutoffDays}: the warehouse has transfers at cutoffs ${cutoffs.join(", ") || "(none)"} only (the cutoff_days var).`);
  }

  const gate = await enforcePublishGate(warehouse, { vars: options.vars, graph: options.graph, skipGate: options.skipGate });

  const queried = await warehouse.rows(report.query(window, datasets.marts));
  const rows = report.build(queried);
  const file = path.resolve(options.outDir, reportFileName(name, window));
  writeFileAtomically(file, renderCsv(report.headers, rows));
  const totals = windowTotalsRow.parse((await warehouse.rows(windowTotalsQuery(window, datasets.marts)))[0]);
  return { file, rows: rows.length, provisionalTransfers: report.provisional(queried), totals, gate };
}
