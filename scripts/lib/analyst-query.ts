/**
 * Analysts' SQL against the DuckDB warehouse (`gp2gp sql`), read-only in every sense:
 *
 * - the file is opened with DuckDB's access_mode READ_ONLY, then external access is turned off and the
 *   configuration locked (Warehouse.open's `sandboxed`), so no statement can read or write any other file (COPY,
 *   ATTACH, EXPORT, read_csv(), read_text(), INSTALL) or turn that back on;
 * - before anything runs, DuckDB's own parser checks that the text is exactly one statement and that it is a query
 *   (SELECT, WITH, FROM-first, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, PIVOT with its values listed, or EXPLAIN of
 *   one of them): `json_serialize_sql` serialises query statements only, and the prepared statement's type must be
 *   SELECT or EXPLAIN. Anything else (COPY, ATTACH, DETACH, EXPORT, INSTALL, LOAD, PRAGMA, SET, CALL, CREATE, INSERT,
 *   …) is refused, naming the statement;
 * - the only way to write a result is `out`: the rows are copied into a separate in-memory DuckDB, which writes the
 *   csv, json or parquet file under a temporary name that is then renamed into place; the warehouse is closed before
 *   the file is written, so the query holds the warehouse no longer than it runs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, StatementType } from "@duckdb/node-api";
import { helpersFor } from "../../includes/engine";
import { DEFAULT_MEMORY_LIMIT, LockWait, normaliseValue, quoteIdent, Row, Warehouse } from "./duckdb";
import { replaceFileAtomically } from "./files";
import { formatRows } from "./runner/reporter";

/** How rows are printed. */
export type PrintFormat = "table" | "csv" | "json";
/** The formats `out` writes. */
export const FILE_FORMATS = ["csv", "json", "parquet"] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** The statement is not one query, or reaches outside the warehouse: nothing was run. */
export class RefusedQueryError extends Error {}

const ALLOWED = "one query (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, or EXPLAIN of one of them)";
const NOTHING_RUN = "Nothing was run.";
const OUT_ADVICE = "To save a result, pass --out FILE (.csv, .json or .parquet).";

export interface AnalystQueryOptions {
  database: string;
  query: string;
  /** Write the result to this file instead of returning its rows. */
  out?: { file: string; format: FileFormat };
  /** How long to wait while a writer has the warehouse open (default: fail at once). */
  lockWait?: LockWait;
}

export type AnalystQueryResult =
  | { kind: "rows"; rows: Row[] }
  | { kind: "file"; file: string; format: FileFormat; rows: number; bytes: number };

/** Checks and runs one analyst query against the warehouse; see the top of this file. */
export async function runAnalystQuery(options: AnalystQueryOptions): Promise<AnalystQueryResult> {
  if (options.out) refuseWarehouseTarget(options.out.file, options.database);
  const warehouse = await Warehouse.open(options.database, { readOnly: true, sandboxed: true, lockWait: options.lockWait });
  let closed = false;
  const close = () => {
    if (!closed) warehouse.close();
    closed = true;
  };
  try {
    const prepared = await checkAnalystQuery(warehouse.connection, options.query);
    if (!options.out) {
      const reader = await runChecked(prepared, () => prepared.runAndReadAll());
      return { kind: "rows", rows: reader.getRowObjectsJS().map((row) => normaliseValue(row) as Row) };
    }
    const out = options.out;
    const result = await writeResult(prepared, out, close);
    return { kind: "file", file: path.resolve(out.file), format: out.format, ...result };
  } finally {
    close();
  }
}

/**
 * Refuses (RefusedQueryError, before anything runs) all but exactly one query statement; returns it prepared. The
 * connection must be sandboxed (external access off) so that preparing cannot touch a file either.
 */
export async function checkAnalystQuery(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  if (sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, "").trim().replace(/;$/, "") === "") throw new RefusedQueryError(`The query is empty: gp2gp sql runs ${ALLOWED}.`);
  let extracted;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw new RefusedQueryError(`The query does not parse: ${messageOf(error)}`);
  }
  if (extracted.count === 0) throw new RefusedQueryError(`The query is empty: gp2gp sql runs ${ALLOWED}.`);
  if (extracted.count > 1) {
    throw new RefusedQueryError(
      `DuckDB reads the text as ${extracted.count} statements (separated by ";", or a PIVOT without its IN list, which first creates a type): ` +
        `gp2gp sql runs exactly ${ALLOWED}. ${NOTHING_RUN}`,
    );
  }
  if (!(await isQuery(connection, sql))) {
    const keyword = leadingKeyword(sql);
    const explainOf = keyword === "EXPLAIN" ? withoutExplain(sql) : undefined;
    if (explainOf === undefined || !(await isQuery(connection, explainOf))) {
      const inner = leadingKeyword(explainOf ?? "");
      const what = keyword === "EXPLAIN" ? `an EXPLAIN of ${withArticle(inner || "another")} statement` : `${withArticle(keyword || "unknown")} statement`;
      const advice = ["COPY", "EXPORT"].includes(keyword) ? ` ${OUT_ADVICE}` : "";
      throw new RefusedQueryError(`gp2gp sql runs ${ALLOWED} and nothing else; this is ${what}, which is refused. ${NOTHING_RUN}${advice}`);
    }
  }
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (error) {
    throw refusalOrError(error);
  }
  if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) {
    throw new RefusedQueryError(`gp2gp sql runs ${ALLOWED}; DuckDB prepares this as ${withArticle(StatementType[prepared.statementType] ?? "unknown")} statement, which is refused. ${NOTHING_RUN}`);
  }
  return prepared;
}

