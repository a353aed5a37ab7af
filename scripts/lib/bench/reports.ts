/**
 * `gp2gp bench reports`: the public reports site built from a national-scale warehouse (the month warehouse of
 * `gp2gp bench suite`, 6,300 practices), with a reference timed in the same run on the same warehouse (one ordered
 * window pass over the staged messages, as the pipeline benchmarks use) so that every phase reads as a ratio to it.
 * Peak RSS is sampled over this process and every process it starts (Evidence runs in child processes).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { Datasets } from "../../../includes/config";
import { Warehouse } from "../duckdb";
import { buildReports } from "../reports/build";
import { REPORTS_DIR } from "../reports/project";
import { ORG_ASSETS_FOLDER, ORG_PAGE_FOLDERS } from "../reports/org-pages";
import { timeReference } from "./reference";

export interface ReportsBenchOptions {
  /** The datasets of the suite's warehouse (workflow_settings.yaml's: the suite runs without --vars). */
  datasets: Datasets;
  /** The warehouse to build from (the suite's month warehouse). */
  database: string;
  /** Working folder: the site goes to <dir>/reports-site. */
  dir: string;
  onProgress?: (progress: { step: string; done: number; total: number }) => void;
  /** Evidence's output, as it runs. */
  onOutput?: (text: string) => void;
}

export interface ReportsBenchFigures {
  readonly benchmark: "reports";
  readonly database: string;
  readonly stagedMessages: number;
  readonly practices: number;
  readonly referenceSeconds: number;
  readonly pages: { total: number; organisation: number; evidence: number };
  readonly seconds: { sources: number; evidenceBuild: number; organisationPages: number; total: number };
  readonly pagesPerSecond: number;
  readonly peakRssMiB: number;
  readonly site: { files: number; bytes: number; practicePageGzipBytes: number };
  readonly loadAverage: number;
}

export async function benchReports(options: ReportsBenchOptions): Promise<ReportsBenchFigures> {
  const { datasets } = options;
  if (!fs.existsSync(options.database)) {
    throw new Error(`No warehouse at ${options.database}: build the national month warehouse first with \`gp2gp bench suite --scales month\` (it writes <dir>/suite-month.duckdb)`);
  }
  const warehouse = await Warehouse.open(options.database, { readOnly: true });
  let referenceSeconds: number;
  let stagedMessages: number;
  let practices: number;
  try {
    stagedMessages = await warehouse.scalar<number>(`select count(*) from "${datasets.staged}".stg_spine_messages`);
    practices = await warehouse.scalar<number>(`select count(distinct practice_ods_code) from "${datasets.marts}".practice_metrics_monthly`);
    referenceSeconds = await timeReference(warehouse, datasets);
  } finally {
    warehouse.close();
  }

  const sampler = new TreeRssSampler();
  const started = Date.now();
  let result: Awaited<ReturnType<typeof buildReports>>;
  try {
    result = await buildReports({
      database: options.database,
      datasets,
      outDir: path.join(options.dir, "reports-site"),
      workDir: path.join(REPORTS_DIR, ".work", "bench"),
      sourcesTimeoutSeconds: 1200,
      buildTimeoutSeconds: 3600,
      onPagesProgress: options.onProgress,
      onOutput: options.onOutput,
    });
  } finally {
    sampler.stop();
  }
  const totalSeconds = (Date.now() - started) / 1000;
  const site = siteSize(result.outDir);
  return {
    benchmark: "reports",
    database: options.database,
    stagedMessages,
    practices,
    referenceSeconds: round(referenceSeconds, 3),
    pages: { total: result.pages, organisation: result.orgPages.pages, evidence: result.pages - result.orgPages.pages },
    seconds: { sources: round(result.sourcesSeconds, 1), evidenceBuild: round(result.buildSeconds, 1), organisationPages: round(result.orgPages.seconds, 1), total: round(totalSeconds, 1) },
    pagesPerSecond: round(result.pages / totalSeconds, 1),
    peakRssMiB: Math.max(sampler.peakMiB, Math.round(process.resourceUsage().maxRSS / 1024)),
    site: { ...site, practicePageGzipBytes: practicePageGzipBytes(result.outDir) },
    loadAverage: round(os.loadavg()[0]!, 1),
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function siteSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

/** What a first visit to the largest practice page transfers, gzipped as a static host serves it: the page, its stylesheet and script. */
function practicePageGzipBytes(siteDir: string): number {
  const folder = path.join(siteDir, ORG_PAGE_FOLDERS.practice);
  const pages = fs.readdirSync(folder).filter((name) => fs.existsSync(path.join(folder, name, "index.html")) && name !== "index.html");
  const largest = pages.map((name) => path.join(folder, name, "index.html")).reduce((a, b) => (fs.statSync(a).size >= fs.statSync(b).size ? a : b));
  const assets = fs.readdirSync(path.join(siteDir, ORG_ASSETS_FOLDER)).map((name) => path.join(siteDir, ORG_ASSETS_FOLDER, name));
  return [largest, ...assets].reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length, 0);
}

/**
 * Samples the resident memory of this process and all its descendants (from /proc) every 200 ms and keeps the
 * largest total: the peak of the whole build, Evidence's processes included. Without /proc it keeps 0.
 */
export class TreeRssSampler {
  peakMiB = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    if (!fs.existsSync("/proc/self/stat")) return;
    const parents = new Map<number, number>();
    const rss = new Map<number, number>();
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        // pid (comm) state ppid … : the fields after the command's closing parenthesis, rss is the 22nd of them.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parents.set(Number(name), Number(fields[1]));
        rss.set(Number(name), Number(fields[21]) * 4096);
      } catch {
        // the process has exited
      }
    }
    const tree = new Set([process.pid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, parent] of parents) {
        if (!tree.has(pid) && tree.has(parent)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    let total = 0;
    for (const pid of tree) total += rss.get(pid) ?? 0;
    this.peakMiB = Math.max(this.peakMiB, Math.round(total / 2 ** 20));
  }
}
