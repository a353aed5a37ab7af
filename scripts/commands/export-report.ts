/**
 * `gp2gp export report <name> --start YYYY-MM-DD --end YYYY-MM-DD --cutoff N --out DIR`: one of the four upstream
 * operational reports (spec §6.5) as a CSV file from the report marts, after the publish gate.
 */
import path from "node:path";
import { Command } from "commander";
import type { CompiledGraph } from "../lib/compile";
import { Warehouse } from "../lib/duckdb";
import { writeFileAtomically } from "../lib/files";
import { addDatabaseOption, databasePath, parseVarsOption } from "../lib/engine-options";
import { contextOf, projectContext } from "../lib/project-context";
import {
  checkWindowFits,
  parseReportName,
  parseWindow,
  renderCsv,
  reportFileName,
  REPORT_NAMES,
  REPORTS,
  windowTotalsQuery,
  windowTotalsRow,
  type WindowTotals,
} from "../lib/export/reports";
import { enforcePublishGate, PublishGateError, reportGateFailure, type GateResult } from "../lib/gate";

export { PublishGateError };

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

const HELP = `
The window is start <= date requested < end: --end is EXCLUSIVE (the first day not reported), as upstream's
END_DATETIME, and the file name shows the last day reported, as upstream names it:
  <start>-to-<end - 1 day>-<report_name_lowercase>--<cutoff>-days-cutoff.csv
e.g. --start 2024-03-01 --end 2024-04-01 --cutoff 14 writes
  2024-03-01-to-2024-03-31-sub_icb_location_level_integration_times--14-days-cutoff.csv

Reports: ${REPORT_NAMES.join(", ")}.
SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES is kept per month: its window must start and end on the 1st of a month.
Percentages are unrounded and computed over the window, as upstream.

Publish gate: before writing, the assertions tagged "gate" must pass (the latest final month has at least
gate_min_national_transfers national transfers and is covered by the practice metrics, no more than
gate_max_practices_without_sicbl of its practices (0) lack a Sub-ICB location, and no provisional month is presented
as final). A failing gate writes nothing and exits 1, naming each failed check. On the demo warehouse use
  --vars gate_min_national_transfers=100,gate_max_practices_without_sicbl=5
and use --skip-gate only for ad hoc reports that are not published.`;

/** Adds `export report` to the program (under an existing `export` command when there is one). */
export function registerExportReportCommand(program: Command): Command {
  const exportCommand =
    program.commands.find((c) => c.name() === "export") ?? program.command("export").description("Export reports from the warehouse as files");
  const command = addDatabaseOption(
    exportCommand
      .command("report")
      .description("Write one of the four upstream operational reports as CSV, from the report marts, after the publish gate"),
  )
    .argument("<name>", `report name (${REPORT_NAMES.join(" | ")}), case-insensitive`)
    .requiredOption("--start <YYYY-MM-DD>", "first day reported (UTC day of date requested)")
    .requiredOption("--end <YYYY-MM-DD>", "first day NOT reported (exclusive, as upstream END_DATETIME); the file name shows end - 1 day")
    .requiredOption("--cutoff <days>", "classification cutoff in days (one of the cutoff_days var, by default 0, 2 or 14)")
    .requiredOption("--out <dir>", "folder for the CSV (created when missing); the file is written atomically")
    .option("--vars <k=v,...>", "vars for the publish gate and the marts dataset, e.g. gate_min_national_transfers=100,gate_max_practices_without_sicbl=5 on the demo warehouse")
    .option("--skip-gate", "do not check the publish gate (ad hoc reports that are not published; a warning is printed)")
    .addHelpText("after", HELP)
    .action(async (name: string, options) => {
      const warehouse = await Warehouse.open(databasePath(options), { readOnly: true });
      try {
        const result = await exportReport(warehouse, {
          report: name,
          start: options.start,
          end: options.end,
          cutoff: options.cutoff,
          outDir: options.out,
          vars: parseVarsOption(options.vars),
          skipGate: Boolean(options.skipGate),
        });
        if (result.gate === "skipped") process.stderr.write("warning: publish gate skipped (--skip-gate): this report is not for publication.\n");
        const t = result.totals;
        process.stdout.write(
          `Wrote ${result.file} (${result.rows} rows).\n` +
            `Window: ${t.transfer_count} transfers, ${t.technical_failure_count} technical failures` +
            `${t.technical_failure_percent === null ? "" : ` (technical failures percentage ${t.technical_failure_percent})`}.\n`,
        );
        if (result.provisionalTransfers > 0) {
          process.stderr.write(
            `note: ${result.provisionalTransfers} of the transfers in this report are provisional: their ${options.cutoff}-day cutoff window has not closed in the loaded data, so their figures may change.\n`,
          );
        }
      } catch (error) {
        reportGateFailure(error);
      } finally {
        warehouse.close();
      }
    });
  return command;
}
