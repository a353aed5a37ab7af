/**
 * The alerts of `gp2gp daily`: what they are, how they are found in the warehouse, written (one JSON line each under
 * DIR/alerts/<day>.jsonl) and delivered to an incoming webhook (Slack and Microsoft Teams both take `{"text": …}`),
 * with retries and exponential backoff. A failed delivery is recorded in the alert's line; it never loses the alert
 * nor fails the run.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { number } from "../cli/format";
import type { Warehouse } from "../duckdb";
import { rawName } from "../load/raw-tables";

/** The report pages an alert links to (routes of reports/pages/). */
export const ALERT_PAGES = {
  technical_failure_rate: "/operations/technical-failure-rate/",
  missing_spine_day: "/data-quality/",
  rejected_rows: "/data-quality/",
} as const;

export const ALERT_KINDS = ["technical_failure_rate", "missing_spine_day", "rejected_rows"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const deliverySchema = z.object({
  status: z.enum(["not_configured", "delivered", "failed"]),
  attempts: z.number().int().min(0),
  error: z.string().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const alertSchema = z.object({
  /** Identifies the alert: the same condition found again is the same alert, raised once. */
  id: z.string().min(1),
  kind: z.enum(ALERT_KINDS),
  day,
  run_id: z.string().min(1),
  raised_at: z.string().datetime(),
  /** The figures behind the alert. */
  figures: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  text: z.string().min(1),
  /** Path of the report page to open (on the site's host). */
  page: z.string().startsWith("/"),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertLineSchema = alertSchema.extend({ delivery: deliverySchema });
export type AlertLine = z.infer<typeof alertLineSchema>;

type Found = Omit<Alert, "run_id" | "raised_at">;

const tfrRowSchema = z.object({
  request_date: day,
  cutoff_days: z.number(),
  requesting_supplier: z.string(),
  sending_supplier: z.string(),
  transfer_count: z.number(),
  technical_failure_count: z.number(),
  technical_failure_percent: z.number(),
  baseline_percent: z.number().nullable(),
  alert_threshold_percent: z.number(),
  is_above_threshold: z.boolean(),
  is_above_baseline: z.boolean(),
});

/** (a) Days flagged by technical_failure_rate_daily (threshold, baseline and minimum volume applied there), overall and per pathway. */
export async function technicalFailureRateAlerts(warehouse: Warehouse, marts: string): Promise<Found[]> {
  if (!(await warehouse.tableExists(marts, "technical_failure_rate_daily"))) return [];
  const rows = await warehouse.rows(
    `select strftime(request_date, '%Y-%m-%d') as request_date, cutoff_days, requesting_supplier, sending_supplier, transfer_count,
            technical_failure_count, technical_failure_percent, baseline_percent, alert_threshold_percent, is_above_threshold, is_above_baseline
     from "${marts}".technical_failure_rate_daily
     where is_alert
     order by request_date, cutoff_days, requesting_supplier = 'All' desc, requesting_supplier, sending_supplier`,
  );
  return rows.map((raw) => {
    const r = tfrRowSchema.parse(raw);
    const overall = r.requesting_supplier === "All" && r.sending_supplier === "All";
    const scope = overall ? "all supplier pathways" : `pathway ${r.requesting_supplier} → ${r.sending_supplier} (requesting → sending)`;
    const why = [
      r.is_above_threshold ? `above the ${r.alert_threshold_percent}% threshold` : undefined,
      r.is_above_baseline && r.baseline_percent !== null ? `above its baseline of ${r.baseline_percent}%` : undefined,
    ].filter(Boolean);
    return {
      id: `technical_failure_rate:${r.request_date}:${r.cutoff_days}:${r.requesting_supplier}:${r.sending_supplier}`,
      kind: "technical_failure_rate" as const,
      day: r.request_date,
      figures: { ...r },
      text:
        `GP2GP technical failure rate ${r.technical_failure_percent}% on ${r.request_date}, ${scope}, ${r.cutoff_days}-day cutoff: ` +
        `${number.format(r.technical_failure_count)} technical failures of ${number.format(r.transfer_count)} transfers, ${why.join(" and ")}. ` +
        `See ${ALERT_PAGES.technical_failure_rate}`,
      page: ALERT_PAGES.technical_failure_rate,
    };
  });
}

/** (b) Days with no Spine file between the first and the last day loaded. */
export async function missingDayAlerts(warehouse: Warehouse, raw: string): Promise<Found[]> {
  const rows = await warehouse.rows<{ day: string; first_day: string; last_day: string }>(
    `with days as (
       select distinct cast(substr(file_name, 1, 10) as date) as day from ${rawName(raw, "load_log")}
       where source_kind = 'spine' and replaced_by_load_id is null and regexp_matches(file_name, '^\\d{4}-\\d{2}-\\d{2}')
     ), bounds as (select min(day) as first_day, max(day) as last_day from days)
     select strftime(cast(d.day as date), '%Y-%m-%d') as day, strftime(first_day, '%Y-%m-%d') as first_day, strftime(last_day, '%Y-%m-%d') as last_day
     from bounds, generate_series(first_day, last_day, interval 1 day) as d(day)
     where first_day is not null and cast(d.day as date) not in (select day from days)
     order by 1`,
  );
  return rows.map((r) => ({
    id: `missing_spine_day:${r.day}`,
    kind: "missing_spine_day" as const,
    day: r.day,
    figures: { missing_day: r.day, first_day_loaded: r.first_day, last_day_loaded: r.last_day },
    text: `GP2GP: no Spine export has been loaded for ${r.day} (Spine files are loaded from ${r.first_day} to ${r.last_day}); its transfers are missing. See ${ALERT_PAGES.missing_spine_day}`,
    page: ALERT_PAGES.missing_spine_day,
  }));
}

/** (c) Spine files of this run (loads after `sinceLoadId`) with more rejected rows than `maxRejected`. */
export async function rejectedRowAlerts(warehouse: Warehouse, raw: string, sinceLoadId: number, maxRejected: number): Promise<Found[]> {
  const rows = await warehouse.rows<{ load_id: number; file_name: string; sha256: string; row_count: number; rejected_count: number }>(
    `select load_id, file_name, sha256, row_count, rejected_count from ${rawName(raw, "load_log")}
     where source_kind = 'spine' and load_id > ${Math.trunc(sinceLoadId)} and rejected_count > ${Math.trunc(maxRejected)}
     order by load_id`,
  );
  return rows.map((r) => {
    const fileDay = /^\d{4}-\d{2}-\d{2}/.exec(r.file_name)?.[0] ?? new Date().toISOString().slice(0, 10);
    return {
      id: `rejected_rows:${r.file_name}:${r.sha256}`,
      kind: "rejected_rows" as const,
      day: fileDay,
      figures: { file: r.file_name, rows: r.row_count, rejected_rows: r.rejected_count, alert_max_rejected_rows: maxRejected },
      text:
        `GP2GP: ${number.format(r.rejected_count)} of ${number.format(r.row_count)} rows of ${r.file_name} were rejected ` +
        `(more than alert_max_rejected_rows, ${number.format(maxRejected)}). See ${ALERT_PAGES.rejected_rows}`,
      page: ALERT_PAGES.rejected_rows,
    };
  });
}

/** The file an alert's line goes into: DIR/alerts/<day>.jsonl. */
export function alertFile(inbox: string, alert: Pick<Alert, "day">): string {
  return path.join(inbox, "alerts", `${alert.day}.jsonl`);
}

/** The ids of the alerts already written to a file. */
function idsIn(file: string): Set<string> {
  if (!fs.existsSync(file)) return new Set();
  const ids = new Set<string>();
  for (const [index, line] of fs.readFileSync(file, "utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${file} line ${index + 1}: not JSON`);
    }
    const result = z.object({ id: z.string() }).safeParse(parsed);
    if (!result.success) throw new Error(`${file} line ${index + 1}: field id: ${result.error.issues[0]?.message ?? "missing"}`);
    ids.add(result.data.id);
  }
  return ids;
}

/** Appends the alert's line unless a line with its id is there already (a run completed after a kill). */
export function writeAlertLine(inbox: string, line: AlertLine): string {
  const valid = alertLineSchema.parse(line);
  const file = alertFile(inbox, valid);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!idsIn(file).has(valid.id)) {
    const fd = fs.openSync(file, "a");
    try {
      fs.writeSync(fd, `${JSON.stringify(valid)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  return file;
}

export interface WebhookOptions {
  readonly url: string;
  /** Attempts in all (default 3). */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled before each later one (default 1000 ms). */
  readonly backoffMs?: number;
  /** Time allowed for one attempt (default 10 s). */
  readonly timeoutMs?: number;
}

/** POSTs `{"text": …}` to the webhook; retries a failure or a non-2xx answer with exponential backoff. */
export async function deliverAlert(alert: Alert, options: WebhookOptions): Promise<Delivery> {
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 1000;
  let error = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 2)));
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: alert.text }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.text().catch(() => "");
      if (response.ok) return { status: "delivered", attempts: attempt };
      error = `HTTP ${response.status} ${response.statusText}`.trim();
    } catch (caught) {
      error = caught instanceof Error ? (caught.cause instanceof Error ? `${caught.message}: ${caught.cause.message}` : caught.message) : String(caught);
    }
  }
  return { status: "failed", attempts, error };
}
