/**
 * `gp2gp generate`: deterministic synthetic Spine exports and reference files, with a progress bar on a terminal
 * (a line every few seconds otherwise) and, at the end, the generated outcome mix next to the published figures
 * it is calibrated to.
 */
import { Command, InvalidArgumentError } from "commander";
import type { GenerateSummary } from "../lib/generate";

const positiveInt = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return Number(value);
};

const isoDay = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError("expected YYYY-MM-DD");
  return value;
};

export function registerGenerateCommand(program: Command): void {
  program
    .command("generate")
    .description("Write synthetic daily Spine exports (spine/) and reference files (reference/), deterministic for a seed")
    .requiredOption("--out <dir>", "output folder")
    .option("--start <YYYY-MM-DD>", "first UTC day", isoDay, "2026-08-03")
    .option("--days <n>", "number of days", positiveInt("--days"), 28)
    .option("--practices <n>", "number of practices", positiveInt("--practices"), 300)
    .option("--seed <n>", "random seed", positiveInt("--seed"), 1)
    .action(async (options) => {
      const [{ formatCalibration, GenerateProgressReporter, printGenerateSummary }, { generate }, { calibrationReport }] = await Promise.all([
        import("../lib/cli/generate-output"),
        import("../lib/generate"),
        import("../lib/generate/calibration"),
      ]);
      const progress = new GenerateProgressReporter(options.days);
      let summary: GenerateSummary;
      try {
        summary = await generate({
          outDir: options.out,
          start: options.start,
          days: options.days,
          practices: options.practices,
          seed: options.seed,
          onProgress: (p) => progress.update(p),
        });
      } catch (error) {
        progress.stop(false);
        throw error;
      }
      progress.stop(true);
      printGenerateSummary(summary);
      process.stdout.write(
        `\nGenerated outcome mix at the 14-day cutoff (intended outcomes) and other calibrated measures, next to the published figures:\n` +
          `${formatCalibration(calibrationReport(summary)).replace(/^/gm, "  ")}\n`,
      );
    });
}
