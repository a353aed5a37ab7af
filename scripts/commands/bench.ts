/**
 * `gp2gp bench classify --conversations N`: generates (or reuses) a month of synthetic Spine data of about N
 * conversations, loads it into a fresh warehouse and times the classification (staged → correlated → transfers)
 * for the configured cutoffs: rows, seconds per model, messages per second and peak RSS. Prints a table and
 * writes the figures as JSON.
 */
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { vars } from "../../includes/config";
import { machine, peakRssMiB, type MachineFigures } from "../lib/bench/machine";
import { Warehouse } from "../lib/duckdb";
import { generate } from "../lib/generate";
import { runPipeline } from "../lib/pipeline";
import { SilentReporter } from "../lib/runner/reporter";
import { formatRows } from "../lib/runner/reporter";
import { loadFolder } from "./start";
import { registerBenchSuiteCommand } from "./bench-suite";
import { benchReports } from "../lib/bench/reports";
import { stepProgressPrinter } from "../lib/reports/progress";

const number = new Intl.NumberFormat("en-GB");

/** Conversations a practice requests in a 30-day month in the generator's default calibration (≈ 250k / 6,300). */
const CONVERSATIONS_PER_PRACTICE_MONTH = 40;

export interface ClassifyBenchOptions {
  conversations: number;
  days: number;
  seed: number;
  dir: string;
  json?: string;
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
  const practices = Math.max(1, Math.round((options.conversations / CONVERSATIONS_PER_PRACTICE_MONTH) * (30 / options.days)));
  const dataDir = path.join(options.dir, `data-${practices}p-${options.days}d-s${options.seed}`);
  if (!fs.existsSync(path.join(dataDir, "manifest.json"))) {
    process.stdout.write(`Generating ${options.days} days for ${number.format(practices)} practices in ${dataDir} …\n`);
    const t0 = Date.now();
    await generate({ outDir: dataDir, start: "2026-03-02", days: options.days, practices, seed: options.seed });
    process.stdout.write(`  generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const database = path.join(options.dir, "bench.duckdb");
  fs.rmSync(database, { force: true });
  fs.rmSync(`${database}.wal`, { force: true });

  const warehouse = await Warehouse.open(database);
  try {
    const loadStarted = Date.now();
    await loadFolder(warehouse, dataDir);
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    process.stdout.write(`\nClassifying for cutoffs ${vars.cutoff_days.join(", ")} …\n`);
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
    const messages = await warehouse.scalar<number>("select count(*) from gp2gp_staged.stg_spine_messages");
    const conversations = await warehouse.scalar<number>("select count(*) from gp2gp_correlated.conversations where starts_with_request");
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

export function printFigures(figures: BenchFigures): void {
  const out = process.stdout;
  out.write(`\n${formatRows(figures.steps.map((s) => ({ step: s.step, rows: s.rows === null ? "" : number.format(s.rows), seconds: s.seconds.toFixed(2) })))}\n\n`);
  out.write(
    `conversations ${number.format(figures.conversations)}, messages ${number.format(figures.messages)}, cutoffs ${figures.cutoffs.join(",")}\n` +
      `load ${figures.loadSeconds.toFixed(1)} s; classification ${figures.classifySeconds.toFixed(1)} s = ${number.format(figures.messagesPerSecond)} messages/s; ` +
      `peak RSS ${number.format(figures.peakRssMiB)} MiB\n` +
      `machine: ${figures.machine.cpus} × ${figures.machine.cpuModel}, ${figures.machine.memoryGiB} GiB, Node ${figures.machine.node}\n`,
  );
}

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a positive whole number");
  return Number(value);
};

export function registerBenchCommands(program: Command): void {
  const bench = program.command("bench").description("Benchmarks that print their figures (time, rows per second, peak memory)");
  bench
    .command("classify")
    .description("Time the classification of about N conversations of generated data for the configured cutoffs")
    .option("--conversations <n>", "conversations to generate (a month of national volume is about 250,000)", positiveInt, 250_000)
    .option("--days <n>", "days the conversations are spread over", positiveInt, 30)
    .option("--seed <n>", "generator seed", positiveInt, 1)
    .option("--dir <dir>", "working folder (generated data is kept and reused)", path.join("warehouse", "bench"))
    .option("--json <file>", "also write the figures as JSON to this file")
    .action(async (options) => {
      fs.mkdirSync(options.dir, { recursive: true });
      const figures = await benchClassify(options);
      printFigures(figures);
      const json = options.json ?? path.join(options.dir, "classify.json");
      fs.writeFileSync(json, `${JSON.stringify(figures, null, 2)}\n`);
      process.stdout.write(`figures written to ${json}\n`);
    });
  registerBenchSuiteCommand(bench);
  bench
    .command("reports")
    .description("Build the public reports site from the national month warehouse of `gp2gp bench suite`: pages, seconds, pages/s, peak RSS, site size, each phase as a ratio to a reference query")
    .option("--dir <dir>", "working folder of `gp2gp bench suite` (the site is built into <dir>/reports-site)", path.join("warehouse", "bench"))
    .option("--database <file>", "the warehouse to build from (default <dir>/suite-month.duckdb)")
    .option("--json <file>", "where to write the figures (default <dir>/reports.json)")
    .action(async (options) => {
      const database = path.resolve(options.database ?? path.join(options.dir, "suite-month.duckdb"));
      process.stdout.write(`Building the public reports site from ${database} …\n`);
      const figures = await benchReports({ database, dir: options.dir, onProgress: stepProgressPrinter() });
      const ratio = (seconds: number) => `${(seconds / figures.referenceSeconds).toFixed(1)} ×`;
      const phases = [
        { phase: "reference: one ordered window pass over the staged messages", seconds: figures.referenceSeconds },
        { phase: "extract the marts (evidence sources)", seconds: figures.seconds.sources },
        { phase: `Evidence pages (${figures.pages.evidence})`, seconds: figures.seconds.evidenceBuild },
        { phase: `organisation pages (${number.format(figures.pages.organisation)})`, seconds: figures.seconds.organisationPages },
        { phase: "whole build", seconds: figures.seconds.total },
      ];
      process.stdout.write(`\n${formatRows(phases.map((p) => ({ phase: p.phase, "ratio to reference": ratio(p.seconds), seconds: p.seconds.toFixed(p.seconds < 10 ? 2 : 1) })))}\n\n`);
      process.stdout.write(
        `${number.format(figures.pages.total)} pages in ${figures.seconds.total.toFixed(1)} s = ${figures.pagesPerSecond} pages/s; peak RSS ${number.format(figures.peakRssMiB)} MiB (this process and Evidence's)\n` +
          `site: ${number.format(figures.site.files)} files, ${(figures.site.bytes / 2 ** 20).toFixed(1)} MiB; largest practice page with its stylesheet and script, gzipped: ${(figures.site.practicePageGzipBytes / 1024).toFixed(1)} KiB\n` +
          `warehouse: ${number.format(figures.practices)} practices, ${number.format(figures.stagedMessages)} staged messages; load average ${figures.loadAverage}\n`,
      );
      const json = options.json ?? path.join(options.dir, "reports.json");
      fs.writeFileSync(json, `${JSON.stringify({ ...figures, machine: machine() }, null, 2)}\n`);
      process.stdout.write(`figures written to ${json}\n`);
    });
}
