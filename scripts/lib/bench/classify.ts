/**
 * The classification benchmark behind `gp2gp bench classify`: generates (or reuses) a month of synthetic Spine data of
 * about N conversations, loads it into a fresh warehouse and times the classification (staged → correlated →
 * transfers) for the configured cutoffs: rows, seconds per model, messages per second and peak RSS.
 */
import fs from "node:fs";
import path from "node:path";
import { number } from "../cli/format";
import { Warehouse } from "../duckdb";
import { generate } from "../generate";
import { loadFolder } from "../load/folder";
import { runPipeline } from "../pipeline";
import type { ProjectContext } from "../project-context";
import { SilentReporter } from "../runner/reporter";
import { machine, peakRssMiB, type MachineFigures } from "./machine";

/** Conversations a practice requests in a 30-day month in the generator's default calibration (≈ 250k / 6,300). */
const CONVERSATIONS_PER_PRACTICE_MONTH = 40;

export interface ClassifyBenchOptions {
  /** The project context the graph runs with (its cutoffs and datasets). */
  context: ProjectContext;
  conversations: number;
  days: number;
  seed: number;
  dir: string;
  json?: string;
  /** Receives lines to show while it runs (generation, classification). */
  onProgress?: (text: string) => void;
}

export interface BenchFigures {
  readonly benchmark: string;
  readonly machine: MachineFigures;
  readonly cutoffs: readonly number[];
  readonly conversations: number;
  readonly messages: number;
  readonly steps: readonly { step: string; rows: number | null; seconds: number }[];
  readonly loadSeconds: number;
  readonly classifySeconds: number;
  readonly messagesPerSecond: number;
  readonly peakRssMiB: number;
}

export async function benchClassify(options: ClassifyBenchOptions): Promise<BenchFigures> {
  const say = options.onProgress ?? (() => undefined);
  const practices = Math.max(1, Math.round((options.conversations / CONVERSATIONS_PER_PRACTICE_MONTH) * (30 / options.days)));
  const dataDir = path.join(options.dir, `data-${practices}p-${options.days}d-s${options.seed}`);
  if (!fs.existsSync(path.join(dataDir, "manifest.json"))) {
    say(`Generating ${options.days} days for ${number.format(practices)} practices in ${dataDir} …\n`);
    const t0 = Date.now();
    await generate({ outDir: dataDir, start: "2026-03-02", days: options.days, practices, seed: options.seed });
    say(`  generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const database = path.join(options.dir, "bench.duckdb");
  fs.rmSync(database, { force: true });
  fs.rmSync(`${database}.wal`, { force: true });

  const { vars, datasets } = options.context;
  const warehouse = await Warehouse.open(database, { datasets });
  try {
    const loadStarted = Date.now();
    await loadFolder(warehouse, dataDir, { raw: datasets.raw });
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    say(`\nClassifying for cutoffs ${vars.cutoff_days.join(", ")} …\n`);
    const reporter = new SilentReporter();
    const summary = await runPipeline({
      engine: "duckdb",
      database,
      warehouse,
      reporter,
      selection: { actions: ["transfers"], includeDependencies: true },
    });
    if (!summary.ok) throw new Error(`The classification run failed: ${summary.outcomes.filter((o) => o.status !== "done").map((o) => `${o.action.name}: ${o.error}`).join("; ")}`);
    const steps = summary.outcomes
      .filter((o) => o.action.kind !== "declaration")
      .map((o) => ({ step: o.action.name, rows: o.result?.rows ?? null, seconds: Math.round(o.seconds * 100) / 100 }));
    const classifySeconds = Math.round(steps.reduce((t, s) => t + s.seconds, 0) * 100) / 100;
    const messages = await warehouse.scalar<number>(`select count(*) from "${datasets.staged}".stg_spine_messages`);
    const conversations = await warehouse.scalar<number>(`select count(*) from "${datasets.correlated}".conversations where starts_with_request`);
    return {
      benchmark: "classify",
      machine: machine(),
      cutoffs: vars.cutoff_days,
      conversations,
      messages,
      steps,
      loadSeconds: Math.round(loadSeconds * 100) / 100,
      classifySeconds,
      messagesPerSecond: Math.round(messages / classifySeconds),
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    warehouse.close();
  }
}
