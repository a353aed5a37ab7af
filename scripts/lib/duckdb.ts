/**
 * The embedded DuckDB warehouse: one file, one schema per BigQuery dataset, UTC everywhere.
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
// DuckDB itself is loaded when a warehouse is first opened, so that commands which never open one start fast.
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Datasets } from "../../includes/config";
import { helpersFor } from "../../includes/engine";
import { accessErrorCode, fileAccessMessage } from "./files";
import { acquireLock, commandLineOf, liveWriter, readLock, shorten } from "./lock";
import { describeHolder, type FileHolder, type LockWait, type LockWaitEvent } from "./warehouse-file";

export type { LockWait, LockWaitEvent };

/** DuckDB buffer pool size unless GP2GP_DUCKDB_MEMORY_LIMIT says otherwise. */
export const DEFAULT_MEMORY_LIMIT = "2000MB";
/** Most a build may spill to `<database>.tmp/` unless GP2GP_DUCKDB_MAX_TEMP_SIZE says otherwise (DuckDB's own default
 * is 90% of the free disk space, which a runaway build fills). */
export const DEFAULT_MAX_TEMP_SIZE = "20GB";
/** Write-ahead log size that makes DuckDB checkpoint, unless GP2GP_DUCKDB_CHECKPOINT_THRESHOLD says otherwise. */
export const DEFAULT_CHECKPOINT_THRESHOLD = "1GB";

export type Row = Record<string, unknown>;

export interface OpenOptions {
  readOnly?: boolean;
  /**
   * Read-only sessions for analysts' SQL: external access off and configuration locked once the file is open, and
   * a writer holding the writers' lock (running, or waiting for the file) goes first.
   */
  sandboxed?: boolean;
  lockWait?: LockWait;
  /** Read-write opens: the layer schemas to create when they do not exist (the command's project context). */
  datasets?: Datasets;
}

/** The warehouse file is open in another process, and stayed so for as long as the open was allowed to wait. */
export class WarehouseBusyError extends Error {}
/** The warehouse, its folder or a file beside it cannot be created or opened for lack of permission. */
export class WarehouseAccessError extends Error {}

const WRITABLE_ADVICE =
  "The warehouse needs a folder this user can write (DuckDB writes a .wal file and a lock file beside the database): " +
  "make it writable, or point --database (GP2GP_DATABASE) at a warehouse in a writable folder.";

/** The holder named in DuckDB's "Conflicting lock is held in <program> (PID n)" message. */
export function holderOf(message: string): FileHolder {
  const match = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (!match) return {};
  const pid = Number(match[2]);
  return { pid, command: shorten(commandLineOf(pid) ?? match[1]!, 160) };
}

const LOCK_CONFLICT = /Could not set lock on file|Conflicting lock is held/i;
const PERMISSION = /Permission denied|Read-only file system|Operation not permitted/i;

/**
 * Creates the DuckDB instance, retrying while another process holds a conflicting lock on the file (see open). With
 * `yieldToWriters` (analysts' queries) a live writer's lock file counts as a conflict too, so that a writer waiting
 * for the file is not kept waiting by queries that keep starting.
 */
