/**
 * The embedded DuckDB warehouse: one file, one schema per BigQuery dataset, UTC everywhere.
 */
import fs from "node:fs";
import path from "node:path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { datasets } from "../../includes/config";
import { helpersFor } from "../../includes/engine";

export const DEFAULT_DATABASE = "warehouse/gp2gp.duckdb";
/** DuckDB buffer pool size unless GP2GP_DUCKDB_MEMORY_LIMIT says otherwise. */
export const DEFAULT_MEMORY_LIMIT = "2000MB";
/** Most a build may spill to `<database>.tmp/` unless GP2GP_DUCKDB_MAX_TEMP_SIZE says otherwise (DuckDB's own default
 * is 90% of the free disk space, which a runaway build fills). */
export const DEFAULT_MAX_TEMP_SIZE = "20GB";
/** Write-ahead log size that makes DuckDB checkpoint, unless GP2GP_DUCKDB_CHECKPOINT_THRESHOLD says otherwise. */
export const DEFAULT_CHECKPOINT_THRESHOLD = "1GB";

/** The database path from --database, then GP2GP_DATABASE, then the default. */
export function resolveDatabasePath(option?: string): string {
  return path.resolve(option ?? process.env.GP2GP_DATABASE ?? DEFAULT_DATABASE);
}

export type Row = Record<string, unknown>;

export class Warehouse {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** Opens (creating if needed) the database file, sets UTC and creates the layer schemas. */
  static async open(databasePath: string, options: { readOnly?: boolean } = {}): Promise<Warehouse> {
    const resolved = path.resolve(databasePath);
    if (!options.readOnly) fs.mkdirSync(path.dirname(resolved), { recursive: true });
    else if (!fs.existsSync(resolved)) throw new Error(`No warehouse at ${resolved}: run \`gp2gp load\` and \`gp2gp run\` first (or \`npm start\`).`);
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
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(resolved, config);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/lock/i.test(message)) {
        throw new Error(`The warehouse ${resolved} is in use by another process: ${message}`);
      }
      throw error;
    }
    const connection = await instance.connect();
    await connection.run("set TimeZone = 'UTC'");
    const warehouse = new Warehouse(resolved, instance, connection);
    if (!options.readOnly) {
      for (const schema of Object.values(datasets)) await connection.run(`create schema if not exists "${schema}"`);
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

/** Quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
