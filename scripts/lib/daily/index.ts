/**
 * `gp2gp daily`: one scheduled run over an inbox folder. Loads the new files of DIR/spine/ and DIR/reference/ (one
 * transaction each; broken files quarantined), runs the graph incrementally, raises the alerts of the new data
 * (DIR/alerts/, and a webhook when one is set), and when a month has become final passes it through the publish
 * gate, exports its metrics and reports into DIR/exports/<YYYY-MM>/ and publishes its edition. Each call is one row
 * of <marts>.pipeline_runs.
 *
 * A call killed part-way is completed by the next: a file's load and its load_log row (with its SHA-256) commit
 * together, the graph runs whenever loads are newer than the last finished call's watermark, alerts are raised once
 * by id, and a month is recorded as published only after its edition is.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { number } from "../cli/format";
import { compileForWarehouse, runPipeline } from "../pipeline";
import { Warehouse, type LockWait } from "../duckdb";
import { acquireLock } from "../lock";
import { checkPublishGate, describeGate } from "../gate";
import { exportMetrics } from "../export/metrics";
import { REPORT_NAMES } from "../export/reports";
import { exportReport } from "../export/reports";
import type { ProjectContext } from "../project-context";
import { SilentReporter } from "../runner/reporter";
import type { PublishOptions, PublishResult } from "../reports/publish";
import { loadInbox, type InboxFileResult } from "./inbox";
import {
  deliverAlert,
  missingDayAlerts,
  rejectedRowAlerts,
  technicalFailureRateAlerts,
  writeAlertLine,
  type Alert,
  type Delivery,
  type WebhookOptions,
} from "./alerts";
import { alertRaised, ensureRunTables, EXIT_CODES, latestLoad, monthsToPublish, processedWatermark, recordAlert, recordPublishedMonth, recordRun, type PipelineRun, type RunOutcome } from "./runs";

export { EXIT_CODES } from "./runs";

/** Publishes the public edition of a month (default: publishEdition, which builds the site). */
export type Publisher = (options: PublishOptions) => Promise<Pick<PublishResult, "manifest">>;

export const dailyOptionsSchema = z.object({
  inbox: z.string().min(1, "--inbox names the inbox folder"),
  database: z.string().min(1),
  /** Compile vars (--vars), over workflow_settings.yaml's. */
  vars: z.record(z.string(), z.string()).default({}),
  webhook: z.string().url("--webhook must be a URL (or GP2GP_ALERT_WEBHOOK)").optional(),
  timeToleranceDays: z.number().min(0).optional(),
});

export interface DailyOptions extends z.input<typeof dailyOptionsSchema> {
  /** The project context of `vars` (datasets and typed vars). */
  readonly context: ProjectContext;
  readonly lockWait?: LockWait;
  /** Webhook retry settings (the URL is `webhook`). */
  readonly webhookRetry?: Omit<WebhookOptions, "url">;
  /** Publishes an edition; default publishEdition. */
  readonly publisher?: Publisher;
  /** One line per step. */
  readonly onStep?: (line: string) => void;
}

export interface DailyResult {
  readonly run: PipelineRun;
  readonly exitCode: number;
  readonly files: readonly InboxFileResult[];
  readonly alerts: readonly (Alert & { delivery: Delivery })[];
  readonly published: readonly { month: string; exportsDir: string; edition: string }[];
}

class GateFailed extends Error {}

/** The command was called wrongly (exit code 2): nothing was done. */
export class DailyUsageError extends Error {}