async function openInstance(
  file: string,
  config: Record<string, string>,
  options: { readOnly: boolean; yieldToWriters: boolean },
  lockWait: LockWait = { seconds: 0 },
): Promise<DuckDBInstance> {
  const started = performance.now();
  let delayMs = 100;
  let reported: { pid?: number; at: number } | undefined;
  for (;;) {
    let holder: FileHolder;
    const writer = options.yieldToWriters ? liveWriter(file) : undefined;
    if (writer) holder = { pid: writer.pid, command: writer.command };
    else {
      try {
        const { DuckDBInstance } = await import("@duckdb/node-api");
        return await DuckDBInstance.create(file, config);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (PERMISSION.test(message)) {
          const code = /Read-only file system/i.test(message) ? "EROFS" : /Operation not permitted/i.test(message) ? "EPERM" : "EACCES";
          throw new WarehouseAccessError(
            options.readOnly
              ? fileAccessMessage("open the warehouse", file, code, "Reading it needs read access to the file: ask its owner, or query a copy.")
              : fileAccessMessage("open the warehouse for writing", file, code, WRITABLE_ADVICE),
          );
        }
        if (!LOCK_CONFLICT.test(message)) throw error;
        holder = holderOf(message);
      }
    }
    const waitedSeconds = (performance.now() - started) / 1000;
    if (waitedSeconds + delayMs / 1000 > lockWait.seconds) throw new WarehouseBusyError(busyMessage(file, holder, options.readOnly, lockWait.seconds));
    // Report the first wait, a change of holder, and then every 30 s.
    if (!reported || reported.pid !== holder.pid || waitedSeconds - reported.at >= 30) {
      reported = { pid: holder.pid, at: waitedSeconds };
      lockWait.onWait?.({ file, holder, waitedSeconds, limitSeconds: lockWait.seconds });
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 2000);
  }
}

function busyMessage(file: string, holder: FileHolder, readOnly: boolean, waitedSeconds: number): string {
  const writer = readLock(`${file}.lock`);
  const who = writer && writer.pid === holder.pid ? `process ${writer.pid} (\`${writer.command}\`, started ${writer.startedAt}, per ${file}.lock)` : describeHolder(holder);
  const waited = waitedSeconds > 0 ? ` after waiting ${waitedSeconds} s` : "";
  if (readOnly) {
    return (
      `The warehouse ${file} is being written by ${who}${waited} (or that command is waiting to write it); it cannot be read until that finishes. ` +
      `Try again when it has finished, or pass --lock-wait SECONDS to wait for it.`
    );
  }
  return (
    `The warehouse ${file} is still open in ${who}${waited}. A command that writes the warehouse needs the file to itself: ` +
    `wait for that process to finish (or stop it), then run again. --lock-wait SECONDS (or GP2GP_LOCK_WAIT_SECONDS) sets how long to wait.`
  );
}

