/**
 * `npm start` (`gp2gp start`): the main job. Loads the configured data folder (or generates a demo set the first
 * time), runs the whole graph on DuckDB and prints what was built and how to explore it.
 */
import fs from "node:fs";
import path from "node:path";
import { type LockWait, type Warehouse, withWarehouse } from "../lib/duckdb";
import { datasets, vars } from "../../includes/config";
import { MANIFEST_VERSION, generate } from "../lib/generate";
import { runPipeline } from "../lib/pipeline";
import { buildReports, describeBuild } from "../lib/reports/build";
import { formatRows } from "../lib/runner/reporter";
import { number } from "../lib/cli/format";
import { printGenerateSummary } from "../lib/cli/generate-output";
import { printFolderLoad } from "../lib/cli/load-output";
import { stepProgressPrinter } from "../lib/reports/progress";


/** The demo data set: eight weeks from a Monday, a few hundred practices, so one whole month is final. */
export const DEMO = { start: "2026-08-03", days: 56, practices: 300, seed: 1 } as const;

/** Vars for the demo profile: the publish gate's national floor scaled to a few hundred practices. */
export const DEMO_VARS: Record<string, string> = { gate_min_national_transfers: "1000", gate_max_practices_without_sicbl: "5" };

export interface StartOptions {
  database: string;
  /** A folder with spine/ and reference/ (as `gp2gp generate` writes); when absent a demo set is generated. */
  dataDir?: string;
  /** Build the report site at the end (default true). */
  reports?: boolean;
  /** How far a message time may lie outside its file's day (days; default 1). */
  timeToleranceDays?: number;
  /** How long each step waits while other processes (readers) have the warehouse open. */
  lockWait?: LockWait;
}

export async function startCommand(options: StartOptions): Promise<boolean> {
  const out = process.stdout;
  let dataDir = options.dataDir;
  const isDemo = !dataDir;
  if (!dataDir) {
    dataDir = path.join(path.dirname(options.database), "demo-data");
    if (demoIsCurrent(dataDir)) {
      out.write(`Using the demo data in ${dataDir} (delete the folder to generate it again).\n`);
    } else {
      out.write(`No data folder configured (--data or GP2GP_DATA_DIR): generating a demo set in ${dataDir} …\n`);
      printGenerateSummary(await generate({ outDir: dataDir, ...DEMO }));
    }
  }
  out.write(`\nLoading ${dataDir} into ${options.database} …\n`);
  await withWarehouse(options.database, "gp2gp start", (warehouse) => printFolderLoad(warehouse, dataDir!, { timeToleranceDays: options.timeToleranceDays }), options.lockWait);

  out.write(`\nRunning the graph on DuckDB …\n`);
  const summary = await runPipeline({ engine: "duckdb", database: options.database, vars: isDemo ? DEMO_VARS : {}, lockWait: options.lockWait });

  await withWarehouse(options.database, "gp2gp start", (warehouse) => printOverview(warehouse, summary.ok), options.lockWait);
  if (summary.ok && options.reports !== false) {
    out.write(`\n`);
    try {
      // The public site: no transfer-level page or identifier (`gp2gp reports build --audience internal` builds the other).
      const result = await buildReports({ database: options.database, onProgress: (message) => out.write(`${message}\n`), onPagesProgress: stepProgressPrinter(out) });
      out.write(describeBuild(result));
    } catch (error) {
      // The warehouse is built and usable; say plainly that the site is not, and how to try again.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(
        `\nThe warehouse is ready, but the report site could not be built:\n  ${message.split("\n").slice(0, 6).join("\n  ")}\n` +
          `Run \`npx gp2gp reports build --verbose\` to try again and see Evidence's output.\n`,
      );
      return false;
    }
  }
  return summary.ok;
}

function demoIsCurrent(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { manifestVersion?: number; options?: Record<string, unknown> };
    const o = manifest.options ?? {};
    // A demo set written by an older generator (another manifest version) is generated again.
    return manifest.manifestVersion === MANIFEST_VERSION && o.start === DEMO.start && o.days === DEMO.days && o.practices === DEMO.practices && o.seed === DEMO.seed;
  } catch {
    return false;
  }
}

