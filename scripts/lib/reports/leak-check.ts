/**
 * The leak check of a public reports site: no file of the site may hold a conversation ID or an ASID that the data
 * knows, no data file may have a column named like one, and no page may link to a page the public site leaves out.
 *
 * It runs on every public build (scripts/lib/reports/finish.ts), over the extracts before the pages are built and
 * over every file of the built site after: HTML, JavaScript, JSON and any other file are read as bytes; parquet
 * files (data/**) are decoded with DuckDB and Arrow files (api/prerendered_queries/*.arrow) with apache-arrow, every
 * value of every column read as text; a .gz or .br file is decompressed first. It is one pass per file:
 *
 * 1. Everything shaped like an identifier is collected: a UUID (a conversation ID) or a 12-digit number (an ASID;
 *    9 to 11 digits in a numeric column, an ASID that lost its leading zeros). A public site holds few such values.
 * 2. The values collected are looked up among the identifiers the data knows, in one query per 2,000 values
 *    (IdentifierLookup): for the DuckDB source, the warehouse's conversation IDs and the ASIDs of the marts'
 *    transfers and the staged stg_practice_asids (gp2gp_marts, gp2gp_staged by default); for the BigQuery source,
 *    those of the marts' transfers on BigQuery, read with the credentials the build extracted with.
 *
 * So the cost is one read of each file, whatever the size of the warehouse.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Datasets } from "../../../includes/config";
import { helpersFor } from "../../../includes/engine";
import { createBigQueryClient, resolveBigQueryCredentials, type ResolvedBigQueryCredentials } from "../bigquery-credentials";
import { Warehouse } from "../duckdb";
import { filesUnder } from "../files";
import { INTERNAL_COLUMN } from "./audience";
import { SOURCE_NAME } from "./project";

/** A UUID (conversation ID) or a 12-digit number standing alone (ASID). */
const IDENTIFIER_SHAPE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9])[0-9]{12}(?![0-9])/gi;
/** The same shapes for DuckDB's regexp_matches (RE2: no look-around), and 9–11 digits alone (an ASID as a number). */
const DUCKDB_SHAPE = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9]{12}|^[0-9]{9,11}$";
/** Bytes read at a time from a file, and kept from one read to the next so that no identifier is cut in two. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const OVERLAP = 64;
/** Values looked up per query. */
const LOOKUP_BATCH = 2000;
const duckdb = helpersFor("duckdb");

/** The identifiers the data knows, asked about a few values at a time. */
export interface IdentifierLookup {
  /** Where the identifiers are read from, for messages. */
  readonly description: string;
  /** Which of the values (upper case) are conversation IDs or ASIDs of the data. */
  known(values: readonly string[]): Promise<Set<string>>;
}

/**
 * The conversation IDs and ASIDs of a DuckDB warehouse (opened read-only, and only when there is a value to look up),
 * in the marts and staged datasets of the project context.
 */
export function warehouseIdentifiers(database: string, datasets: Pick<Datasets, "marts" | "staged">): IdentifierLookup {
  return {
    description: `the warehouse ${database}`,
    async known(values) {
      const found = new Set<string>();
      if (values.length === 0) return found;
      const warehouse = await Warehouse.open(database, { readOnly: true });
      try {
        const sets = transferIdentifierSets(datasets.marts);
        if (await warehouse.tableExists(datasets.staged, "stg_practice_asids")) sets.push(`select asid from ${datasets.staged}.stg_practice_asids`);
        for (let at = 0; at < values.length; at += LOOKUP_BATCH) {
          const list = values.slice(at, at + LOOKUP_BATCH).map(duckdb.stringLiteral).join(", ");
          const rows = await warehouse.rows<{ v: string }>(`select v from unnest([${list}]) as candidates(v) where ${sets.map((set) => `v in (${set})`).join(" or ")}`);
          for (const { v } of rows) found.add(v);
        }
      } finally {
        warehouse.close();
      }
      return found;
    },
  };
}

