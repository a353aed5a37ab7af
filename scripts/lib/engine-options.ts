/**
 * Options shared by commands: engine, database and extra vars for those that compile and run the graph, how long to
 * wait for the warehouse file for those that write it, and the time tolerance for those that load Spine exports.
 */
import { Command, Option } from "commander";
import { z } from "zod";
import type { Engine } from "../../includes/engine";
import { DEFAULT_TIME_TOLERANCE_DAYS, timeToleranceDays } from "./load/time-tolerance";
import { DEFAULT_LOCK_WAIT_SECONDS, describeLockWait, LockWait, resolveDatabasePath } from "./warehouse-file";

export const engineSchema = z.enum(["duckdb", "bigquery"]);

export function addEngineOptions(command: Command): Command {
  return addVarsOption(addEngineOption(command));
}

/** `--engine duckdb|bigquery` (env GP2GP_ENGINE, default duckdb) alone, for commands that add `--vars` themselves. */
export function addEngineOption(command: Command): Command {
  return command.addOption(new Option("--engine <engine>", "warehouse engine").choices(["duckdb", "bigquery"]).env("GP2GP_ENGINE").default("duckdb"));
}

/** `--vars`, for the commands that compile the graph or read the datasets it names (e.g. marts_dataset). */
export function addVarsOption(command: Command): Command {
  return command.option("--vars <k=v,...>", "compile vars merged over workflow_settings.yaml (cutoffs as 0;2;14)");
}

export function addDatabaseOption(command: Command): Command {
  return command.option("--database <file>", "DuckDB warehouse file (env GP2GP_DATABASE)", undefined);
}

/** `--time-tolerance-days` (env GP2GP_TIME_TOLERANCE_DAYS) for the commands that load Spine exports. */
export function addTimeToleranceOption(command: Command): Command {
  return command.addOption(
    new Option("--time-tolerance-days <days>", "how far a message time may lie outside its file's day before the row is rejected")
      .env("GP2GP_TIME_TOLERANCE_DAYS")
      .default(String(DEFAULT_TIME_TOLERANCE_DAYS)),
  );
}

export function timeToleranceOption(options: { timeToleranceDays?: string }): number {
  return timeToleranceDays(options.timeToleranceDays ?? DEFAULT_TIME_TOLERANCE_DAYS, "--time-tolerance-days (env GP2GP_TIME_TOLERANCE_DAYS)");
}

/**
 * --lock-wait for the commands that write the warehouse (run, load, start): how long to wait while another process
 * (an analyst's `gp2gp sql`, a report build) has the file open, before failing.
 */
export function addLockWaitOption(command: Command): Command {
  return command.addOption(
    new Option("--lock-wait <seconds>", "wait up to this long for the warehouse file while another process reads it")
      .env("GP2GP_LOCK_WAIT_SECONDS")
      .default(String(DEFAULT_LOCK_WAIT_SECONDS)),
  );
}

/** The parsed --lock-wait, printing to stderr what the command waits for while it waits. */
export function lockWaitOf(options: { lockWait?: string }): LockWait {
  const value = options.lockWait ?? String(DEFAULT_LOCK_WAIT_SECONDS);
  const seconds = z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number).safeParse(value);
  if (!seconds.success) throw new Error(`--lock-wait (GP2GP_LOCK_WAIT_SECONDS): "${value}" is not a number of seconds`);
  return { seconds: seconds.data, onWait: (wait) => process.stderr.write(`${describeLockWait(wait)}\n`) };
}

export function databasePath(options: { database?: string }): string {
  return resolveDatabasePath(options.database);
}

export function parseVarsOption(value?: string): Record<string, string> {
  if (!value) return {};
  const vars: Record<string, string> = {};
  for (const pair of value.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--vars: "${pair}" is not key=value`);
    vars[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return vars;
}

export function engineOf(options: { engine?: string }): Engine {
  return engineSchema.parse(options.engine ?? "duckdb");
}
