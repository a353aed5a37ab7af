/**
 * `gp2gp export report <name> --start YYYY-MM-DD --end YYYY-MM-DD --cutoff N --out DIR`: one of the four upstream
 * operational reports (spec §6.5) as a CSV file from the report marts, after the publish gate.
 */
import { Command } from "commander";
import { addDatabaseOption, databasePath, parseVarsOption } from "../lib/engine-options";
import { REPORT_NAMES } from "../lib/export/reports";

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
      const [{ Warehouse }, { exportReport }, { reportGateFailure }] = await Promise.all([import("../lib/duckdb"), import("../lib/export/report-file"), import("../lib/gate")]);
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
