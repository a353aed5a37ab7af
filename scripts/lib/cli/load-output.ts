/**
 * What the load commands (and `gp2gp start`) print: a summary of each file loaded, rejected rows, and a progress bar
 * over the bytes of each Spine file on a terminal.
 */
import cliProgress from "cli-progress";
import type { LoadSummary } from "../load/common";
import { loadFolder, SPINE_KIND, type LoadFolderOptions } from "../load/folder";
import type { SpineProgress } from "../load/spine";
import type { Warehouse } from "../duckdb";

export { SPINE_KIND };
import { number } from "./format";


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

/** Loads a data folder (lib/load/folder.ts), printing each kind's summary and a progress bar over the Spine files. */
export async function printFolderLoad(warehouse: Warehouse, dir: string, options: Pick<LoadFolderOptions, "raw" | "timeToleranceDays">): Promise<void> {
  const progress = spineProgressBar();
  try {
    await loadFolder(warehouse, dir, {
      ...options,
      onSpineProgress: progress.onProgress,
      onLoaded: (kind, summary) => {
        if (kind === SPINE_KIND) progress.stop();
        printLoadSummary(kind, summary);
      },
    });
  } finally {
    progress.stop();
  }
}