/** The part of a BigQuery client the lookup uses. */
export interface BigQueryQueryClient {
  query(options: { query: string; params: Record<string, unknown>; location?: string }): Promise<[Record<string, unknown>[], ...unknown[]]>;
}

/** The queries of the conversation IDs (upper case) and ASIDs of the transfers of the marts dataset `marts`. */
function transferIdentifierSets(marts: string): string[] {
  return [`select upper(conversation_id) from ${marts}.transfers`, `select requesting_practice_asid from ${marts}.transfers`, `select sending_practice_asid from ${marts}.transfers`];
}

/** The SQL that looks values up among the conversation IDs and ASIDs of `marts`.transfers on BigQuery (@values: ARRAY<STRING>). */
export function bigQueryLookupSql(marts: string): string {
  return `select v from unnest(@values) as v\nwhere ${transferIdentifierSets(marts).map((set) => `v in (${set})`).join("\n  or ")}`;
}

/**
 * The credentials of the reports' BigQuery source, resolved offline (scripts/lib/bigquery-credentials.ts): the
 * service account of EVIDENCE_SOURCE__gp2gp__client_email and …__private_key (authenticator service-account, the
 * default), else application default credentials (gcloud-cli; and oauth, whose token only Evidence uses).
 * Throws BigQueryCredentialsError when nothing supplies them.
 */
export function reportsSourceCredentials(env: NodeJS.ProcessEnv): ResolvedBigQueryCredentials {
  const prefix = `EVIDENCE_SOURCE__${SOURCE_NAME}__`;
  const [email, key] = [env[`${prefix}client_email`], env[`${prefix}private_key`]];
  const serviceAccount = (env[`${prefix}authenticator`] ?? "service-account") === "service-account" && email && key;
  return resolveBigQueryCredentials({
    env,
    projectId: env[`${prefix}project_id`],
    projectHint: `${prefix}project_id`,
    ...(serviceAccount ? { serviceAccount: { clientEmail: email, privateKey: key.replace(/\\n/g, "\n"), origin: `${prefix}client_email` } } : {}),
  });
}

/**
 * The conversation IDs and ASIDs of the transfers of the marts dataset `marts` on BigQuery, read with the credentials
 * of the build's BigQuery source (reportsSourceCredentials), resolved when the first value is looked up.
 */
export function bigQueryIdentifiers(env: NodeJS.ProcessEnv, marts: string, client?: BigQueryQueryClient): IdentifierLookup {
  const prefix = `EVIDENCE_SOURCE__${SOURCE_NAME}__`;
  const location = env[`${prefix}location`] ?? "europe-west2";
  let bigquery = client;
  return {
    description: `BigQuery (project ${env[`${prefix}project_id`] ?? "?"}, ${marts}.transfers)`,
    async known(values) {
      const found = new Set<string>();
      if (values.length === 0) return found;
      bigquery ??= createBigQueryClient(reportsSourceCredentials(env), location) as unknown as BigQueryQueryClient;
      for (let at = 0; at < values.length; at += LOOKUP_BATCH) {
        const [rows] = await bigquery.query({ query: bigQueryLookupSql(marts), params: { values: values.slice(at, at + LOOKUP_BATCH) }, location });
        for (const row of rows) found.add(String(row.v));
      }
      return found;
    },
  };
}

export interface LeakCheckOptions {
  lookup: IdentifierLookup;
  /** Site paths of pages left out of the site (e.g. "/operations/transfers/"): no file may link to one. */
  excludedRoutes?: readonly string[];
  /** The path the site is served under ("" or e.g. "/editions/2026-08"), for the links. */
  basePath?: string;
  onProgress?: (message: string) => void;
}

export interface LeakFinding {
  /** Relative to the folder checked. */
  file: string;
  what: string;
}

