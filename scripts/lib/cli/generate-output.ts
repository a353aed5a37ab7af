/**
 * What `gp2gp generate` (and `gp2gp start`, when it makes the demo set) prints: the summary of what was generated,
 * the calibration table, and the progress of a generation run.
 */
import cliProgress from "cli-progress";
import type { GenerateProgress, GenerateSummary } from "../generate";
import type { CalibrationRow } from "../generate/calibration";
import { formatRows } from "../runner/reporter";
import { number } from "./format";

export function printGenerateSummary(summary: GenerateSummary, out: NodeJS.WritableStream = process.stdout): void {
  const churn = summary.organisations.churn;
  out.write(
    `Generated ${summary.days} days (${summary.start} to ${summary.end}) for ${number.format(summary.practices)} practices, seed ${summary.seed}: ` +
      `${number.format(summary.conversations.total)} conversations, ${number.format(summary.rows.written)} rows, ${summary.files.length} files in ${summary.outDir}\n`,
  );
  if (Object.keys(summary.organisations.byMonth).length > 1) {
    out.write(
      `Practice changes over the months: ${churn.closure} closed, ${churn.merger} merged, ${churn.move} moved Sub-ICB location, ${churn.opening} opened\n`,
    );
  }
}

/** The calibration table as the CLI prints it: numbers with thousands separators, "–" where nothing is published. */
export function formatCalibration(rows: readonly CalibrationRow[]): string {
  const show = (value: number | null) => (value === null ? "–" : Number.isInteger(value) && Math.abs(value) >= 1000 ? number.format(value) : String(value));
  return formatRows(
    rows.map((r) => ({ measure: r.measure, generated: show(r.generated), published: show(r.published), source: r.source })),
    140,
  );
}

/**
 * Progress of a generation run: a cli-progress bar (days written, rows, rows/s) on an interactive terminal, plain
 * lines every `intervalSeconds` when the output is not a terminal or CI is set.
 */
export class GenerateProgressReporter {
  private bar?: cliProgress.SingleBar;
  private daysDone = 0;
  private rows = 0;
  private readonly started = Date.now();
  private lastLine = this.started;

  constructor(
    private readonly days: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly interactive = Boolean(process.stdout.isTTY) && !process.env.CI,
    private readonly intervalSeconds = 10,
  ) {
    if (this.interactive) {
      this.bar = new cliProgress.SingleBar(
        {
          format: "  Generating [{bar}] {value}/{total} days | {day} | {rows} rows | {rate} rows/s | ETA {eta_formatted}",
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 7,
          stream: this.out,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(days, 0, { day: "starting", rows: "0", rate: "0" });
    }
  }

  private rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? Math.round(this.rows / seconds) : 0;
  }

  update(progress: GenerateProgress): void {
    this.daysDone++;
    this.rows += progress.rows;
    if (this.bar) {
      this.bar.update(this.daysDone, { day: progress.day, rows: number.format(this.rows), rate: number.format(this.rate()) });
    } else if (Date.now() - this.lastLine >= this.intervalSeconds * 1000 || this.daysDone === this.days) {
      this.lastLine = Date.now();
      this.out.write(
        `  … ${progress.day}: ${this.daysDone}/${this.days} days, ${number.format(this.rows)} rows, ${number.format(this.rate())} rows/s\n`,
      );
    }
  }

  /** Ends the bar; after a successful run, prints the totals. */
  stop(succeeded: boolean): void {
    this.bar?.stop();
    if (!succeeded) return;
    const seconds = (Date.now() - this.started) / 1000;
    this.out.write(`Wrote ${number.format(this.rows)} rows in ${seconds.toFixed(1)} s (${number.format(this.rate())} rows/s)\n`);
  }
}
