/**
 * `gp2gp load spine|ods|asid-lookup|geography …`: files into the raw dataset, each in one transaction, with a
 * summary of rows loaded and rejected and the first rejections of each file.
 */
import { Command } from "commander";
import { withWarehouse } from "../lib/duckdb";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, databasePath, lockWaitOf, timeToleranceOption } from "../lib/engine-options";
import { printLoadSummary, SPINE_KIND, spineProgressBar } from "../lib/cli/load-output";
import { loadSpine } from "../lib/load/spine";
import { loadOds } from "../lib/load/ods";
import { loadAsidLookup } from "../lib/load/asid-lookup";
import { loadGeography } from "../lib/load/geography";

export function registerLoadCommands(program: Command): void {
  const load = program.command("load").description("Load files into the raw dataset of the DuckDB warehouse");

  addLockWaitOption(addTimeToleranceOption(addDatabaseOption(load.command("spine").description("Daily Spine message exports (CSV or .csv.gz; files or folders)"))))
    .argument("<paths...>", "files, or folders of YYYY-MM-DD_spine_messages.csv[.gz]")
    .action(async (paths: string[], options) => {
      const timeToleranceDays = timeToleranceOption(options);
      const progress = spineProgressBar();
      const summary = await withWarehouse(
        databasePath(options),
        "gp2gp load spine",
        (w) => loadSpine(w, paths, { onProgress: progress.onProgress, timeToleranceDays }),
        lockWaitOf(options),
      ).finally(progress.stop);
      printLoadSummary(SPINE_KIND, summary);
    });

  addLockWaitOption(addDatabaseOption(load.command("ods").description("Monthly organisationMetadata.json files (format v5; each names its own year and month)")))
    .argument("<paths...>", "organisationMetadata.json files")
    .action(async (paths: string[], options) => {
      printLoadSummary("organisation metadata", await withWarehouse(databasePath(options), "gp2gp load ods", (w) => loadOds(w, paths), lockWaitOf(options)));
    });

  addLockWaitOption(addDatabaseOption(load.command("asid-lookup").description("The monthly ASID lookup CSV from the Spine Directory")))
    .argument("<path>", "asidLookup.csv or .csv.gz")
    .requiredOption("--month <YYYY-MM>", "the month the lookup applies to")
    .action(async (file: string, options) => {
      printLoadSummary("ASID lookup", await withWarehouse(databasePath(options), "gp2gp load asid-lookup", (w) => loadAsidLookup(w, file, options.month), lockWaitOf(options)));
    });

  addLockWaitOption(addDatabaseOption(load.command("geography").description("Sub-ICB location → ICB → NHS England region lookup CSV (project or ONS headers)")))
    .argument("<paths...>", "lookup CSV files")
    .action(async (paths: string[], options) => {
      printLoadSummary("geography", await withWarehouse(databasePath(options), "gp2gp load geography", (w) => loadGeography(w, paths), lockWaitOf(options)));
    });
}