/** One daily run. Never throws for a failure of the run itself: it is recorded and given exit code 1. */
export async function runDaily(input: DailyOptions): Promise<DailyResult> {
  const parsed = dailyOptionsSchema.safeParse(input);
  if (!parsed.success) throw new DailyUsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  const options = parsed.data;
  const { context } = input;
  const { raw, marts } = context.datasets;
  const step = input.onStep ?? (() => undefined);
  const inbox = path.resolve(options.inbox);
  if (!fs.existsSync(inbox) || !fs.statSync(inbox).isDirectory()) throw new DailyUsageError(`--inbox ${options.inbox}: no such folder`);

  const run: PipelineRun = {
    run_id: `${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomUUID().slice(0, 8)}`,
    started_at: new Date(),
    finished_at: null,
    files_loaded: 0,
    files_skipped: 0,
    files_quarantined: 0,
    rows_loaded: 0,
    rows_rejected: 0,
    outcome: "running",
    exit_code: null,
    alerts_raised: 0,
    alerts_delivered: 0,
    editions_published: 0,
    load_watermark: null,
    message: null,
  };
  const files: InboxFileResult[] = [];
  const alerts: (Alert & { delivery: Delivery })[] = [];
  const published: { month: string; exportsDir: string; edition: string }[] = [];
  const release = acquireLock(options.database, "gp2gp daily");
  let warehouse: Warehouse | undefined;
  const open = async () => (warehouse = await Warehouse.open(options.database, { lockWait: input.lockWait, datasets: context.datasets }));
  const close = () => {
    warehouse?.close();
    warehouse = undefined;
  };
  let outcome: RunOutcome = "done";
  try {
    let w = await open();
    await ensureRunTables(w, marts);
    await recordRun(w, marts, run);
    step(`Run ${run.run_id}: inbox ${inbox}, warehouse ${path.resolve(options.database)}`);
    try {
      // 1. Load the new files.
      const since = await processedWatermark(w, marts);
      files.push(...(await loadInbox(w, inbox, { raw, timeToleranceDays: options.timeToleranceDays })));
      const count = (status: InboxFileResult["status"]) => files.filter((f) => f.status === status).length;
      Object.assign(run, {
        files_loaded: count("loaded") + count("replaced"),
        files_skipped: count("skipped"),
        files_quarantined: count("quarantined"),
        rows_loaded: files.reduce((sum, f) => sum + f.loaded, 0),
        rows_rejected: files.reduce((sum, f) => sum + f.rejected, 0),
      });
      const quarantined = files.filter((f) => f.status === "quarantined").map((f) => `${f.file.relativePath} (${f.reason})`);
      step(
        `Load: ${run.files_loaded} file(s) loaded, ${run.files_skipped} already loaded, ${run.files_quarantined} quarantined; ` +
          `${number.format(run.rows_loaded)} rows loaded, ${number.format(run.rows_rejected)} rejected${quarantined.length > 0 ? `. Quarantined: ${quarantined.join("; ")}` : ""}`,
      );
      const watermark = await latestLoad(w, raw);
      run.load_watermark = watermark;
      if (watermark <= since && run.files_quarantined === 0) {
        outcome = "nothing_new";
        run.load_watermark = since;
        step("Nothing new: no file to load and no load waiting for the graph.");
      } else {
        // 2. Run the graph over what is new (incremental; idempotent).
        if (watermark > since) {
          step(`Graph: running over loads ${since + 1}–${watermark}`);
          const summary = await runPipeline({ engine: "duckdb", database: options.database, warehouse: w, vars: options.vars, reporter: new SilentReporter() });
          const failed = summary.outcomes.filter((o) => o.status === "failed").map((o) => `${o.action.name}: ${(o.error ?? "failed").split("\n")[0]}`);
          if (!summary.ok) throw new Error(`The graph run failed: ${failed.join("; ")}`);
          step(`Graph: ${summary.outcomes.length} actions run in ${summary.seconds.toFixed(1)} s`);
        } else step("Graph: no new load to run over");

        // 3. Alerts.
        const found = [
          ...(await technicalFailureRateAlerts(w, marts)),
          ...(await missingDayAlerts(w, raw)),
          ...(await rejectedRowAlerts(w, raw, since, context.vars.alert_max_rejected_rows)),
        ];
        for (const candidate of found) {
          if (await alertRaised(w, marts, candidate.id)) continue;
          const alert: Alert = { ...candidate, run_id: run.run_id, raised_at: new Date().toISOString() };
          const delivery: Delivery = options.webhook ? await deliverAlert(alert, { ...input.webhookRetry, url: options.webhook }) : { status: "not_configured", attempts: 0 };
          writeAlertLine(inbox, { ...alert, delivery });
          await recordAlert(w, marts, { id: alert.id, kind: alert.kind, day: alert.day, runId: run.run_id, raisedAt: alert.raised_at, delivery: delivery.status });
          alerts.push({ ...alert, delivery });
        }
        run.alerts_raised = alerts.length;
        run.alerts_delivered = alerts.filter((a) => a.delivery.status === "delivered").length;
        const undelivered = alerts.filter((a) => a.delivery.status === "failed");
        step(
          `Alerts: ${alerts.length} raised${options.webhook ? `, ${run.alerts_delivered} delivered${undelivered.length > 0 ? `, ${undelivered.length} not delivered (${undelivered[0]!.delivery.error})` : ""}` : " (no webhook set)"}`,
        );

        // 4. Months that became final: gate, exports, edition.
        const months = await monthsToPublish(w, marts);
        if (months.length === 0) step("Publish: no month has become final");
        if (months.length > 0) {
          const graph = await compileForWarehouse(w, options.vars);
          const gate = await checkPublishGate(w, { graph });
          if (!gate.ok) throw new GateFailed(`Publish gate failed for ${months.join(", ")}; nothing published. ${describeGate(gate).replace(/\n\s*/g, " ")}`);
          step(`Gate: ${describeGate(gate)}`);
          for (const month of months) {
            const exportsDir = path.join(inbox, "exports", month);
            const next = nextMonth(month);
            await exportMetrics({ warehouse: w, marts, anchor: `${next}-01`, months: 6, outDir: exportsDir });
            for (const report of REPORT_NAMES) {
              await exportReport(w, { report, start: `${month}-01`, end: `${next}-01`, cutoff: context.vars.metrics_cutoff_days, outDir: exportsDir, vars: options.vars, graph });
            }
            step(`Exports: ${month} metrics and ${REPORT_NAMES.length} reports in ${exportsDir}`);
            // An edition is of the latest final month only (publishEdition refuses an earlier one): an earlier month
            // that became final in the same run is exported and recorded without one.
            let edition: string | null = null;
            if (month === months.at(-1)) {
              // The edition build reads the warehouse read-only: close it, keeping the writers' lock.
              close();
              const publisher = input.publisher ?? (await defaultPublisher());
              edition = (await publisher({ month, audience: "public", database: options.database, datasets: context.datasets, vars: options.vars })).manifest.edition;
              w = await open();
              published.push({ month, exportsDir, edition });
              run.editions_published = published.length;
              step(`Publish: edition ${edition} of ${month}`);
            }
            await recordPublishedMonth(w, marts, month, run.run_id, exportsDir, edition);
          }
        }
      }
    } catch (error) {
      outcome = error instanceof GateFailed ? "gate_failed" : "failed";
      run.message = error instanceof Error ? error.message : String(error);
      step(`${outcome === "gate_failed" ? "Gate" : "Failed"}: ${run.message}`);
    }
    run.outcome = outcome;
    run.exit_code = EXIT_CODES[outcome as keyof typeof EXIT_CODES];
    run.finished_at = new Date();
    if (outcome === "failed") run.load_watermark = null;
    if (!run.message) run.message = summaryMessage(run, published);
    w = warehouse ?? (await open());
    await recordRun(w, marts, run);
    step(`Done: ${run.outcome}, exit code ${run.exit_code}`);
  } finally {
    close();
    release();
  }
  return { run, exitCode: run.exit_code ?? 1, files, alerts, published };
}

