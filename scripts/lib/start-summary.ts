/**
 * The summary `gp2gp start` prints after its run, from the marts of the project context's datasets.
 */
import path from "node:path";
import type { Datasets } from "../../includes/config";
import { number } from "./cli/format";
import type { Warehouse } from "./duckdb";
import type { ProjectContext } from "./project-context";
import { formatRows } from "./runner/reporter";

interface Output {
  write(text: string): void;
}

/** The latest final month's national figures (spec §6.3) and its five supplier pathways with most technical failures. */
async function nationalFigures(warehouse: Warehouse, datasets: Datasets, cutoff: number, out: Output): Promise<void> {
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

/**
 * What `gp2gp start` prints once the graph has run: the rows of each layer's tables, the transfers per status at the
 * metrics cutoff, the latest final month's national figures, and queries to explore next. Reads the datasets of
 * `context`; `ok` says whether the run succeeded.
 */
export async function startSummary(warehouse: Warehouse, context: ProjectContext, ok: boolean): Promise<string> {
  const { vars, datasets } = context;
  const text: string[] = [];
  const out: Output = { write: (chunk) => text.push(chunk) };
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

  await nationalFigures(warehouse, datasets, cutoff, out);

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
  return text.join("");
}
