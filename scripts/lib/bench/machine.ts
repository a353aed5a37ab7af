/**
 * What every benchmark prints beside its figures: the machine it ran on, and this process's peak memory.
 */
import os from "node:os";

export interface MachineFigures {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
}

export function machine(): MachineFigures {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

/** Peak resident memory of this process in MiB (DuckDB runs in-process, so this covers the engine too). */
export function peakRssMiB(): number {
  // maxRSS is in kilobytes
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