function summaryMessage(run: PipelineRun, published: readonly { month: string; edition: string }[]): string {
  if (run.outcome === "nothing_new") return "nothing new";
  const parts = [`${run.files_loaded} file(s) loaded`, `${run.alerts_raised} alert(s)`];
  if (run.files_quarantined > 0) parts.push(`${run.files_quarantined} quarantined`);
  if (published.length > 0) parts.push(`published ${published.map((p) => p.edition).join(", ")}`);
  return parts.join(", ");
}

/** The month after 'YYYY-MM'. */
export function nextMonth(month: string): string {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, "0")}`;
}

async function defaultPublisher(): Promise<Publisher> {
  const { publishEdition } = await import("../reports/publish");
  return publishEdition;
}

/** The run as JSON for schedulers (--summary-json): its row, each file, each alert and each edition. */
export function dailySummaryJson(result: DailyResult): string {
  return `${JSON.stringify(
    {
      ...result.run,
      files: result.files.map((f) => ({ file: f.file.relativePath, kind: f.file.kind, status: f.status, rows: f.rows, loaded: f.loaded, rejected: f.rejected, reason: f.reason ?? null })),
      alerts: result.alerts.map((a) => ({ id: a.id, kind: a.kind, day: a.day, delivery: a.delivery })),
      published: result.published,
    },
    null,
    2,
  )}\n`;
}
