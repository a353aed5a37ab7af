/**
 * `gp2gp load spine|ods|asid-lookup|geography …`: files into the raw dataset, each in one transaction, with a
 * summary of rows loaded and rejected and the first rejections of each file. `--engine bigquery` loads into the raw
 * dataset on BigQuery (scripts/lib/load/bigquery.ts) with the same checks, rejects and load log, and also takes
 * `gs://` objects (and Spine folders), downloaded first.
 */
import { Command } from "commander";
import {
  addDatabaseOption,
  addEngineOption,
  addLockWaitOption,
  addTimeToleranceOption,
  addVarsOption,
  databasePath,
  engineOf,
  lockWaitOf,
  timeToleranceOption,
} from "../lib/engine-options";
import type { LoadSummary } from "../lib/load/common";
import type { BigQueryLoadRequest } from "../lib/load/bigquery";

interface LoadOptions {
  vars?: string;
  lockWait?: string;
  engine?: string;
  database?: string;
}

/**
 * What every load needs, loaded when a load runs (so that `gp2gp --help` does not): the warehouse, the output, and
 * where the command writes: the raw dataset of --vars (or workflow_settings.yaml), and how long it waits for the file.
 */
async function loadTarget(options: LoadOptions) {
  const [{ withWarehouse }, output, { projectContextOf }] = await Promise.all([import("../lib/duckdb"), import("../lib/cli/load-output"), import("../lib/project-context")]);
  const { datasets } = projectContextOf(options);
  return { withWarehouse, output, raw: { raw: datasets.raw }, open: { lockWait: lockWaitOf(options), datasets } };
}

/**
 * With `--engine bigquery`, runs the load on BigQuery and returns its summary; undefined for DuckDB. The credentials
 * are checked before any file is read or any network call (BigQueryCredentialsError names what would supply them).
 */
async function loadOnBigQuery(options: LoadOptions, request: BigQueryLoadRequest): Promise<LoadSummary | undefined> {
  if (engineOf(options) !== "bigquery") return undefined;
  if (options.database) throw new Error("--database names the DuckDB warehouse file: it has no meaning with --engine bigquery");
  const [{ loadIntoBigQuery }, { projectContextOf }] = await Promise.all([import("../lib/load/bigquery"), import("../lib/project-context")]);
  return loadIntoBigQuery(projectContextOf(options).datasets.raw, request);
}

/** Prints a BigQuery load's summary; false when the command runs on DuckDB. */
async function printed(kind: string, summary: Promise<LoadSummary | undefined>): Promise<boolean> {
  const result = await summary;
  if (!result) return false;
  (await import("../lib/cli/load-output")).printLoadSummary(kind, result);
  return true;
}

/** The options every load command takes. */
function loadCommand(command: Command): Command {
  return addVarsOption(addLockWaitOption(addDatabaseOption(addEngineOption(command))));
}

export function registerLoadCommands(program: Command): void {
  const load = program.command("load").description("Load files into the raw dataset (the DuckDB warehouse, or BigQuery with --engine bigquery)");

  loadCommand(addTimeToleranceOption(load.command("spine").description("Daily Spine message exports (CSV or .csv.gz; files or folders)")))
    .argument("<paths...>", "files, or folders of YYYY-MM-DD_spine_messages.csv[.gz] (with --engine bigquery, also gs://bucket/… objects and folders)")
    .action(async (paths: string[], options) => {
      const timeToleranceDays = timeToleranceOption(options);
      const output = await import("../lib/cli/load-output");
      const progress = output.spineProgressBar();
      const load = async (): Promise<LoadSummary> => {
        const onBigQuery = await loadOnBigQuery(options, { kind: "spine", paths, timeToleranceDays, onProgress: progress.onProgress });
        if (onBigQuery) return onBigQuery;
        const { withWarehouse, raw, open } = await loadTarget(options);
        const { loadSpine } = await import("../lib/load/spine");
        return withWarehouse(databasePath(options), "gp2gp load spine", (w) => loadSpine(w, paths, { ...raw, onProgress: progress.onProgress, timeToleranceDays }), open);
      };
      const summary = await load().finally(progress.stop);
      output.printLoadSummary(output.SPINE_KIND, summary);
    });

  loadCommand(load.command("ods").description("Monthly organisationMetadata.json files (format v5; each names its own year and month)"))
    .argument("<paths...>", "organisationMetadata.json files (with --engine bigquery, also gs://bucket/… objects)")
    .action(async (paths: string[], options) => {
      if (await printed("organisation metadata", loadOnBigQuery(options, { kind: "ods", paths }))) return;
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadOds } = await import("../lib/load/ods");
      output.printLoadSummary("organisation metadata", await withWarehouse(databasePath(options), "gp2gp load ods", (w) => loadOds(w, paths, raw), open));
    });

  loadCommand(load.command("asid-lookup").description("The monthly ASID lookup CSV from the Spine Directory"))
    .argument("<path>", "asidLookup.csv or .csv.gz (with --engine bigquery, also a gs://bucket/… object)")
    .requiredOption("--month <YYYY-MM>", "the month the lookup applies to")
    .action(async (file: string, options) => {
      if (await printed("ASID lookup", loadOnBigQuery(options, { kind: "asid-lookup", path: file, month: options.month }))) return;
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadAsidLookup } = await import("../lib/load/asid-lookup");
      output.printLoadSummary("ASID lookup", await withWarehouse(databasePath(options), "gp2gp load asid-lookup", (w) => loadAsidLookup(w, file, options.month, raw), open));
    });

  loadCommand(load.command("geography").description("Sub-ICB location → ICB → NHS England region lookup CSV (project or ONS headers)"))
    .argument("<paths...>", "lookup CSV files (with --engine bigquery, also gs://bucket/… objects)")
    .action(async (paths: string[], options) => {
      if (await printed("geography", loadOnBigQuery(options, { kind: "geography", paths }))) return;
      const { withWarehouse, output, raw, open } = await loadTarget(options);
      const { loadGeography } = await import("../lib/load/geography");
      output.printLoadSummary("geography", await withWarehouse(databasePath(options), "gp2gp load geography", (w) => loadGeography(w, paths, raw), open));
    });
}
