/**
 * `gp2gp export metrics --anchor YYYY-MM-DD --months 6 --out DIR`: writes `YYYY-M-practiceMetrics.json` and
 * `YYYY-M-nationalMetrics.json` (spec §6.4, v12) for the months before the anchor's month from the metric marts of
 * the DuckDB warehouse (read-only). The rules are in scripts/lib/export/metrics.ts.
 */
import { Command } from "commander";
import { addDatabaseOption, databasePath, parseVarsOption } from "../lib/engine-options";

const today = () => new Date().toISOString().slice(0, 10);

/** Adds `export metrics` to the program (creating the `export` command group if no other command has yet). */
export function registerExportMetricsCommand(program: Command): Command {
  const group =
    program.commands.find((c) => c.name() === "export") ??
    program.command("export").description("Write published products (metrics files, reports) from the marts");
  const command = group
    .command("metrics")
    .description(
      "Write the practice and national metrics JSON files (v12 shapes) for the N whole months before the anchor's month, as NHS England's metrics calculator publishes them",
    );
  addDatabaseOption(command)
    .option("--anchor <date>", "anchor date YYYY-MM-DD (UTC): the metric months are the months before its month", today())
    .option("--months <n>", "number of metric months (the practice file has one entry per month, latest first)", "6")
    .requiredOption("--out <dir>", "folder to write the two files into (created if missing)")
    .option("--require-final", "refuse to write when a metric month is provisional or has no transfers")
    .option("--vars <k=v,...>", "vars for the publish gate and the marts dataset, e.g. gate_min_national_transfers=1000,gate_max_practices_without_sicbl=5 on the demo warehouse")
    .option("--skip-gate", "do not check the publish gate (ad hoc files that are not published; a warning is printed)")
    .action(async (options: { database?: string; anchor: string; months: string; out: string; requireFinal?: boolean; vars?: string; skipGate?: boolean }) => {
      const [{ projectContextOf }, { enforcePublishGate, reportGateFailure }, { Warehouse }, { exportMetrics }] = await Promise.all([
        import("../lib/project-context"),
        import("../lib/gate"),
        import("../lib/duckdb"),
        import("../lib/export/metrics"),
      ]);
      const { datasets } = projectContextOf({ vars: options.vars });
      const warehouse = await Warehouse.open(databasePath(options), { readOnly: true });
      try {
        const gate = await enforcePublishGate(warehouse, { vars: parseVarsOption(options.vars), skipGate: options.skipGate });
        if (gate === "skipped") process.stderr.write("warning: publish gate skipped (--skip-gate): these files are not for publication.\n");
        const result = await exportMetrics({ warehouse, marts: datasets.marts, anchor: options.anchor, months: options.months, outDir: options.out, requireFinal: options.requireFinal });
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        if (result.exclusions.droppedWithoutSicbl.length > 0) {
          process.stderr.write(
            `note: ${result.exclusions.droppedWithoutSicbl.length} practice(s) left out of the practice file because their latest transfer has no SICBL: ${result.exclusions.droppedWithoutSicbl.join(", ")}\n`,
          );
        }
        if (result.unknownPracticeTransfers > 0) {
          process.stderr.write(`note: ${result.unknownPracticeTransfers} transfer(s) with no practice ODS code are counted nationally only\n`);
        }
        process.stdout.write(`${result.practiceFile} (${result.practiceDocument.practices.length} practices, ${result.practiceDocument.sicbls.length} SICBLs)\n`);
        process.stdout.write(`${result.nationalFile} (${result.nationalDocument.metrics[0]!.transferCount} transfers)\n`);
      } catch (error) {
        reportGateFailure(error);
      } finally {
        warehouse.close();
      }
    });
  return command;
}
