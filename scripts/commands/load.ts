/**
 * `gp2gp load spine|ods|asid-lookup|geography …`: files into the raw dataset, each in one transaction, with a
 * summary of rows loaded and rejected and the first rejections of each file.
 */
import { Command } from "commander";
import { withWarehouse } from "../lib/duckdb";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, addVarsOption, databasePath, lockWaitOf, projectContextOf, timeToleranceOption } from "../lib/engine-options";
import { printLoadSummary, SPINE_KIND, spineProgressBar } from "../lib/cli/load-output";
import { loadSpine } from "../lib/load/spine";
import { loadOds } from "../lib/load/ods";
import { loadAsidLookup } from "../lib/load/asid-lookup";
import { loadGeography } from "../lib/load/geography";

/** Where a load command writes: the raw dataset of --vars (or workflow_settings.yaml), and how long it waits for the file. */
function loadTarget(options: { vars?: string; lockWait?: string }) {
  const { datasets } = projectContextOf(options);
  return { raw: { raw: datasets.raw }, open: { lockWait: lockWaitOf(options), datasets } };
}

export function registerLoadCommands(program: Command): void {
  const load = program.command("load").description("Load files into the raw dataset of the DuckDB warehouse");

  addVarsOption(addLockWaitOption(addTimeToleranceOption(addDatabaseOption(load.command("spine").description("Daily Spine message exports (CSV or .csv.gz; files or folders)")))))
    .argument("<paths...>", "files, or folders of YYYY-MM-DD_spine_messages.csv[.gz]")
    .action(async (paths: string[], options) => {
      const timeToleranceDays = timeToleranceOption(options);
      const target = loadTarget(options);
      const progress = spineProgressBar();
      const summary = await withWarehouse(
        databasePath(options),
        "gp2gp load spine",
        (w) => loadSpine(w, paths, { ...target.raw, onProgress: progress.onProgress, timeToleranceDays }),
        target.open,
      ).finally(progress.stop);
      printLoadSummary(SPINE_KIND, summary);
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("ods").description("Monthly organisationMetadata.json files (format v5; each names its own year and month)"))))
    .argument("<paths...>", "organisationMetadata.json files")
    .action(async (paths: string[], options) => {
      const target = loadTarget(options);
      printLoadSummary("organisation metadata", await withWarehouse(databasePath(options), "gp2gp load ods", (w) => loadOds(w, paths, target.raw), target.open));
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("asid-lookup").description("The monthly ASID lookup CSV from the Spine Directory"))))
    .argument("<path>", "asidLookup.csv or .csv.gz")
    .requiredOption("--month <YYYY-MM>", "the month the lookup applies to")
    .action(async (file: string, options) => {
      const target = loadTarget(options);
      printLoadSummary("ASID lookup", await withWarehouse(databasePath(options), "gp2gp load asid-lookup", (w) => loadAsidLookup(w, file, options.month, target.raw), target.open));
    });

  addVarsOption(addLockWaitOption(addDatabaseOption(load.command("geography").description("Sub-ICB location → ICB → NHS England region lookup CSV (project or ONS headers)"))))
    .argument("<paths...>", "lookup CSV files")
    .action(async (paths: string[], options) => {
      const target = loadTarget(options);
      printLoadSummary("geography", await withWarehouse(databasePath(options), "gp2gp load geography", (w) => loadGeography(w, paths, target.raw), target.open));
    });
}