/** The latest final month's national figures (spec §6.3) and its five supplier pathways with most technical failures. */
async function printNationalFigures(warehouse: Warehouse, cutoff: number): Promise<void> {
  const out = process.stdout;
  if (!(await warehouse.tableExists(datasets.marts, "national_metrics_monthly"))) return;
  const months = await warehouse.rows<Record<string, number | string | boolean>>(
    `select strftime(metric_month, '%B %Y') as month, metric_month::varchar as month_start, * exclude (metric_month)
     from "${datasets.marts}".national_metrics_monthly where is_final order by metric_month desc limit 2`,
  );
  const latest = months[0];
  if (!latest) {
    out.write(`\nNo month is final yet: a month is final once the data runs ${cutoff} days past its end.\n`);
    return;
  }
  const previous = months[1];
  const change = (key: string) => {
    if (!previous || previous[key] === null || latest[key] === null) return "";
    const delta = Number(latest[key]) - Number(previous[key]);
    return ` (${delta >= 0 ? "+" : ""}${delta.toFixed(2)} points on ${previous.month})`;
  };
  const line = (label: string, count: string, percent: string) =>
    `  ${label.padEnd(50)} ${number.format(Number(latest[count])).padStart(9)}  ${String(latest[percent] ?? "n/a").padStart(6)}%${change(percent)}\n`;
  out.write(`\nGP2GP national performance for ${latest.month} (latest final month, ${cutoff}-day cutoff):\n`);
  out.write(`  ${"Transfers started".padEnd(50)} ${number.format(Number(latest.transfer_count)).padStart(9)}\n`);
  out.write(line("Integrated within 8 days", "integrated_on_time_count", "integrated_on_time_percent"));
  out.write(line("Paper fallback", "paper_fallback_count", "paper_fallback_percent"));
  out.write(line("  technical failures", "technical_failure_count", "technical_failure_percent"));
  out.write(line("  process failures: integrated late", "process_failure_integrated_late_count", "process_failure_integrated_late_percent"));
  out.write(line("  process failures: transferred, not integrated", "process_failure_transferred_not_integrated_count", "process_failure_transferred_not_integrated_percent"));
  out.write(line("  unclassified failures", "unclassified_failure_count", "unclassified_failure_percent"));

  if (!(await warehouse.tableExists(datasets.marts, "supplier_pathway_outcomes"))) return;
  const pathways = await warehouse.rows(
    `select requesting_supplier as requesting, sending_supplier as sending, sum(transfer_count) as transfers,
            sum(case when status = 'Technical failure' then transfer_count else 0 end) as technical_failures,
            round(100.0 * sum(case when status = 'Technical failure' then transfer_count else 0 end) / sum(transfer_count), 2) as technical_failure_percent
     from "${datasets.marts}".supplier_pathway_outcomes
     where cutoff_days = ${cutoff} and date_trunc('month', request_date) = date '${latest.month_start}'
     group by all order by technical_failures desc, transfers desc limit 5`,
  );
  out.write(`\nTop five supplier pathways by technical failures, ${latest.month}:\n${formatRows(pathways).replace(/^/gm, "  ")}\n`);
}

async function printOverview(warehouse: Warehouse, ok: boolean): Promise<void> {
  const out = process.stdout;
  out.write(`\nRows per layer:\n`);
  for (const schema of [datasets.raw, datasets.staged, datasets.correlated, datasets.marts]) {
    const tables = await warehouse.rows<{ table_name: string; table_type: string }>(
      `select table_name, table_type from information_schema.tables where table_schema = '${schema}' order by table_name`,
    );
    const parts: string[] = [];
    for (const t of tables) {
      const rows = await warehouse.scalar<number>(`select count(*) from "${schema}"."${t.table_name}"`);
      parts.push(`${t.table_name} ${number.format(rows)}${t.table_type === "VIEW" ? " (view)" : ""}`);
    }
    out.write(`  ${schema.padEnd(18)} ${parts.join(", ")}\n`);
  }

  const cutoff = vars.metrics_cutoff_days;
  if (await warehouse.tableExists(datasets.marts, "transfers")) {
    const byStatus = await warehouse.rows(
      `select request_month::varchar as month, status, count(*) as transfers, bool_and(is_final) as final
       from "${datasets.marts}".transfers where cutoff_days = ${cutoff}
       group by all order by month, transfers desc`,
    );
    out.write(`\nTransfers per status at the ${cutoff}-day cutoff (final = every transfer's window has closed):\n${formatRows(byStatus).replace(/^/gm, "  ")}\n`);
  }

  await printNationalFigures(warehouse, cutoff);

  const db = warehouse.path;
  const rel = path.relative(process.cwd(), db) || db;
  const dbOption = rel === "warehouse/gp2gp.duckdb" ? "" : ` --database ${rel}`;
  out.write(
    `\n${ok ? "Done." : "The run had failures (see above); the tables that did build are in place."} The warehouse is ${rel}. Explore next:\n` +
      `  npx gp2gp sql "select * from ${datasets.marts}.transfers where cutoff_days = ${cutoff} limit 10"${dbOption}\n` +
      `  npx gp2gp sql "select urgency_rank, attention_flag, who_acts, action_reason from ${datasets.marts}.transfers_live where needs_action order by urgency_rank limit 10"${dbOption}\n` +
      `  npx gp2gp sql "select * from ${datasets.marts}.data_quality_daily order by day desc limit 20"${dbOption}\n` +
      `  npx gp2gp run --help      (re-run, select actions or tags, --full-refresh)\n`,
  );
}