export interface LeakCheckResult {
  files: number;
  /** Files read, by extension (".html", ".parquet", ".arrow", …). */
  filesByKind: Record<string, number>;
  bytes: number;
  /** Values shaped like an identifier that were looked up. */
  valuesLookedUp: number;
  findings: LeakFinding[];
  seconds: number;
}

export class LeakCheckError extends Error {
  constructor(
    message: string,
    readonly result: LeakCheckResult,
  ) {
    super(message);
  }
}

/** Checks every file under `dir`; throws a LeakCheckError naming each file and what it holds when anything is found. */
export async function assertNoLeaks(dir: string, options: LeakCheckOptions): Promise<LeakCheckResult> {
  const result = await findLeaks(dir, options);
  if (result.findings.length > 0) {
    const lines = result.findings.slice(0, 50).map((f) => `${f.file}: ${f.what}`);
    if (result.findings.length > 50) lines.push(`… and ${result.findings.length - 50} more`);
    throw new LeakCheckError(`The leak check found transfer-level identifiers in ${dir} (looked up in ${options.lookup.description}):\n  ${lines.join("\n  ")}`, result);
  }
  return result;
}

/** Every finding of the leak check over the files under `dir` (see the file comment). */
export async function findLeaks(dir: string, options: LeakCheckOptions): Promise<LeakCheckResult> {
  const started = Date.now();
  const findings: LeakFinding[] = [];
  /** Each value shaped like an identifier, upper case, with where it was seen (file and, for data files, column). */
  const seen = new Map<string, Set<string>>();
  const note = (value: string, where: string) => {
    const key = value.toUpperCase();
    let places = seen.get(key);
    if (!places) seen.set(key, (places = new Set()));
    if (places.size < 20) places.add(where);
  };
  const basePath = options.basePath ?? "";
  const links = (options.excludedRoutes ?? []).flatMap((route) => [...new Set([`"${basePath}${route}"`, `"${route}"`])]);

  const files = filesUnder(dir);
  const filesByKind: Record<string, number> = {};
  let bytes = 0;
  let duck: DuckDBInstance | undefined;
  let scratch: string | undefined;
  try {
    for (const [index, file] of files.entries()) {
      const relative = path.relative(dir, file).split(path.sep).join("/");
      bytes += fs.statSync(file).size;
      if (index % 2000 === 0 && index > 0) options.onProgress?.(`leak check: ${index} of ${files.length} files read`);
      let kind = path.extname(file).toLowerCase();
      filesByKind[kind] = (filesByKind[kind] ?? 0) + 1;
      let content: Buffer | undefined;
      if (kind === ".gz" || kind === ".br") {
        const raw = fs.readFileSync(file);
        content = kind === ".gz" ? zlib.gunzipSync(raw) : zlib.brotliDecompressSync(raw);
        kind = path.extname(file.slice(0, -kind.length)).toLowerCase();
      }
      if (kind === ".parquet") {
        duck ??= await DuckDBInstance.create(":memory:");
        let parquet = file;
        if (content) {
          scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-leak-check-"));
          parquet = path.join(scratch, "decompressed.parquet");
          fs.writeFileSync(parquet, content);
        }
        findings.push(...(await scanParquet(duck, parquet, relative, note)));
      } else if (kind === ".arrow") {
        findings.push(...scanArrow(content ?? fs.readFileSync(file), relative, note));
      } else {
        const text = scanText(content ?? file, (value) => note(value, relative), links.length > 0 ? links : undefined);
        for (const link of text.links) findings.push({ file: relative, what: `links to ${link.replace(/"/g, "")}, a page left out of the public site` });
      }
    }
  } finally {
    duck?.closeSync();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }

  const values = [...seen.keys()];
  const known = await options.lookup.known(values);
  for (const value of [...known].sort()) {
    for (const where of seen.get(value) ?? []) findings.push({ file: where.split("#")[0]!, what: `holds ${value}, a conversation ID or ASID of the data${where.includes("#") ? ` (column ${where.split("#")[1]})` : ""}` });
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.what.localeCompare(b.what));
  return { files: files.length, filesByKind, bytes, valuesLookedUp: values.length, findings, seconds: (Date.now() - started) / 1000 };
}

