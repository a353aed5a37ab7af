/**
 * `gp2gp load spine|ods|asid-lookup|geography …`: files into the raw dataset, each in one transaction, with a
 * summary of rows loaded and rejected and the first rejections of each file.
 */
import { Command } from "commander";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, addVarsOption, databasePath, lockWaitOf, timeToleranceOption } from "../lib/engine-options";

/**
 * What every load needs, loaded when a load runs (so that `gp2gp --help` does not): the warehouse, the output, and
 * where the command writes: the raw dataset of --vars (or workflow_settings.yaml), and how long it waits for the file.
 */
async function loadTarget(options: { vars?: string; lockWait?: string; engine?: string }) {
  const [{ withWarehouse }, output, { projectContextOf }] = await Promise.all([import("../lib/duckdb"), import("../lib/cli/load-output"), import("../lib/project-context")]);
  const { datasets } = projectContextOf(options);
  return { withWarehouse, output, raw: { raw: datasets.raw }, open: { lockWait: lockWaitOf(options), datasets } };
}

export function registerLoadCommands(program: Command): void {
  const load = program.command("load").description("Load files into the raw dataset of the DuckDB warehouse");

  addVarsOption(addLockWaitOption(addTimeToleranceOption(addDatabaseOption(load.command("spine").description("Daily Spine message exports (CSV or .csv.gz; files or folders)")))))
    .argument("<paths...>", "files, or folders of YYYY-MM-DD_spine_messages.csv[.gz]")
    .action(async (paths: string[], options) => {
      const timeToleranceDays = timeToleranceOption(options);
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadSpine } = await import("../lib/load/spine");
      const progress = output.spineProgressBar();
      const summary = await withWarehouse(
        databasePath(options),
        "gp2gp load spine",
        (w) => loadSpine(w, paths, { ...raw, onProgress: progress.onProgress, timeToleranceDays }),
        open,
      ).finally(progress.stop);
      output.printLoadSummary(output.SPINE_KIND, summary);
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("ods").description("Monthly organisationMetadata.json files (format v5; each names its own year and month)"))))
    .argument("<paths...>", "organisationMetadata.json files")
    .action(async (paths: string[], options) => {
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadOds } = await import("../lib/load/ods");
      output.printLoadSummary("organisation metadata", await withWarehouse(databasePath(options), "gp2gp load ods", (w) => loadOds(w, paths, raw), open));
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("asid-lookup").description("The monthly ASID lookup CSV from the Spine Directory"))))
    .argument("<path>", "asidLookup.csv or .csv.gz")
    .requiredOption("--month <YYYY-MM>", "the month the lookup applies to")
    .action(async (file: string, options) => {
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadAsidLookup } = await import("../lib/load/asid-lookup");
      output.printLoadSummary("ASID lookup", await withWarehouse(databasePath(options), "gp2gp load asid-lookup", (w) => loadAsidLookup(w, file, options.month, raw), open));
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("geography").description("Sub-ICB location → ICB → NHS England region lookup CSV (project or ONS headers)"))))
    .argument("<paths...>", "lookup CSV files")
    .action(async (paths: string[], options) => {
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadGeography } = await import("../lib/load/geography");
      output.printLoadSummary("geography", await withWarehouse(databasePath(options), "gp2gp load geography", (w) => loadGeography(w, paths, raw), open));
    });
}
