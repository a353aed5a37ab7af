/**
 * One of the four upstream operational reports (spec §6.5) as a CSV file from the report marts, after the publish
 * gate: what `gp2gp export report` and `gp2gp daily` write.
 */
import path from "node:path";
import type { CompiledGraph } from "../compile";
import type { Warehouse } from "../duckdb";
import { writeFileAtomically } from "../files";
import { enforcePublishGate, type GateResult } from "../gate";
import { contextOf, projectContext } from "../project-context";
import { checkWindowFits, parseReportName, parseWindow, renderCsv, reportFileName, REPORTS, windowTotalsQuery, windowTotalsRow, type WindowTotals } from "./reports";

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
