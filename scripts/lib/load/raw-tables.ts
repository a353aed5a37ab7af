/**
 * The raw tables in the warehouse: created from RAW_TABLES (the one schema definition shared with the source
 * declarations), and a typed way to append reference rows to them.
 */
import { helpersFor } from "../../../includes/engine";
import { RAW_TABLES, rawTable } from "../../../includes/raw_schemas";
import { quoteIdent, type Warehouse } from "../duckdb";
import type { FileInfo, SourceKind } from "./common";

const duckdb = helpersFor("duckdb");

/** The raw dataset the loaders write: the project context's, passed by the command. */
export interface RawDatasetOption {
  /** The raw dataset (schema), e.g. gp2gp_raw. */
  readonly raw: string;
}

/** `"raw"."table"` */
export function rawName(raw: string, table: string): string {
  return `${quoteIdent(raw)}.${quoteIdent(table)}`;
}

/**
 * Creates every raw table that does not exist yet. An existing table whose columns differ from RAW_TABLES (a warehouse
 * made by an older version) is an error rather than something to load into.
 */
export async function ensureRawTables(warehouse: Warehouse, raw: string): Promise<void> {
  await warehouse.run(`create schema if not exists ${quoteIdent(raw)}`);
  for (const table of RAW_TABLES) {
    const columns = table.columns.map((c) => `${quoteIdent(c.name)} ${duckdb.type(c.type)}`).join(", ");
    await warehouse.run(`create table if not exists ${rawName(raw, table.name)} (${columns})`);
    const existing = await warehouse.rows<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
       where table_schema = ${duckdb.stringLiteral(raw)} and table_name = ${duckdb.stringLiteral(table.name)}
       order by ordinal_position`,
    );
    const found = existing.map((c) => `${c.column_name} ${c.data_type.toLowerCase()}`).join(", ");
    const expected = table.columns.map((c) => `${c.name} ${duckdb.type(c.type)}`).join(", ");
    const comparable = (text: string) => text.replace(/,\s+(?=\d)/g, ",");
    if (comparable(found) !== comparable(expected)) {
      throw new Error(`${raw}.${table.name} in ${warehouse.path} has columns (${found}), expected (${expected}); rebuild the warehouse`);
    }
  }
}

export type CellValue = string | number | null;

/**
 * Appends rows (keyed by column name; a missing key is NULL) to a raw table in the current transaction. Used for
 * reference data; Spine exports take the bulk CSV path instead.
 */
export async function appendRows(warehouse: Warehouse, raw: string, table: string, rows: Iterable<Readonly<Record<string, CellValue>>>): Promise<number> {
  const columns = rawTable(table).columns;
  const appender = await warehouse.connection.createAppender(table, raw);
  let count = 0;
  try {
    for (const row of rows) {
      for (const column of columns) {
        const value = row[column.name];
        if (value === null || value === undefined) appender.appendNull();
        else if (column.type === "INT64") appender.appendBigInt(BigInt(value));
        // DATE columns take 'YYYY-MM-DD' text, which the appender casts.
        else appender.appendVarchar(String(value));
      }
      appender.endRow();
      count++;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return count;
}

/**
 * A reference file read and checked (its rows validated in Node, the rejected ones counted and described), ready to
 * be written by either engine's loader: its rows for each raw table, given the load id they are written under.
 */
export interface ReferenceLoad {
  readonly kind: Exclude<SourceKind, "spine">;
  readonly file: FileInfo;
  /** 'YYYY-MM-DD', first day of the month, for monthly reference data; null for geography. */
  readonly referenceMonth: string | null;
  /** The raw tables the kind writes, in order; a replaced load's rows are cleared from each. */
  readonly tables: readonly string[];
  /** Each table's rows (keyed by column name; a missing key is NULL) under `loadId`. */
  rows(loadId: number): ReadonlyMap<string, readonly Readonly<Record<string, CellValue>>[]>;
  /** Data rows read, rows rejected, and the first rejection messages. */
  readonly total: number;
  readonly rejected: number;
  readonly rejections: readonly string[];
}

/** The rows a reference load writes to all its tables. */
export function referenceRowCount(rows: ReturnType<ReferenceLoad["rows"]>): number {
  let count = 0;
  for (const tableRows of rows.values()) count += tableRows.length;
  return count;
}

/** Writes a reference load's rows to the DuckDB warehouse in the current transaction. */
export async function appendReferenceRows(warehouse: Warehouse, raw: string, load: ReferenceLoad, loadId: number) {
  let loaded = 0;
  for (const [table, rows] of load.rows(loadId)) loaded += await appendRows(warehouse, raw, table, rows);
  return { rows: load.total, loaded, rejected: load.rejected, rejections: load.rejections };
}
