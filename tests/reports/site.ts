/**
 * Test support: one reports build per test run, shared by the reports test files. The first file to ask generates
 * a small demo warehouse (40 practices, 46 days from 3 August 2026, so August is final and September provisional),
 * runs the graph and builds the site, the public one, as `gp2gp reports build` does by default (leak-checked and
 * precompressed); the other waits for it and reuses it. (The internal site is built by publish.test.ts.) Both run in forks of one vitest process,
 * whose id names the shared folder (under reports/.work, so that Evidence's build finds the installed packages).
 */
import { datasets } from "../../includes/config";
import { isAlive } from "../../scripts/lib/lock";
import fs from "node:fs";
import path from "node:path";
import { generate } from "../../scripts/lib/generate";
import { Warehouse } from "../../scripts/lib/duckdb";
import { runPipeline } from "../../scripts/lib/pipeline";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import { buildReports, REPORTS_DIR } from "../../scripts/lib/reports/build";
import type { LeakCheckResult } from "../../scripts/lib/reports/leak-check";
import { loadFolder } from "../../scripts/lib/load/folder";

/** The demo data behind the shared build. */
export const SITE_DATA = { start: "2026-08-03", days: 46, practices: 40, seed: 3 } as const;
/** Time limits of the shared build's steps, in seconds (the build takes about a minute on 2 cores). */
export const SITE_LIMITS = { sources: 120, build: 480 } as const;

export interface BuiltSite {
  /** The built site. */
  siteDir: string;
  /** The warehouse it was built from. */
  database: string;
  /** Evidence's output of the build. */
  log: string;
  pages: number;
  /** Organisation pages generated after Evidence's build. */
  orgPages: number;
  /** The leak check the build ran (a public build runs it; it would have failed the build on a finding). */
  leakCheck: LeakCheckResult;
  /** Files given a .gz or .br. */
  precompressed: number;
  seconds: { warehouse: number; sources: number; build: number; orgPages: number; finish: number };
}

const WORK_ROOT = path.join(REPORTS_DIR, ".work");
const runDir = path.join(WORK_ROOT, `test-${process.ppid}`);
const resultFile = path.join(runDir, "result.json");
const lockFile = path.join(runDir, "building.lock");

let cached: Promise<BuiltSite> | undefined;

/** The site built for this test run (built on first use, in this process or another of the run). */
export function builtSite(): Promise<BuiltSite> {
  cached ??= buildOnce();
  return cached;
}

async function buildOnce(): Promise<BuiltSite> {
  removeStaleRuns();
  fs.mkdirSync(runDir, { recursive: true });
  const deadline = Date.now() + (SITE_LIMITS.sources + SITE_LIMITS.build + 300) * 1000;
  for (;;) {
    const done = readResult();
    if (done) return done;
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockFile, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (fd !== undefined) {
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      try {
        const built = await build();
        fs.writeFileSync(resultFile, JSON.stringify({ ok: true, site: built }));
        return built;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        fs.writeFileSync(resultFile, JSON.stringify({ ok: false, error: message }));
        throw error;
      } finally {
        fs.rmSync(lockFile, { force: true });
      }
    }
    const holder = Number(fs.readFileSync(lockFile, "utf8") || "0");
    if (holder && !isAlive(holder)) fs.rmSync(lockFile, { force: true });
    if (Date.now() > deadline) throw new Error(`The shared reports build in ${runDir} did not finish in time`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function readResult(): BuiltSite | undefined {
  if (!fs.existsSync(resultFile)) return undefined;
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as { ok: boolean; site?: BuiltSite; error?: string };
  if (!result.ok) throw new Error(`The shared reports build failed (in another test file):\n${result.error}`);
  return result.site;
}

async function build(): Promise<BuiltSite> {
  const started = Date.now();
  const database = path.join(runDir, "gp2gp.duckdb");
  await buildDemoWarehouse(runDir, database);
  const warehouseSeconds = (Date.now() - started) / 1000;
  const result = await buildReports({
    database,
    datasets,
    outDir: path.join(runDir, "site"),
    workDir: path.join(runDir, "work"),
    sourcesTimeoutSeconds: SITE_LIMITS.sources,
    buildTimeoutSeconds: SITE_LIMITS.build,
  });
  if (!result.finish.leakCheck) throw new Error("The default build ran no leak check: it is not the public site");
  return {
    siteDir: result.outDir,
    database,
    log: result.log,
    pages: result.pages,
    orgPages: result.orgPages.pages,
    leakCheck: result.finish.leakCheck,
    precompressed: result.finish.precompress.files,
    seconds: { warehouse: warehouseSeconds, sources: result.sourcesSeconds, build: result.buildSeconds, orgPages: result.orgPages.seconds, finish: result.finishSeconds },
  };
}

/** Generates the demo data of SITE_DATA under `dir` and builds the warehouse `database` from it (graph run, no tests). */
export async function buildDemoWarehouse(dir: string, database: string): Promise<void> {
  const dataDir = path.join(dir, "data");
  await generate({ outDir: dataDir, ...SITE_DATA });
  const warehouse = await Warehouse.open(database, { datasets });
  try {
    const quiet = silenceStdout();
    try {
      await loadFolder(warehouse, dataDir, { raw: datasets.raw });
    } finally {
      quiet();
    }
    const summary = await runPipeline({
      engine: "duckdb",
      database,
      warehouse,
      reporter: new SilentReporter(),
      vars: { gate_min_national_transfers: "1" },
      selection: { includeTests: false },
    });
    if (!summary.ok) throw new Error("The graph run on the demo warehouse failed");
  } finally {
    warehouse.close();
  }
}

/** Removes the folders of earlier test runs whose vitest process has gone. */
function removeStaleRuns(): void {
  if (!fs.existsSync(WORK_ROOT)) return;
  for (const name of fs.readdirSync(WORK_ROOT)) {
    const match = /^test-(\d+)$/.exec(name);
    if (match && Number(match[1]) !== process.ppid && !isAlive(Number(match[1]))) {
      fs.rmSync(path.join(WORK_ROOT, name), { recursive: true, force: true });
    }
  }
}


/** The loaders print their summaries; a test has no use for them. */
function silenceStdout(): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}
