/**
 * Console output of a run: one line per action (kind, name, rows, seconds), a progress bar for long steps on a
 * terminal (a line every 15 s otherwise), failing assertion rows as a table, and a summary.
 */
import cliProgress from "cli-progress";
import type { ActionOutcome, Reporter, RunSummary } from "./runner";
import type { Action, Row } from "./types";

import { number } from "../cli/format";
/** Action names are cut to this width so the columns line up (built-in assertion names are long). */
const NAME_WIDTH = 72;

export function formatRows(rows: readonly Row[], maxWidth = 40): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
  };
  const table = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...table.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(" | ");
  return [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...table.map(line)].join("\n");
}

export class ConsoleReporter implements Reporter {
  private bar?: cliProgress.SingleBar;
  private lastLine = 0;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly interactive = Boolean(process.stdout.isTTY) && !process.env.CI,
  ) {}

  actionStarted(): void {
    this.lastLine = 0;
  }

  actionProgress(action: Action, elapsed: number, percentage?: number): void {
    if (this.interactive) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          { format: `  ${action.name} [{bar}] {percentage}% {duration}s`, hideCursor: true, clearOnComplete: true, stream: this.out },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(100, 0);
      }
      this.bar.update(Math.max(0, Math.min(100, Math.round(percentage ?? 0))));
    } else if (elapsed - this.lastLine >= 15) {
      this.lastLine = elapsed;
      this.out.write(`  … ${action.name} still running after ${Math.round(elapsed)} s${percentage !== undefined ? ` (${Math.round(percentage)}%)` : ""}\n`);
    }
  }

  actionFinished(outcome: ActionOutcome, index: number, total: number): void {
    this.bar?.stop();
    this.bar = undefined;
    const position = `[${String(index + 1).padStart(String(total).length)}/${total}]`;
    const status = outcome.status === "failed" ? "FAILED " : outcome.status === "skipped" ? "SKIPPED" : "ok     ";
    const rows = outcome.result?.rows !== undefined && outcome.action.kind !== "assertion" ? `${number.format(outcome.result.rows)} rows` : "";
    const bytes = outcome.result?.bytesProcessed !== undefined ? `${number.format(outcome.result.bytesProcessed)} bytes` : "";
    const detail = [rows, bytes, outcome.result?.detail].filter(Boolean).join(", ");
    const name = outcome.action.name.length > NAME_WIDTH ? `${outcome.action.name.slice(0, NAME_WIDTH - 1)}…` : outcome.action.name;
    this.out.write(`${position} ${status} ${outcome.action.kind.padEnd(11)} ${name.padEnd(NAME_WIDTH)} ${outcome.seconds.toFixed(2).padStart(7)} s  ${detail}\n`);
    if (outcome.error) this.out.write(`        ${outcome.error.split("\n").join("\n        ")}\n`);
    if (outcome.sample?.length) this.out.write(`${formatRows(outcome.sample).replace(/^/gm, "        ")}\n`);
  }

  runFinished(summary: RunSummary): void {
    const count = (predicate: (o: ActionOutcome) => boolean) => summary.outcomes.filter(predicate).length;
    const built = count((o) => o.status === "done" && o.action.kind !== "declaration");
    const assertions = count((o) => o.action.kind === "assertion" && o.status === "passed");
    const tests = count((o) => o.action.kind === "test" && o.status === "passed");
    const failed = count((o) => o.status === "failed");
    const skipped = count((o) => o.status === "skipped");
    this.out.write(
      `\nRun ${summary.ok ? "finished" : "FAILED"} in ${summary.seconds.toFixed(1)} s: ${built} actions built, ${assertions} assertions passed, ` +
        `${tests} unit tests passed, ${failed} failed, ${skipped} skipped.\n`,
    );
    if (summary.assertionResultsError) this.out.write(`WARNING: ${summary.assertionResultsError}\n`);
  }
}

/** A reporter that records outcomes and prints nothing (tests, benchmarks). */
export class SilentReporter implements Reporter {
  readonly outcomes: ActionOutcome[] = [];
  actionStarted(): void {}
  actionProgress(): void {}
  actionFinished(outcome: ActionOutcome): void {
    this.outcomes.push(outcome);
  }
  runFinished(): void {}
}