export class Warehouse {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /**
   * Opens (creating if needed) the database file, sets UTC and creates the schemas of `datasets`. While another process has
   * the file open in a conflicting mode (DuckDB allows one writer or any number of readers), retries with backoff for
   * up to `lockWait.seconds`, reporting each wait through `lockWait.onWait`, then fails naming the file and the holder.
   */
  static async open(databasePath: string, options: OpenOptions = {}): Promise<Warehouse> {
    const resolved = path.resolve(databasePath);
    if (!options.readOnly) {
      try {
        fs.mkdirSync(path.dirname(resolved), { recursive: true });
      } catch (error) {
        const code = accessErrorCode(error);
        if (code) throw new WarehouseAccessError(fileAccessMessage("create the warehouse folder", path.dirname(resolved), code, WRITABLE_ADVICE));
        throw error;
      }
    } else if (!fs.existsSync(resolved)) throw new Error(`No warehouse at ${resolved}: run \`gp2gp load\` and \`gp2gp run\` first (or \`npm start\`).`);
    // DuckDB's buffer pool defaults to 80% of the machine's memory; a bounded pool that spills to a folder beside
    // the database keeps a national-scale run within a few GB (GP2GP_DUCKDB_MEMORY_LIMIT overrides it).
    const config: Record<string, string> = {
      memory_limit: process.env.GP2GP_DUCKDB_MEMORY_LIMIT ?? DEFAULT_MEMORY_LIMIT,
      temp_directory: `${resolved}.tmp`,
      max_temp_directory_size: process.env.GP2GP_DUCKDB_MAX_TEMP_SIZE ?? DEFAULT_MAX_TEMP_SIZE,
      // Every order the models rely on is explicit (the ordering key, ORDER BY); not preserving insertion order lets
      // large builds stream and spill instead of running out of memory.
      preserve_insertion_order: "false",
      // DuckDB checkpoints whenever its write-ahead log passes 16 MB; a daily run passed that many times, and each
      // checkpoint rewrote the changed blocks of the large tables (12 months: the daily run 25.0 s → 19.0 s in the
      // runner with 1 GB). The database is checkpointed when it is closed, so a run leaves no log behind.
      checkpoint_threshold: process.env.GP2GP_DUCKDB_CHECKPOINT_THRESHOLD ?? DEFAULT_CHECKPOINT_THRESHOLD,
    };
    if (options.readOnly) config.access_mode = "READ_ONLY";
    if (process.env.GP2GP_DUCKDB_THREADS) config.threads = process.env.GP2GP_DUCKDB_THREADS;
    const instance = await openInstance(resolved, config, { readOnly: Boolean(options.readOnly), yieldToWriters: Boolean(options.sandboxed) }, options.lockWait);
    const connection = await instance.connect();
    await connection.run("set TimeZone = 'UTC'");
    if (options.sandboxed) {
      if (!options.readOnly) throw new Error("A sandboxed warehouse must be opened read-only");
      // No file outside the database can be read or written (COPY, ATTACH, EXPORT, read_*(), INSTALL), and no
      // statement can change a setting back.
      await connection.run("set enable_external_access = false");
      await connection.run("set lock_configuration = true");
    }
    const warehouse = new Warehouse(resolved, instance, connection);
    if (!options.readOnly && options.datasets) {
      for (const schema of Object.values(options.datasets)) await connection.run(`create schema if not exists ${quoteIdent(schema)}`);
    }
    return warehouse;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a query and returns its rows as plain objects (BIGINTs as numbers when safe, timestamps as ISO strings). */
  async rows<T extends Row = Row>(sql: string): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => normaliseRow(row)) as T[];
  }

  async scalar<T = unknown>(sql: string): Promise<T> {
    const rows = await this.rows(sql);
    const first = rows[0];
    return (first ? Object.values(first)[0] : undefined) as T;
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    const count = await this.scalar<number>(
      `select count(*) from information_schema.tables where table_schema = ${sqlString(schema)} and table_name = ${sqlString(table)}`,
    );
    return count > 0;
  }

  /** Runs `body` in one transaction, rolling back if it throws. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.connection.run("begin transaction");
    try {
      const result = await body();
      await this.connection.run("commit");
      return result;
    } catch (error) {
      try {
        await this.connection.run("rollback");
      } catch {
        // The transaction may already be aborted; the original error is the one to report.
      }
      throw error;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export interface WithWarehouseOptions {
  /** How long to wait while readers have the file open (default: fail at once). */
  lockWait?: LockWait;
  /** The layer schemas to create when they do not exist. */
  datasets?: Datasets;
}

/**
 * For the commands that write the warehouse: takes the writers' lock (scripts/lib/lock.ts: a second writer is
 * refused at once, naming the holder), opens the file (waiting up to `lockWait` while readers have it open, creating
 * the schemas of `datasets`), runs `body`, closes and releases whatever happens.
 */
export async function withWarehouse<T>(database: string, command: string, body: (warehouse: Warehouse) => Promise<T>, options: WithWarehouseOptions = {}): Promise<T> {
  const release = acquireLock(database, command);
  try {
    const warehouse = await Warehouse.open(database, { lockWait: options.lockWait, datasets: options.datasets });
    try {
      return await body(warehouse);
    } finally {
      warehouse.close();
    }
  } finally {
    release();
  }
}

export function normaliseValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value && typeof value === "object") return normaliseRow(value as Row);
  return value;
}

function normaliseRow(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normaliseValue(value);
  return out;
}

/** A DuckDB string literal: the engine include's escaper, the one every caller uses. */
export const sqlString = (value: string): string => helpersFor("duckdb").stringLiteral(value);

/** Quotes an identifier for DuckDB: the engine include's quoting. */
export const quoteIdent = (name: string): string => helpersFor("duckdb").identifier(name);
