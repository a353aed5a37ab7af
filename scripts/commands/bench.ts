/**
 * `gp2gp bench classify|suite|reports`: the benchmarks, each a library function (scripts/lib/bench/) whose figures
 * this prints as a table and writes as JSON.
 */
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { benchClassify, type BenchFigures } from "../lib/bench/classify";
import { machine } from "../lib/bench/machine";
import { benchSuite, SCALES, type PhaseFigures, type Scale } from "../lib/bench/suite";
import { number } from "../lib/cli/format";
import { projectContext } from "../lib/project-context";
import { formatRows } from "../lib/runner/reporter";
import { benchReports } from "../lib/bench/reports";
import { stepProgressPrinter } from "../lib/reports/progress";


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
      const figures = await benchClassify({ ...options, context: projectContext({ engine: "duckdb" }), onProgress: (text) => process.stdout.write(text) });
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
      const figures = await benchReports({ database, dir: options.dir, context: projectContext({ engine: "duckdb" }), onProgress: stepProgressPrinter() });
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

function registerBenchSuiteCommand(bench: Command): void {
  bench
    .command("suite")
    .description("Load, full run, daily incremental run and full refresh at 1 day, 1 month and 12 months of national volume")
    .option("--scales <list>", "day, month, year (comma separated)", "day,month,year")
    .option("--practices <n>", "practices (national volume is about 6,300)", "6300")
    .option("--seed <n>", "generator seed", "1")
    .option("--dir <dir>", "working folder (generated data is kept and reused)", path.join("warehouse", "bench"))
    .option("--json <file>", "where to write the figures (default <dir>/suite.json)")
    .action(async (options) => {
      const scales = String(options.scales).split(",").map((s) => s.trim()) as Scale[];
      for (const s of scales) if (!(s in SCALES)) throw new Error(`--scales: "${s}" is not one of day, month, year`);
      fs.mkdirSync(options.dir, { recursive: true });
      const json = options.json ?? path.join(options.dir, "suite.json");
      const m = machine();
      const write = (phases: PhaseFigures[], checks: Record<string, boolean>) =>
        fs.writeFileSync(json, `${JSON.stringify({ benchmark: "suite", machine: m, practices: Number(options.practices), phases, checks }, null, 2)}\n`);
      const { phases, checks } = await benchSuite({
        context: projectContext({ engine: "duckdb" }),
        scales,
        practices: Number(options.practices),
        seed: Number(options.seed),
        dir: options.dir,
        onPhase: write,
        onProgress: (text) => process.stdout.write(text),
      });
      const table = phases.map((p) => ({
        scale: p.scale,
        phase: p.phase,
        rows: number.format(p.rows),
        seconds: p.seconds.toFixed(1),
        "rows/s": number.format(p.rowsPerSecond),
        "peak RSS MiB": number.format(p.peakRssMiB),
        load: p.loadAverage.toFixed(1),
        "runner s (classify / marts / assertions)": p.breakdown
          ? `${p.breakdown.runner.toFixed(1)} (${p.breakdown.classify.toFixed(1)} / ${p.breakdown.marts.toFixed(1)} / ${p.breakdown.assertions.toFixed(1)})`
          : "",
        slowest: p.slowest ?? "",
      }));
      process.stdout.write(`\n${formatRows(table, 90)}\n\n`);
      for (const [check, ok] of Object.entries(checks)) process.stdout.write(`${ok ? "ok  " : "FAIL"} ${check}\n`);
      process.stdout.write(`machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}\n`);
      write(phases, checks);
      process.stdout.write(`figures written to ${json}\n`);
      if (Object.values(checks).some((ok) => !ok)) process.exitCode = 1;
    });
}
