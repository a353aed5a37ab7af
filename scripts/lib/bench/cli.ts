/**
 * `gp2gp bench cli`: how long the command takes to start, as analysts feel it. Times `gp2gp --help` and
 * `gp2gp sql "select 1"` (against an empty warehouse) as child processes, with a reference timed in the same run:
 * Node starting and exiting with nothing to do (`node -e 0`). Each is run several times, alternating, and the median
 * is kept, so a busy moment of the machine does not decide a figure.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Warehouse } from "../duckdb";
import { PROJECT_DIR } from "../paths";

const GP2GP = path.join(PROJECT_DIR, "scripts", "gp2gp.js");
// Plain JavaScript, loaded without compiling anything (see scripts/build-cli.js).
const { compiledEntry } = require(path.join(PROJECT_DIR, "scripts", "build-cli.js")) as { compiledEntry: () => string | undefined };

export interface CliStartFigures {
  readonly runs: number;
  /** Whether the command ran from the JavaScript compiled at install (else from its sources, with ts-node). */
  readonly compiled: boolean;
  readonly referenceSeconds: number;
  readonly commands: readonly { readonly command: string; readonly seconds: number; readonly ratio: number }[];
}

export interface CliStartOptions {
  /** Runs of each command (default 7). */
  readonly runs?: number;
  readonly onProgress?: (text: string) => void;
}

function timed(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchCliStart(options: CliStartOptions = {}): Promise<CliStartFigures> {
  const runs = options.runs ?? 7;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-bench-cli-"));
  try {
    const database = path.join(dir, "empty.duckdb");
    (await Warehouse.open(database)).close();
    const env = { ...process.env, GP2GP_DATABASE: database };
    const cases = [
      { command: "node -e 0 (reference)", args: ["-e", "0"] },
      { command: "gp2gp --help", args: [GP2GP, "--help"] },
      { command: 'gp2gp sql "select 1"', args: [GP2GP, "sql", "select 1"] },
    ];
    const times = cases.map(() => [] as number[]);
    for (const c of cases) timed(c.args, env); // one warm-up each: the first start reads the files from disk
    for (let run = 0; run < runs; run++) {
      options.onProgress?.(`run ${run + 1} of ${runs}\n`);
      cases.forEach((c, i) => times[i]!.push(timed(c.args, env)));
    }
    const referenceSeconds = median(times[0]!);
    return {
      runs,
      compiled: compiledEntry() !== undefined,
      referenceSeconds,
      commands: cases.slice(1).map((c, i) => ({ command: c.command, seconds: median(times[i + 1]!), ratio: median(times[i + 1]!) / referenceSeconds })),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
