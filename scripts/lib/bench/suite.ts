/**
 * The suite behind `gp2gp bench suite`: the pipeline at 1 day, 1 month and 12 months of national volume. For each scale, in a fresh
 * warehouse: load the Spine exports and reference data, run the whole graph, then load one more day and run again
 * (the daily incremental run), and finally a full refresh of the same data to compare with. Every phase runs as
 * its own `gp2gp` process, as a scheduler would run it, so its time and peak RSS are its own.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Datasets } from "../../../includes/config";
import { Warehouse } from "../duckdb";
import { generate } from "../generate";
import { number } from "../cli/format";
import { PROJECT_DIR } from "../paths";
import { timeReference } from "./reference";
import type { ProjectContext } from "../project-context";

const GP2GP = path.join(PROJECT_DIR, "scripts", "gp2gp.js");
export const SCALES = { day: 1, month: 30, year: 365 } as const;
export type Scale = keyof typeof SCALES;

export interface PhaseFigures {
  readonly scale: Scale;
  readonly phase: "load" | "full run" | "daily load" | "daily run" | "full refresh";
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly peakRssMiB: number;
  /** The machine's 1-minute load average when the phase ended (other jobs share the cores). */
  readonly loadAverage: number;
  /** `seconds` over the scale's reference (one ordered window pass over its staged messages, timed in this run). */
  readonly ratio: number;
  /** For runs: the slowest actions. */
  readonly slowest?: string;
  /** For runs: where the runner's time went (the rest of `seconds` is starting the process and compiling). */
  readonly breakdown?: RunBreakdown;
}

/** Seconds of a run by layer: classification (staged and correlated models), marts, assertions and unit tests. */
export interface RunBreakdown {
  readonly runner: number;
  readonly classify: number;
  readonly marts: number;
  readonly assertions: number;
  readonly tests: number;
}

interface RunSummaryFile {
  readonly seconds: number;
  readonly actions: readonly { action: string; kind: string; seconds: number | null }[];
}

/** The split of a run by the layers of `datasets`. */
export function runBreakdown(summary: RunSummaryFile, datasets: Datasets): RunBreakdown {
  const sum = (keep: (a: RunSummaryFile["actions"][number]) => boolean) =>
    Math.round(summary.actions.filter(keep).reduce((total, a) => total + (a.seconds ?? 0), 0) * 10) / 10;
  const inDataset = (dataset: string) => (a: { action: string; kind: string }) => a.kind !== "assertion" && a.kind !== "test" && a.action.startsWith(`${dataset}.`);
  return {
    runner: Math.round(summary.seconds * 10) / 10,
    classify: sum((a) => inDataset(datasets.staged)(a) || inDataset(datasets.correlated)(a)),
    marts: sum(inDataset(datasets.marts)),
    assertions: sum((a) => a.kind === "assertion"),
    tests: sum((a) => a.kind === "test"),
  };
}

interface ChildResult {
  seconds: number;
  peakRssMiB: number;
}

/** Runs `gp2gp <args>` as a child process; its output goes to `log`. */
async function gp2gp(args: string[], log: fs.WriteStream, dir: string): Promise<ChildResult> {
  const rusage = path.join(dir, `rusage-${process.pid}-${Date.now()}.json`);
  const started = Date.now();
  log.write(`\n$ gp2gp ${args.join(" ")}\n`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [GP2GP, ...args], { env: { ...process.env, GP2GP_RUSAGE_FILE: rusage, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("error", reject);
    child.on("exit", (c) => resolve(c ?? 1));
  });
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`gp2gp ${args.join(" ")} failed (exit ${code}); see ${log.path}`);
  const { peakRssMiB } = JSON.parse(fs.readFileSync(rusage, "utf8")) as { peakRssMiB: number };
  fs.rmSync(rusage, { force: true });
  return { seconds, peakRssMiB };
}

