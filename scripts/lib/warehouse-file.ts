/**
 * The warehouse file as the command line names it: where it is, how long a writer waits for it, and what a wait
 * reports. Kept apart from scripts/lib/duckdb.ts so that parsing a command's options loads no database code.
 */
import path from "node:path";

export const DEFAULT_DATABASE = "warehouse/gp2gp.duckdb";
/** The database path from --database, then GP2GP_DATABASE, then the default. */
export function resolveDatabasePath(option?: string): string {
  return path.resolve(option ?? process.env.GP2GP_DATABASE ?? DEFAULT_DATABASE);
}

/** How long an open waits for another process to release the database file, and what it reports while waiting. */
export interface LockWait {
  /** 0: fail at once. */
  seconds: number;
  onWait?: (wait: LockWaitEvent) => void;
}

export interface LockWaitEvent {
  file: string;
  holder: FileHolder;
  waitedSeconds: number;
  limitSeconds: number;
}

/** Seconds a writer (`gp2gp run`, `load`, `start`) waits for the warehouse unless --lock-wait or GP2GP_LOCK_WAIT_SECONDS says otherwise. */
export const DEFAULT_LOCK_WAIT_SECONDS = 300;

/** The process DuckDB names as holding a file, with its command line where the system shows it (Linux /proc). */
export interface FileHolder {
  pid?: number;
  command?: string;
}

/** Who holds a file, as the wait messages name it. */
export function describeHolder(holder: FileHolder): string {
  if (holder.pid === undefined) return "another process";
  return holder.command ? `process ${holder.pid} (\`${holder.command}\`)` : `process ${holder.pid}`;
}

/** One line saying what an open is waiting for (printed by the commands while they wait). */
export function describeLockWait(wait: LockWaitEvent): string {
  return (
    `Waiting for ${wait.file}: it is open in ${describeHolder(wait.holder)}; ` +
    `waited ${Math.round(wait.waitedSeconds)} s of at most ${wait.limitSeconds} s (--lock-wait, GP2GP_LOCK_WAIT_SECONDS).`
  );
}