/** TRUE when DuckDB's parser reads `sql` as one query statement (json_serialize_sql serialises nothing else). */
async function isQuery(connection: DuckDBConnection, sql: string): Promise<boolean> {
  const reader = await connection.runAndReadAll("select json_serialize_sql($1::varchar) as tree", [sql]);
  const tree = JSON.parse(String(reader.getRowObjectsJS()[0]?.tree)) as { error?: boolean; statements?: unknown[] };
  return !tree.error && tree.statements?.length === 1;
}

/** The first keyword of a statement, after comments, white space and opening brackets, in capitals ("" if none). */
function leadingKeyword(sql: string): string {
  const match = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z_]+)/.exec(sql);
  return match ? match[1]!.toUpperCase() : "";
}

/** "a COPY", "an ATTACH". */
function withArticle(word: string): string {
  return `${/^[AEIOU]/i.test(word) ? "an" : "a"} ${word}`;
}

/** The statement an EXPLAIN [ANALYZE] explains, or undefined when the text does not have that shape. */
function withoutExplain(sql: string): string | undefined {
  const match = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*explain\s+(?:analy[sz]e\s+)?/i.exec(sql);
  return match ? sql.slice(match[0].length) : undefined;
}

/** A failure to reach a file (external access is off) as a refusal; any other error unchanged. */
function refusalOrError(error: unknown): Error {
  const message = messageOf(error);
  if (/file system operations are disabled|external access/i.test(message)) {
    return new RefusedQueryError(
      `The query reaches outside the warehouse (${message.split("\n")[0]}): gp2gp sql reads the warehouse's tables only, ` +
        `with DuckDB's external access off. ${NOTHING_RUN}`,
    );
  }
  return error instanceof Error ? error : new Error(message);
}

async function runChecked<T>(prepared: DuckDBPreparedStatement, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw refusalOrError(error);
  } finally {
    prepared.destroySync();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Streams the result into an in-memory DuckDB (no file of its own), closes the warehouse (`closeWarehouse`), and
 * writes the file from there under a temporary name that is renamed into place.
 */
async function writeResult(
  prepared: DuckDBPreparedStatement,
  out: { file: string; format: FileFormat },
  closeWarehouse: () => void,
): Promise<{ rows: number; bytes: number }> {
  const spill = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-sql-"));
  const sink = await DuckDBInstance.create(":memory:", {
    memory_limit: process.env.GP2GP_DUCKDB_MEMORY_LIMIT ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: spill,
  });
  const connection = await sink.connect();
  try {
    let rows = 0;
    await runChecked(prepared, async () => {
      const result = await prepared.stream();
      const names = uniqueNames(result.columnNames());
      const types = result.columnTypes().map(String);
      await connection.run(`create table result (${names.map((name, i) => `${quoteIdent(name)} ${types[i]}`).join(", ")})`);
      const appender = await connection.createAppender("result");
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        appender.appendDataChunk(chunk);
        rows += chunk.rowCount;
      }
      appender.flushSync();
      appender.closeSync();
    });
    closeWarehouse();
    const file = path.resolve(out.file);
    const options = { csv: "format csv, header true", json: "format json, array true", parquet: "format parquet" }[out.format];
    await replaceFileAtomically(file, async (temporary) => {
      await connection.run(`copy result to ${helpersFor("duckdb").stringLiteral(temporary)} (${options})`);
    });
    return { rows, bytes: fs.statSync(file).size };
  } finally {
    connection.closeSync();
    sink.closeSync();
    fs.rmSync(spill, { recursive: true, force: true });
  }
}

/** Column names made unique as DuckDB compares them (case-insensitively): a second `a` becomes `a_1`. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name || "column";
    for (let n = 1; seen.has(candidate.toLowerCase()); n++) candidate = `${name}_${n}`;
    seen.add(candidate.toLowerCase());
    return candidate;
  });
}

/** Refuses an output file that is the warehouse or one of the files DuckDB and the lock keep beside it. */
function refuseWarehouseTarget(file: string, database: string): void {
  const real = (p: string) => {
    const resolved = path.resolve(p);
    try {
      return path.join(fs.realpathSync(path.dirname(resolved)), path.basename(resolved));
    } catch {
      return resolved;
    }
  };
  const target = real(file);
  const warehouse = real(database);
  const companions = [warehouse, `${warehouse}.wal`, `${warehouse}.lock`, `${warehouse}.tmp`];
  if (companions.includes(target) || target.startsWith(`${warehouse}.tmp${path.sep}`)) {
    throw new RefusedQueryError(`--out ${file} is the warehouse ${database} or a file DuckDB keeps beside it: choose another file. ${NOTHING_RUN}`);
  }
}

/** The format to write `file` in: `format` when given, else the file's extension (.csv, .json, .parquet). */
export function fileFormatOf(file: string, format?: string): FileFormat {
  const wanted = format ?? path.extname(file).slice(1).toLowerCase();
  if ((FILE_FORMATS as readonly string[]).includes(wanted)) return wanted as FileFormat;
  throw new Error(
    format
      ? `--format ${format} cannot be written to a file: use ${FILE_FORMATS.join(", ")}.`
      : `--out ${file}: name a .csv, .json or .parquet file, or give --format ${FILE_FORMATS.join("|")}.`,
  );
}

/** Rows as the command prints them: an aligned table, CSV with a header, or a JSON array. */
export function renderRows(rows: Row[], format: PrintFormat, maxWidth = 60): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "csv") {
    if (rows.length === 0) return "";
    const columns = Object.keys(rows[0]!);
    const values = rows.map((r) => columns.map((c) => (r[c] !== null && typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c])));
    return stringify([columns, ...values]);
  }
  if (rows.length === 0) return "(no rows)\n";
  return `${formatRows(rows, maxWidth)}\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`;
}
