/**
 * `gp2gp generate`: deterministic synthetic Spine exports and reference files.
 */
import { Command, InvalidArgumentError } from "commander";
import { generate, type GenerateSummary } from "../lib/generate";

const number = new Intl.NumberFormat("en-GB");

const positiveInt = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return Number(value);
};

const isoDay = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError("expected YYYY-MM-DD");
  return value;
};

export function printGenerateSummary(summary: GenerateSummary, out: NodeJS.WritableStream = process.stdout): void {
  out.write(
    `Generated ${summary.days} days (${summary.start} to ${summary.end}) for ${number.format(summary.practices)} practices, seed ${summary.seed}: ` +
      `${number.format(summary.conversations.total)} conversations, ${summary.files.length} files in ${summary.outDir}\n`,
  );
}

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
      const summary = await generate({
        outDir: options.out,
        start: options.start,
        days: options.days,
        practices: options.practices,
        seed: options.seed,
        onProgress: (p) => {
          if (process.stdout.isTTY && !process.env.CI) process.stdout.write(`\r  ${p.day}: ${number.format(p.conversations)} conversations, ${number.format(p.rows)} rows   `);
        },
      });
      if (process.stdout.isTTY && !process.env.CI) process.stdout.write("\n");
      printGenerateSummary(summary);
    });
}