/**
 * Reads a file (or bytes) as Latin-1 text, a chunk at a time, passing each value shaped like an identifier to `onValue`
 * and returning which of `links` it holds.
 */
function scanText(source: string | Buffer, onValue: (value: string) => void, links?: readonly string[]): { links: string[] } {
  const foundLinks = new Set<string>();
  const scan = (text: string, first: boolean, last: boolean) => {
    // A match touching either end of a chunk may be cut short there: it is taken whole from the neighbouring read.
    for (const match of text.matchAll(IDENTIFIER_SHAPE)) {
      const end = match.index + match[0].length;
      if ((first || match.index > 0) && (last || end < text.length)) onValue(match[0]);
    }
    for (const link of links ?? []) if (text.includes(link)) foundLinks.add(link);
  };
  if (typeof source !== "string") {
    scan(source.toString("latin1"), true, true);
    return { links: [...foundLinks] };
  }
  const fd = fs.openSync(source, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = "";
    let first = true;
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      const text = carry + buffer.toString("latin1", 0, read);
      const last = read === 0 || read < CHUNK_BYTES;
      scan(text, first, last);
      if (last) break;
      carry = text.slice(-OVERLAP);
      first = false;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { links: [...foundLinks] };
}

/** A parquet file: columns named like an identifier, and every value shaped like one (values read as text). */
async function scanParquet(duck: DuckDBInstance, file: string, label: string, note: (value: string, where: string) => void): Promise<LeakFinding[]> {
  const findings: LeakFinding[] = [];
  const connection = await duck.connect();
  try {
    const source = `read_parquet(${duckdb.stringLiteral(file)})`;
    const columns = (await connection.runAndReadAll(`describe select * from ${source}`)).getRowObjectsJS().map((row) => String(row.column_name));
    for (const column of columns) if (INTERNAL_COLUMN.test(column)) findings.push({ file: label, what: `column ${column} is named like a conversation ID or ASID` });
    if (columns.length === 0) return findings;
    const rows = (
      await connection.runAndReadAll(
        `select distinct column_name, v
         from (unpivot (select columns(*)::varchar from ${source}) on columns(*) into name column_name value v)
         where regexp_matches(v, ${duckdb.stringLiteral(DUCKDB_SHAPE)})`,
      )
    ).getRowObjectsJS();
    for (const row of rows) valuesOf(String(row.v), (value) => note(value, `${label}#${String(row.column_name)}`));
  } finally {
    connection.closeSync();
  }
  return findings;
}

/** An Arrow IPC file (a prerendered query): columns named like an identifier, and every value shaped like one. */
function scanArrow(bytes: Buffer, label: string, note: (value: string, where: string) => void): LeakFinding[] {
  const { tableFromIPC } = require("apache-arrow") as typeof import("apache-arrow");
  const findings: LeakFinding[] = [];
  const table = tableFromIPC(bytes);
  for (const field of table.schema.fields) {
    if (INTERNAL_COLUMN.test(field.name)) findings.push({ file: label, what: `column ${field.name} is named like a conversation ID or ASID` });
    const column = table.getChild(field.name);
    if (!column) continue;
    for (const value of column) {
      if (value === null || value === undefined) continue;
      const text = typeof value === "object" ? JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner)) : String(value);
      valuesOf(text, (found) => note(found, `${label}#${field.name}`));
    }
  }
  return findings;
}

/** The values shaped like an identifier in one decoded value; a number of 9 to 11 digits is an ASID that lost its leading zeros. */
function valuesOf(text: string, onValue: (value: string) => void): void {
  if (/^[0-9]{9,11}$/.test(text)) onValue(text.padStart(12, "0"));
  for (const match of text.matchAll(IDENTIFIER_SHAPE)) onValue(match[0]);
}
