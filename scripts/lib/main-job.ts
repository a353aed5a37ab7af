/**
 * The main job behind `npm start` (`gp2gp start`): loads the configured data folder (or generates a demo set the
 * first time), runs the whole graph on DuckDB, builds the public report site and writes what was built and how to
 * explore it.
 */
import fs from "node:fs";
import path from "node:path";
import { type LockWait, withWarehouse } from "./duckdb";
import { MANIFEST_VERSION, generate } from "./generate";
import { runPipeline } from "./pipeline";
import { projectContext } from "./project-context";
import { buildReports, describeBuild } from "./reports/build";
import { printGenerateSummary } from "./cli/generate-output";
import { printFolderLoad } from "./cli/load-output";
import { stepProgressPrinter } from "./reports/progress";
import { startSummary } from "./start-summary";


/** The demo data set: eight weeks from a Monday, a few hundred practices, so one whole month is final. */
export const DEMO = { start: "2026-08-03", days: 56, practices: 300, seed: 1 } as const;

/** Vars for the demo profile: the publish gate's national floor scaled to a few hundred practices. */
export const DEMO_VARS: Record<string, string> = { gate_min_national_transfers: "1000", gate_max_practices_without_sicbl: "5" };

export interface MainJobOptions {
  database: string;
  /** A folder with spine/ and reference/ (as `gp2gp generate` writes); when absent a demo set is generated. */
  dataDir?: string;
  /** Build the report site at the end (default true). */
  reports?: boolean;
  /** How far a message time may lie outside its file's day (days; default 1). */
  timeToleranceDays?: number;
  /** How long each step waits while other processes (readers) have the warehouse open. */
  lockWait?: LockWait;
  /** Where the job's progress and summary go (default standard output) and its one-line failures (standard error). */
  out?: NodeJS.WriteStream;
  err?: NodeJS.WritableStream;
}

/** Runs the main job; true when the graph ran and, if asked for, the site was built. */
export async function runMainJob(options: MainJobOptions): Promise<boolean> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  let dataDir = options.dataDir;
  const isDemo = !dataDir;
  if (!dataDir) {
    dataDir = path.join(path.dirname(options.database), "demo-data");
    if (demoIsCurrent(dataDir)) {
      out.write(`Using the demo data in ${dataDir} (delete the folder to generate it again).\n`);
    } else {
      out.write(`No data folder configured (--data or GP2GP_DATA_DIR): generating a demo set in ${dataDir} …\n`);
      printGenerateSummary(await generate({ outDir: dataDir, ...DEMO }), out);
    }
  }
  const vars = isDemo ? DEMO_VARS : {};
  const context = projectContext({ engine: "duckdb", vars });
  const open = { lockWait: options.lockWait, datasets: context.datasets };
  out.write(`\nLoading ${dataDir} into ${options.database} …\n`);
  await withWarehouse(options.database, "gp2gp start", (warehouse) => printFolderLoad(warehouse, dataDir!, { raw: context.datasets.raw, timeToleranceDays: options.timeToleranceDays }), open);

  out.write(`\nRunning the graph on DuckDB …\n`);
  const summary = await runPipeline({ engine: "duckdb", database: options.database, vars, lockWait: options.lockWait });

  out.write(await withWarehouse(options.database, "gp2gp start", (warehouse) => startSummary(warehouse, context, summary.ok), open));
  if (summary.ok && options.reports !== false) {
    out.write(`\n`);
    try {
      // The public site: no transfer-level page or identifier (`gp2gp reports build --audience internal` builds the other).
      const result = await buildReports({ database: options.database, datasets: context.datasets, onProgress: (message) => out.write(`${message}\n`), onPagesProgress: stepProgressPrinter(out) });
      out.write(describeBuild(result));
    } catch (error) {
      // The warehouse is built and usable; say plainly that the site is not, and how to try again.
      const message = error instanceof Error ? error.message : String(error);
      err.write(
        `\nThe warehouse is ready, but the report site could not be built:\n  ${message.split("\n").slice(0, 6).join("\n  ")}\n` +
          `Run \`npx gp2gp reports build --verbose\` to try again and see Evidence's output.\n`,
      );
      return false;
    }
  }
  return summary.ok;
}

function demoIsCurrent(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { manifestVersion?: number; options?: Record<string, unknown> };
    const o = manifest.options ?? {};
    // A demo set written by an older generator (another manifest version) is generated again.
    return manifest.manifestVersion === MANIFEST_VERSION && o.start === DEMO.start && o.days === DEMO.days && o.practices === DEMO.practices && o.seed === DEMO.seed;
  } catch {
    return false;
  }
}