function readSummary(summaryFile: string): RunSummaryFile {
  return JSON.parse(fs.readFileSync(summaryFile, "utf8")) as RunSummaryFile;
}

function slowest(summaryFile: string, count = 3): string {
  return [...readSummary(summaryFile).actions]
    .sort((a, b) => (b.seconds ?? 0) - (a.seconds ?? 0))
    .slice(0, count)
    .map((a) => `${a.action.replace(/^gp2gp_/, "")} ${(a.seconds ?? 0).toFixed(1)}s`)
    .join(", ");
}

async function withReadOnly<T>(database: string, body: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open(database, { readOnly: true });
  try {
    return await body(warehouse);
  } finally {
    warehouse.close();
  }
}

const count = (database: string, sql: string) => withReadOnly(database, (warehouse) => warehouse.scalar<number>(sql));

/** A checksum of the transfers mart, to show the incremental run and the full refresh give the same table. */
function transfersChecksum(database: string, marts: string): Promise<string> {
  return withReadOnly(database, async (warehouse) => {
    const columns = (await warehouse.rows<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = '${marts}' and table_name = 'transfers' order by ordinal_position`,
    )).map((c) => `"${c.column_name}"`);
    return String(await warehouse.scalar(`select count(*) || ':' || sum(hash(${columns.join(", ")})) from "${marts}".transfers`));
  });
}

export interface SuiteOptions {
  /** The project context of the `gp2gp` commands the suite runs (workflow_settings.yaml's vars; they get no --vars). */
  context: ProjectContext;
  scales: Scale[];
  practices: number;
  seed: number;
  dir: string;
  /** Called after every phase with the figures so far (so that a failing phase leaves the earlier ones recorded). */
  onPhase?: (phases: PhaseFigures[], checks: Record<string, boolean>) => void;
  /** Receives lines to show while it runs. */
  onProgress?: (text: string) => void;
}

export interface SuiteFigures {
  readonly phases: PhaseFigures[];
  /** Per scale, the reference in seconds: one ordered window pass over the staged messages after the full run. */
  readonly references: Partial<Record<Scale, number>>;
  readonly checks: Record<string, boolean>;
}

export async function benchSuite(options: SuiteOptions): Promise<SuiteFigures> {
  const say = options.onProgress ?? (() => undefined);
  const { datasets } = options.context;
  const days = Math.max(...options.scales.map((s) => SCALES[s])) + 1;
  const dataDir = path.join(options.dir, `national-${options.practices}p-${days}d-s${options.seed}`);
  if (!fs.existsSync(path.join(dataDir, "manifest.json"))) {
    say(`Generating ${days} days of national volume (${number.format(options.practices)} practices) in ${dataDir} …\n`);
    const t0 = Date.now();
    await generate({ outDir: dataDir, start: "2025-01-06", days, practices: options.practices, seed: options.seed });
    say(`  generated in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const spineFiles = fs.readdirSync(path.join(dataDir, "spine")).sort().map((f) => path.join(dataDir, "spine", f));
  const reference = path.join(dataDir, "reference");
  const referenceFiles = fs.readdirSync(reference).sort();
  const log = fs.createWriteStream(path.join(options.dir, "suite.log"), { flags: "a" });
  const phases: PhaseFigures[] = [];
  const references: Partial<Record<Scale, number>> = {};
  const checks: Record<string, boolean> = {};
  const pending: Omit<PhaseFigures, "ratio">[] = [];
  // A scale's phases are kept until its reference is timed (after its full run), then recorded with their ratios.
  const record = (figures: Omit<PhaseFigures, "loadAverage" | "ratio">) => {
    pending.push({ ...figures, loadAverage: Math.round(os.loadavg()[0]! * 10) / 10 });
    const reference = references[figures.scale];
    if (reference === undefined) return;
    for (const phase of pending.splice(0)) phases.push({ ...phase, ratio: Math.round((phase.seconds / reference) * 10) / 10 });
    options.onPhase?.(phases, checks);
  };

  for (const scale of options.scales) {
    const n = SCALES[scale];
    const database = path.join(options.dir, `suite-${scale}.duckdb`);
    for (const leftover of [database, `${database}.wal`]) fs.rmSync(leftover, { force: true });
    fs.rmSync(`${database}.tmp`, { recursive: true, force: true });
    const db = ["--database", database];
    say(`\n${scale}: ${n} day(s) of Spine exports …\n`);

    await gp2gp(["load", "ods", ...referenceFiles.filter((f) => f.endsWith("organisationMetadata.json")).map((f) => path.join(reference, f)), ...db], log, options.dir);
    await gp2gp(["load", "geography", ...referenceFiles.filter((f) => f.startsWith("geography")).map((f) => path.join(reference, f)), ...db], log, options.dir);
    const load = await gp2gp(["load", "spine", ...spineFiles.slice(0, n), ...db], log, options.dir);
    const messages = await count(database, `select count(*) from "${datasets.raw}".spine_messages`);
    record({ scale, phase: "load", rows: messages, seconds: load.seconds, rowsPerSecond: Math.round(messages / load.seconds), peakRssMiB: load.peakRssMiB });

    const runSummary = path.join(options.dir, `run-${scale}.json`);
    const full = await gp2gp(["run", "--no-tests", "--summary-json", runSummary, ...db], log, options.dir);
    references[scale] = await withReadOnly(database, (warehouse) => timeReference(warehouse, datasets));
    say(`  reference (one ordered window pass over the staged messages): ${references[scale]!.toFixed(2)} s\n`);
    record({ scale, phase: "full run", rows: messages, seconds: full.seconds, rowsPerSecond: Math.round(messages / full.seconds), peakRssMiB: full.peakRssMiB, slowest: slowest(runSummary), breakdown: runBreakdown(readSummary(runSummary), datasets) });

    const dailyLoad = await gp2gp(["load", "spine", spineFiles[n]!, ...db], log, options.dir);
    const dayRows = (await count(database, `select count(*) from "${datasets.raw}".spine_messages`)) - messages;
    record({ scale, phase: "daily load", rows: dayRows, seconds: dailyLoad.seconds, rowsPerSecond: Math.round(dayRows / dailyLoad.seconds), peakRssMiB: dailyLoad.peakRssMiB });
    const daily = await gp2gp(["run", "--no-tests", "--summary-json", runSummary, ...db], log, options.dir);
    record({ scale, phase: "daily run", rows: dayRows, seconds: daily.seconds, rowsPerSecond: Math.round(dayRows / daily.seconds), peakRssMiB: daily.peakRssMiB, slowest: slowest(runSummary), breakdown: runBreakdown(readSummary(runSummary), datasets) });
    const incremental = await transfersChecksum(database, datasets.marts);

    const refresh = await gp2gp(["run", "--no-tests", "--full-refresh", "--summary-json", runSummary, ...db], log, options.dir);
    const total = messages + dayRows;
    record({ scale, phase: "full refresh", rows: total, seconds: refresh.seconds, rowsPerSecond: Math.round(total / refresh.seconds), peakRssMiB: refresh.peakRssMiB, slowest: slowest(runSummary), breakdown: runBreakdown(readSummary(runSummary), datasets) });
    checks[`${scale}: incremental run equals full refresh`] = incremental === (await transfersChecksum(database, datasets.marts));
    options.onPhase?.(phases, checks);
  }
  log.end();
  const daily = (scale: Scale) => phases.find((p) => p.scale === scale && p.phase === "daily run")?.seconds;
  const [monthDaily, yearDaily] = [daily("month"), daily("year")];
  if (monthDaily !== undefined && yearDaily !== undefined) {
    say(`daily run at 12 months / daily run at 1 month: ${(yearDaily / monthDaily).toFixed(2)} (goal at most 1.2)\n`);
  }
  return { phases, references, checks };
}

