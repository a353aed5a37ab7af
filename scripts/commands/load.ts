/**
 * `gp2gp load spine|ods|asid-lookup|geography …`: files into the raw dataset, each in one transaction, with a
 * summary of rows loaded and rejected and the first rejections of each file.
 */
import cliProgress from "cli-progress";
import { Command } from "commander";
import { withWarehouse } from "../lib/duckdb";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, databasePath, lockWaitOf, timeToleranceOption } from "../lib/engine-options";
import type { LoadSummary } from "../lib/load/common";
import { loadSpine, type SpineProgress } from "../lib/load/spine";
import { loadOds } from "../lib/load/ods";
import { loadAsidLookup } from "../lib/load/asid-lookup";
import { loadGeography } from "../lib/load/geography";

const number = new Intl.NumberFormat("en-GB");
/** The kind name the Spine loads are summarised under. */
export const SPINE_KIND = "Spine messages";

export function printLoadSummary(kind: string, summary: LoadSummary, out: NodeJS.WritableStream = process.stdout): void {
  for (const file of summary.files) {
    const what =
      file.status === "skipped"
        ? "unchanged since its last load: skipped"
        : `${number.format(file.loaded)} rows loaded, ${number.format(file.rejected)} rejected${file.status === "replaced" ? ` (replaced the earlier load of ${kind === SPINE_KIND ? "this day" : "this file"})` : ""}`;
    out.write(`  ${file.file}: ${what} (${file.seconds.toFixed(2)} s)\n`);
    for (const rejection of file.rejections) out.write(`    rejected: ${rejection}\n`);
    if (file.rejected > file.rejections.length) out.write(`    … and ${number.format(file.rejected - file.rejections.length)} more rejected rows\n`);
  }
  const t = summary.totals;
  out.write(
    `Loaded ${kind}: ${t.files} file(s) (${t.loadedFiles} loaded, ${t.replacedFiles} replaced, ${t.skippedFiles} skipped), ` +
      `${number.format(t.loaded)} rows loaded, ${number.format(t.rejected)} rejected, in ${t.seconds.toFixed(1)} s.\n`,
  );
  if (t.rejected > 0 && kind === SPINE_KIND) {
    out.write(`Rejected rows are kept with their reason in gp2gp_raw.spine_messages_rejected (and counted in gp2gp_marts.data_quality_daily).\n`);
  } else if (t.rejected > 0) {
    out.write(`Rejected rows of reference files are not stored: each is listed above.\n`);
  }
}

/** A progress bar over the bytes of each Spine file, on a terminal only. */
export function spineProgressBar(): { onProgress?: (p: SpineProgress) => void; stop: () => void } {
  if (!process.stdout.isTTY || process.env.CI) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: "  {file} [{bar}] {percentage}% {rows} rows", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let current = "";
  return {
    onProgress: (p) => {
      if (p.file !== current) {
        if (current) bar.stop();
        current = p.file;
        bar.start(Math.max(p.totalBytes, 1), 0, { file: p.file, rows: "0" });
      }
      bar.update(p.bytesRead, { rows: number.format(p.rowsRead) });
    },
    stop: () => current && bar.stop(),
  };
}

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
