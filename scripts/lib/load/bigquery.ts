/**
 * `gp2gp load spine|ods|asid-lookup|geography --engine bigquery`: files into the raw dataset on BigQuery, with the
 * rules of the DuckDB loader: the same row checks and reasons, rejected Spine rows kept in spine_messages_rejected,
 * one load_log row per file with its SHA-256, a file identical to the current load skipped, a changed one (or a second
 * file for a Spine day) replacing it, each file in one transaction.
 *
 * A Spine export: Node normalises it exactly as the DuckDB loader's step 1 does (spine.ts: row numbers, faults, the
 * text of rows that cannot be split, the checksum), a load job puts that normalised CSV into a staging table of the
 * raw dataset (source_row INT64, every other column STRING), and one multi-statement transaction runs the validation
 * SQL the DuckDB loader runs (spine-sql.ts, built from the BigQuery helpers) into spine_messages and
 * spine_messages_rejected and writes the load_log row. A reference file is read and checked in Node as for DuckDB
 * (ReferenceLoad); a load job puts its rows (newline-delimited JSON, so that an empty value stays apart from NULL)
 * into a staging table typed as the raw table, and the transaction copies them and writes load_log. Staging tables
 * are created with an expiry of a day and dropped after the load, so a load killed part-way leaves nothing behind
 * for long and nothing half-written: the transaction commits whole or not at all.
 *
 * Every statement is BigQuery Standard SQL built here or in spine-sql.ts/load-log.ts; tests run them through the
 * ZetaSQL analyzer. The client is injected (BigQueryLoadClient), so the loader is unit-tested without a network.
 *
 * A `gs://bucket/name` file (or for Spine a `gs://bucket/prefix/` folder) is downloaded to a temporary file named as
 * the object and loaded exactly as a local file (cloud-storage.ts): the rows are numbered and checked as the file is
 * read, so BigQuery never reads the object itself. The temporary file is deleted once the file is loaded.
 *
 * Loads into one raw dataset are serialised by a lock table, load_lock (one row, created with the raw tables; it is
 * BigQuery's alone, not a raw table, so the DuckDB loader and the graph never see it). Each file's transaction first
 * updates that row, then checks that load_log is as the load read it just before (the next load id, read before the
 * file's current loads, is still max(load_id) + 1), and only then writes. BigQuery's transactions use snapshot
 * isolation, and its documentation (https://cloud.google.com/bigquery/docs/transactions, "Transaction concurrency") says that if a
 * transaction mutates (updates or deletes) rows in a table, other transactions that mutate rows in the same table
 * cannot run concurrently: the conflicting transaction is cancelled ("Transaction is aborted due to concurrent update
 * against table …"). So of two loads whose transactions overlap one is cancelled, and a load whose transaction starts
 * after another committed sees that load in its snapshot and fails the check: either way it changed nothing, and it
 * is retried (LOAD_CONFLICT_RETRY: a bounded number of attempts with backoff) with everything read again, the
 * staging tables reused. A committed load therefore saw every load committed before it: load ids are assigned in
 * commit order, and a consumer that processes the loads newer than a watermark misses none.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { helpersFor, type SqlType } from "../../../includes/engine";
import { RAW_TABLES, rawTable, type RawTable } from "../../../includes/raw_schemas";
import { createBigQueryClient, createCloudStorageClient } from "../bigquery-credentials";
import { workflowSettingsDefaultLocation, workflowSettingsDefaultProject } from "../project-context";
import { BigQueryExecutor, DEFAULT_LOCATION, type QueryJobConfig } from "../runner/bigquery";
import { createSchemaStatement, tableReference } from "../runner/bigquery-sql";
import { describeFile, elapsedSeconds, LoadError, REJECTIONS_REPORTED, rejectionMessage, summarise, type FileInfo, type FileLoadResult, type FileSource, type LoadSummary, type SourceKind } from "./common";
import { cloudStorageClient, downloadObject, isCloudStorageUri, lazyCloudStorageClient, listCloudStorageFiles, withLocalCopy, type CloudStorageClient, type LocalSource } from "./cloud-storage";
import { peekHeader } from "./csv";
import { deleteLoad, identityKey, loadLogInsert, markReplaced } from "./load-log";
import type { CellValue, ReferenceLoad } from "./raw-tables";
import { prepareAsidLookup } from "./asid-lookup";
import { prepareGeography } from "./geography";
import { prepareOds } from "./ods";
import { listSpineFiles, NO_SPINE_FILES, normaliseSpineFile, SPINE_FILE_PATTERN, spineFileDay, spineHeader, type LoadSpineOptions } from "./spine";
import { currentSpineLoadsQuery, neighbourLoadIds, spineInserts, type SpineFileContext } from "./spine-sql";
import { DEFAULT_TIME_TOLERANCE_DAYS, timeToleranceDays } from "./time-tolerance";

const bq = helpersFor("bigquery");

/** How long a staging table lives if the load that made it dies before dropping it. */
const STAGING_EXPIRY_HOURS = 24;
/** Every staging table's name starts with this. */
export const STAGING_PREFIX = "_gp2gp_staging_";

/** A table by its parts, as a load job names its destination. */
export interface TableId {
  readonly projectId: string;
  readonly datasetId: string;
  readonly tableId: string;
}

/** A column of a load job's schema. */
export interface LoadField {
  readonly name: string;
  readonly type: "STRING" | "INT64" | "DATE" | "TIMESTAMP";
  readonly mode: "NULLABLE";
}

/** The load-job configuration (the `configuration.load` of a BigQuery job) the loader uses. */
export interface LoadJobConfig {
  readonly sourceFormat: "CSV" | "NEWLINE_DELIMITED_JSON";
  readonly schema: { readonly fields: readonly LoadField[] };
  readonly createDisposition: "CREATE_NEVER";
  readonly writeDisposition: "WRITE_APPEND";
  /** Any bad record fails the job: Node has already accounted for every row. */
  readonly maxBadRecords: 0;
  readonly ignoreUnknownValues: false;
  /** Where the job runs (the raw dataset's location); the client passes it with the job reference. */
  readonly location: string;
  // CSV only:
  readonly skipLeadingRows?: 0;
  readonly fieldDelimiter?: ",";
  readonly quote?: '"';
  readonly encoding?: "UTF-8";
  readonly allowQuotedNewlines?: true;
  readonly allowJaggedRows?: false;
  readonly preserveAsciiControlCharacters?: true;
}

/** What the loader needs of BigQuery; `bigQueryLoadClient` adapts the real client, tests inject a fake. */
export interface BigQueryLoadClient {
  /** Runs a load job of a local file into an existing table, to completion; rejects with the job's error. */
  load(destination: TableId, file: string, config: LoadJobConfig): Promise<void>;
  /** Runs a query job (one statement or a script) to completion; the rows of its (last) query, plain values. */
  query(config: QueryJobConfig): Promise<Record<string, unknown>[]>;
}

/** Where the loader writes: the raw dataset of a project, the location its jobs run in. */
export interface BigQueryLoadTarget {
  readonly client: BigQueryLoadClient;
  /** The project of the raw dataset (the client's own project is where the jobs run and are billed). */
  readonly projectId: string;
  readonly location: string;
  /** The raw dataset, e.g. gp2gp_raw. */
  readonly raw: string;
  /** How a load that lost to a concurrent one is retried (default LOAD_CONFLICT_RETRY). */
  readonly retry?: ConflictRetry;
  /** Where `gs://` files are downloaded from. */
  readonly storage?: CloudStorageClient;
}

/**
 * Labels on every query job of the loader (BigQuery's label rules: lower case, digits, _ and -). A load job of a local
 * file is created by an upload, whose configuration the client library takes as the load configuration alone.
 */
export const LOAD_JOB_LABELS = { app: "gp2gp", gp2gp_action: "load" } as const;

/**
 * The lock table of a raw dataset on BigQuery: one row, updated first in every load's transaction so that two loads'
 * transactions never overlap (see the top of this file). Beside RAW_TABLES rather than in it: the DuckDB loader
 * serialises loads with its own transaction, and the graph never reads it.
 */
export const LOAD_LOCK_TABLE: RawTable = {
  name: "load_lock",
  description: "One row, updated by every `gp2gp load --engine bigquery` transaction before it writes, so that loads into this dataset commit one at a time.",
  columns: [
    { name: "load_id", type: "INT64", description: "The load that last took the lock (NULL until one has)." },
    { name: "locked_at", type: "TIMESTAMP", description: "When that load's transaction began." },
  ],
};

/** The tables a BigQuery load creates and checks: the raw tables and the lock. */
const LOADER_TABLES: readonly RawTable[] = [...RAW_TABLES, LOAD_LOCK_TABLE];

/** How a load whose transaction lost to a concurrent one is retried: attempts in all, and the wait before each retry. */
export interface ConflictRetry {
  readonly attempts: number;
  /** Milliseconds to wait after the given failed attempt (1 for the first). */
  backoffMs(attempt: number): number;
  sleep(ms: number): Promise<void>;
}

/** Five attempts, waiting about 1, 2, 4 and 8 s (each between half and one and a half times that, so that two loads retrying do not meet again). */
export const LOAD_CONFLICT_RETRY: ConflictRetry = {
  attempts: 5,
  backoffMs: (attempt) => Math.round(1000 * 2 ** (attempt - 1) * (0.5 + Math.random())),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The ASSERT of a transaction that started after another load committed (see fileLoadStatements). */
export const LOAD_LOG_CHANGED = "load_log changed after this load read it: another load committed meanwhile";

/** BigQuery's message for a transaction cancelled by a concurrent one that mutates the same table. */
const CONCURRENT_UPDATE = /Transaction is aborted due to concurrent update against table/i;

/**
 * Whether an error is a load that lost to a concurrent one: BigQuery's cancelled transaction, or the check that the
 * load's reads still hold. The client library's error carries the job's errors as `errors`; their messages are
 * looked at as well as its own (no error reason is relied on: the documentation gives none for this case).
 */
export function isLoadConflict(error: unknown): boolean {
  const messages = [error instanceof Error ? error.message : String(error)];
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors)) for (const e of errors) messages.push(String((e as { message?: unknown } | null)?.message ?? ""));
  return messages.some((message) => CONCURRENT_UPDATE.test(message) || message.includes(LOAD_LOG_CHANGED));
}

/** `project.raw.table`, quoted for BigQuery. */
export function rawTableName(target: Pick<BigQueryLoadTarget, "projectId" | "raw">, table: string): string {
  return tableReference({ database: target.projectId, schema: target.raw, name: table });
}

/**
 * The dataset, every raw table and the lock table that do not exist yet (CREATE … IF NOT EXISTS: DDL cannot run in a
 * transaction), and the lock's row when missing (two first loads at once may each add one: every row is updated, so
 * two rows lock as one does).
 */
export function rawTablesStatements(target: Pick<BigQueryLoadTarget, "projectId" | "raw" | "location">): string[] {
  const lock = rawTableName(target, LOAD_LOCK_TABLE.name);
  return [
    createSchemaStatement(target.projectId, target.raw, target.location),
    ...LOADER_TABLES.map(
      (table) =>
        `create table if not exists ${rawTableName(target, table.name)} (${table.columns.map((c) => `${c.name} ${bq.type(c.type)} options(description=${bq.stringLiteral(c.description)})`).join(", ")}) options(description=${bq.stringLiteral(table.description)})`,
    ),
    `insert into ${lock} (load_id, locked_at) select cast(null as INT64), cast(null as TIMESTAMP) from (select 1) where not exists (select 1 from ${lock})`,
  ];
}

/** The columns of the raw tables and the lock table as they exist: compared with their schemas before anything is loaded. */
export function rawColumnsQuery(target: Pick<BigQueryLoadTarget, "projectId" | "raw">): string {
  return `select table_name, column_name, data_type from ${bq.identifier(`${target.projectId}.${target.raw}.INFORMATION_SCHEMA.COLUMNS`)}
    where table_name in (${LOADER_TABLES.map((t) => bq.stringLiteral(t.name)).join(", ")}) order by table_name, ordinal_position`;
}

/** Creates the raw dataset, tables and lock when missing; refuses a table whose columns differ from its schema. */
export async function ensureBigQueryRawTables(target: BigQueryLoadTarget): Promise<void> {
  for (const statement of rawTablesStatements(target)) await run(target, statement);
  const rows = (await run(target, rawColumnsQuery(target))) as { table_name: string; column_name: string; data_type: string }[];
  for (const table of LOADER_TABLES) {
    const found = rows.filter((r) => r.table_name === table.name).map((r) => `${r.column_name} ${r.data_type}`).join(", ");
    const expected = table.columns.map((c) => `${c.name} ${c.type}`).join(", ");
    if (found !== expected) {
      const schema = table === LOAD_LOCK_TABLE ? "scripts/lib/load/bigquery.ts (LOAD_LOCK_TABLE)" : "includes/raw_schemas.ts";
      throw new Error(`${target.projectId}.${target.raw}.${table.name} has columns (${found}), expected (${expected}); recreate it with the schema of ${schema}`);
    }
  }
}

function queryConfig(target: BigQueryLoadTarget, query: string): QueryJobConfig {
  return { query, location: target.location, useLegacySql: false, labels: { ...LOAD_JOB_LABELS } };
}

async function run(target: BigQueryLoadTarget, query: string): Promise<Record<string, unknown>[]> {
  return target.client.query(queryConfig(target, query));
}

interface CurrentLoad {
  readonly load_id: number;
  readonly file_name: string;
  readonly sha256: string;
  readonly reference_month: string | null;
}

/** The current (not replaced) loads of a kind, oldest first; the caller keeps those of the file's identity. */
export function currentLoadsQuery(target: Pick<BigQueryLoadTarget, "projectId" | "raw">, kind: SourceKind): string {
  return `select load_id, file_name, sha256, cast(reference_month as string) as reference_month from ${rawTableName(target, "load_log")}
    where source_kind = ${bq.stringLiteral(kind)} and replaced_by_load_id is null order by load_id`;
}

export function nextLoadIdQuery(target: Pick<BigQueryLoadTarget, "projectId" | "raw">): string {
  return `select coalesce(max(load_id), 0) + 1 as load_id from ${rawTableName(target, "load_log")}`;
}

/** What one file's transaction writes. */
export interface FileLoadPlan {
  readonly kind: SourceKind;
  readonly file: FileInfo;
  readonly referenceMonth: string | null;
  readonly loadId: number;
  /** The current loads of the file's identity, which this load replaces. */
  readonly previous: readonly number[];
  /** The raw tables of the kind, cleared of the replaced loads' rows. */
  readonly tables: readonly string[];
  /** The statements that write the file's rows under loadId. */
  readonly writes: readonly string[];
  /** Data rows read. */
  readonly rows: number;
  /** The tables whose rows under loadId are the rows loaded (counted in SQL for load_log). */
  readonly loadedTables: readonly string[];
  /** The rejected rows: a number known to Node, or the table they were written to (counted in SQL). */
  readonly rejected: number | { readonly table: string };
  /** UTC, 'YYYY-MM-DD HH:MM:SS.sss'. */
  readonly loadedAt: string;
}

/**
 * The statements of one file's transaction, in order: take the lock (update load_lock's row), check that load_log is
 * as the load read it (loadId is still max + 1; LOAD_LOG_CHANGED otherwise), clear the replaced loads' rows, write the
 * rows, record the load in load_log (counting what was written), check that every row read was loaded or rejected,
 * mark the replaced loads. Run as one script: a failing statement rolls the whole transaction back.
 */
export function fileLoadStatements(target: Pick<BigQueryLoadTarget, "projectId" | "raw">, plan: FileLoadPlan): string[] {
  const loadLog = rawTableName(target, "load_log");
  const count = (table: string) => `(select count(*) from ${rawTableName(target, table)} where load_id = ${plan.loadId})`;
  const loaded = plan.loadedTables.length === 0 ? "0" : plan.loadedTables.map(count).join(" + ");
  const rejected = typeof plan.rejected === "number" ? plan.rejected : count(plan.rejected.table);
  const what = `${plan.file.name}: `;
  return [
    "begin transaction",
    `update ${rawTableName(target, LOAD_LOCK_TABLE.name)} set load_id = ${plan.loadId}, locked_at = current_timestamp() where true`,
    `assert (select coalesce(max(load_id), 0) + 1 from ${loadLog}) = ${plan.loadId} as ${bq.stringLiteral(`${what}${LOAD_LOG_CHANGED}`)}`,
    ...plan.previous.flatMap((old) => plan.tables.map((table) => deleteLoad(rawTableName(target, table), old))),
    ...plan.writes,
    loadLogInsert(bq, loadLog, {
      loadId: plan.loadId,
      kind: plan.kind,
      file: plan.file,
      rows: plan.rows,
      loaded,
      rejected,
      referenceMonth: plan.referenceMonth,
      loadedAt: plan.loadedAt,
    }),
    `assert (select row_count = loaded_count + rejected_count from ${loadLog} where load_id = ${plan.loadId}) as ${bq.stringLiteral(`${what}the rows read are not the rows loaded and rejected`)}`,
    ...(plan.previous.length > 0 ? [markReplaced(loadLog, plan.previous, plan.loadId)] : []),
    "commit transaction",
  ];
}

/** Statements joined into one script. */
export function script(statements: readonly string[]): string {
  return `${statements.join(";\n")};`;
}

/** The load_log row of a load and its first rejected Spine rows, read after the commit. */
function loadCountsQuery(target: BigQueryLoadTarget, loadId: number): string {
  return `select row_count, loaded_count, rejected_count from ${rawTableName(target, "load_log")} where load_id = ${loadId}`;
}

export function firstRejectsQuery(target: Pick<BigQueryLoadTarget, "projectId" | "raw">, loadId: number): string {
  return `select source_row, reason from ${rawTableName(target, "spine_messages_rejected")} where load_id = ${loadId} order by source_row limit ${REJECTIONS_REPORTED}`;
}

/** A staging table of the raw dataset, created empty with an expiry, for one file's rows. */
export function stagingTable(target: Pick<BigQueryLoadTarget, "projectId" | "raw">, loadId: number, what: string): TableId {
  return { projectId: target.projectId, datasetId: target.raw, tableId: `${STAGING_PREFIX}${what}_${loadId}_${randomBytes(4).toString("hex")}` };
}

export function createStagingStatement(table: TableId, fields: readonly LoadField[]): string {
  const name = tableReference({ database: table.projectId, schema: table.datasetId, name: table.tableId });
  return `create table ${name} (${fields.map((f) => `${f.name} ${f.type}`).join(", ")})
    options(expiration_timestamp = timestamp_add(current_timestamp(), interval ${STAGING_EXPIRY_HOURS} hour), description = 'gp2gp load: rows of one file on their way to the raw tables; dropped after the load')`;
}

export function dropStagingStatement(table: TableId): string {
  return `drop table if exists ${tableReference({ database: table.projectId, schema: table.datasetId, name: table.tableId })}`;
}

/** The staging columns of a normalised Spine file: source_row, fault, raw_line, c1 … cN. */
export function spineStagingFields(header: readonly string[]): LoadField[] {
  const text = (name: string): LoadField => ({ name, type: "STRING", mode: "NULLABLE" });
  return [{ name: "source_row", type: "INT64", mode: "NULLABLE" }, text("fault"), text("raw_line"), ...header.map((_, i) => text(`c${i + 1}`))];
}

/** The staging columns of a raw table's rows: the raw table's own. */
export function referenceStagingFields(table: string): LoadField[] {
  return rawTable(table).columns.map((c) => ({ name: c.name, type: loadType(c.type), mode: "NULLABLE" }));
}

function loadType(type: SqlType): LoadField["type"] {
  if (type === "STRING" || type === "INT64" || type === "DATE" || type === "TIMESTAMP") return type;
  throw new Error(`A raw column of type ${type} cannot be loaded`);
}

/** What every load job here sets: the staging table's exact schema, appended to, and no row skipped or guessed. */
function loadJobConfig(sourceFormat: LoadJobConfig["sourceFormat"], fields: LoadField[], location: string): LoadJobConfig {
  return { sourceFormat, schema: { fields }, createDisposition: "CREATE_NEVER", writeDisposition: "WRITE_APPEND", maxBadRecords: 0, ignoreUnknownValues: false, location };
}

/** The load job of a normalised Spine file: the CSV the DuckDB loader reads, with nothing inferred. */
export function spineLoadJobConfig(header: readonly string[], location: string): LoadJobConfig {
  return {
    ...loadJobConfig("CSV", spineStagingFields(header), location),
    skipLeadingRows: 0,
    fieldDelimiter: ",",
    quote: '"',
    encoding: "UTF-8",
    // A rejected row's text (raw_line) may hold a carriage return inside its quotes.
    allowQuotedNewlines: true,
    allowJaggedRows: false,
    preserveAsciiControlCharacters: true,
  };
}

export function referenceLoadJobConfig(table: string, location: string): LoadJobConfig {
  return loadJobConfig("NEWLINE_DELIMITED_JSON", referenceStagingFields(table), location);
}

function nowUtc(): string {
  return new Date().toISOString().replace("T", " ").replace("Z", "");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One file under the skip/replace rules: skipped when identical to the current load of its identity, otherwise its
 * staging tables are filled (`stage`, once), the transaction runs, and the staging tables are dropped. A transaction
 * that lost to a concurrent load (isLoadConflict) changed nothing: the load reads load_log again (so it may now be
 * skipped, or replace the other load) and runs its transaction again, up to the retry's attempts.
 */
async function loadOneFile<Staged>(
  target: BigQueryLoadTarget,
  request: {
    readonly kind: SourceKind;
    readonly file: FileInfo;
    readonly referenceMonth: string | null;
    readonly tables: readonly string[];
    /** The rejection messages of rows rejected in Node (reference files); Spine rejects are read back after the commit. */
    readonly rejections?: readonly string[];
    /** Work done only when the file is not skipped, before anything is staged (e.g. normalising the file). */
    prepare?(): Promise<void>;
    /** Creates and fills the staging tables (pushing each to `staged`, to be dropped), under the load id first tried. */
    stage(loadId: number, staged: TableId[]): Promise<Staged>;
    /** The plan's rows, writes and counts under the load id of this attempt, replacing `previous`. */
    plan(staging: Staged, loadId: number, previous: readonly number[]): Promise<Pick<FileLoadPlan, "rows" | "writes" | "loadedTables" | "rejected">>;
  },
): Promise<FileLoadResult> {
  const startedAt = process.hrtime.bigint();
  const { kind, file, referenceMonth } = request;
  const retry = target.retry ?? LOAD_CONFLICT_RETRY;
  const key = identityKey(kind, file.name, referenceMonth);
  const staged: TableId[] = [];
  let staging: { readonly value: Staged } | undefined;
  let committed: { readonly loadId: number; readonly replaced: boolean } | undefined;
  try {
    for (let attempt = 1; !committed; attempt++) {
      // The next id is read first: the transaction's check that it is still max + 1 then covers the current loads too.
      const [{ load_id: next }] = await run(target, nextLoadIdQuery(target));
      const loadId = Number(next);
      const current = (await run(target, currentLoadsQuery(target, kind))) as unknown as CurrentLoad[];
      const previous = current.filter((row) => identityKey(kind, row.file_name, row.reference_month) === key);
      const same = previous.length === 1 && previous[0].sha256 === file.sha256 ? previous[0] : undefined;
      if (same) {
        return { file: file.name, path: file.displayPath, status: "skipped", loadId: Number(same.load_id), rows: 0, loaded: 0, rejected: 0, seconds: elapsedSeconds(startedAt), rejections: [] };
      }
      if (!staging) {
        await request.prepare?.();
        staging = { value: await request.stage(loadId, staged) };
      }
      const previousIds = previous.map((p) => Number(p.load_id));
      const written = await request.plan(staging.value, loadId, previousIds);
      const statements = fileLoadStatements(target, { kind, file, referenceMonth, loadId, previous: previousIds, tables: request.tables, loadedAt: nowUtc(), ...written });
      try {
        await run(target, script(statements));
        committed = { loadId, replaced: previous.length > 0 };
      } catch (error) {
        if (!isLoadConflict(error)) throw error;
        if (attempt >= retry.attempts) {
          throw new Error(`${errorMessage(error)} (tried ${attempt} times: other loads into ${target.projectId}.${target.raw} kept committing at the same time)`);
        }
        await retry.sleep(retry.backoffMs(attempt));
      }
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(file.displayPath, `could not be loaded into BigQuery (nothing of it was committed): ${errorMessage(error)}`);
  } finally {
    // A staging table the drop misses expires by itself.
    for (const table of staged) await run(target, dropStagingStatement(table)).catch(() => undefined);
  }
  const { loadId } = committed;
  const [counts] = await run(target, loadCountsQuery(target, loadId));
  const rejections =
    kind !== "spine"
      ? (request.rejections ?? [])
      : Number(counts.rejected_count) > 0
        ? (await run(target, firstRejectsQuery(target, loadId))).map((r) => rejectionMessage(file.name, Number(r.source_row), String(r.reason)))
        : [];
  return {
    file: file.name,
    path: file.displayPath,
    status: committed.replaced ? "replaced" : "loaded",
    loadId,
    rows: Number(counts.row_count),
    loaded: Number(counts.loaded_count),
    rejected: Number(counts.rejected_count),
    seconds: elapsedSeconds(startedAt),
    rejections,
  };
}

/** Creates a staging table and loads a local file into it. */
async function stage(target: BigQueryLoadTarget, table: TableId, staged: TableId[], localFile: string, config: LoadJobConfig): Promise<string> {
  await run(target, createStagingStatement(table, config.schema.fields));
  staged.push(table);
  await target.client.load(table, localFile, config);
  return tableReference({ database: table.projectId, schema: table.datasetId, name: table.tableId });
}

/**
 * Loads Spine exports (files, or folders of `YYYY-MM-DD_spine_messages.csv[.gz]`) into the raw dataset on BigQuery.
 * Every file's header is checked before anything is loaded; each file then loads in its own transaction.
 */
export async function loadSpineIntoBigQuery(target: BigQueryLoadTarget, inputs: readonly string[], options: Omit<LoadSpineOptions, "raw"> = {}): Promise<LoadSummary> {
  const toleranceDays = timeToleranceDays(options.timeToleranceDays ?? DEFAULT_TIME_TOLERANCE_DAYS);
  // Cloud Storage objects are all downloaded first (every header is checked before anything is loaded), each deleted once loaded.
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-gs-"));
  try {
    const checked = [];
    for (const source of await spineSources(target.storage, inputs, downloads)) {
      checked.push({ source, day: spineFileDay(source.displayPath), header: spineHeader(source.displayPath, await peekHeader(source.path, source.displayPath)) });
    }
    await ensureBigQueryRawTables(target);
    const results = [];
    for (const { source, day, header } of checked) {
      const context: SpineFileContext = { day, toleranceDays };
      const file = await describeFile(source);
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-load-"));
      const normalisedPath = path.join(workDir, "rows.csv");
      let rows = 0;
      try {
        results.push(
          await loadOneFile(target, {
            kind: "spine",
            file,
            referenceMonth: null,
            tables: ["spine_messages", "spine_messages_rejected"],
            async prepare() {
              rows = await normaliseSpineFile(file, header, normalisedPath, options.onProgress);
            },
            stage: (loadId, staged) => stage(target, stagingTable(target, loadId, "spine"), staged, normalisedPath, spineLoadJobConfig(header, target.location)),
            async plan(staging, loadId, previous) {
              const loads = (await run(target, currentSpineLoadsQuery(bq, rawTableName(target, "load_log"), loadId))) as { load_id: number; file_name: string }[];
              // The replaced loads' rows are deleted first in the transaction: nothing can repeat them.
              const neighbours = neighbourLoadIds(loads, context).filter((id) => !previous.includes(id));
              const tables = { spineMessages: rawTableName(target, "spine_messages"), rejected: rawTableName(target, "spine_messages_rejected") };
              const sql = spineInserts(bq, tables, file.name, header, context, neighbours, loadId);
              return { rows, writes: [sql.valid(staging), sql.rejected(staging)], loadedTables: ["spine_messages"], rejected: { table: "spine_messages_rejected" } };
            },
          }),
        );
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
        if (source.downloaded) fs.rmSync(source.path, { force: true });
      }
    }
    return summarise(results);
  } finally {
    fs.rmSync(downloads, { recursive: true, force: true });
  }
}

/**
 * The Spine exports `inputs` name, as local files: local files and folders as listSpineFiles lists them, Cloud Storage
 * objects and folders (the exports directly in them, in name order) downloaded into `workDir`.
 */
async function spineSources(storage: CloudStorageClient | undefined, inputs: readonly string[], workDir: string): Promise<LocalSource[]> {
  const sources: LocalSource[] = [];
  for (const input of inputs) {
    if (!isCloudStorageUri(input)) {
      sources.push(...(await listSpineFiles([input])).map((file) => ({ path: file, displayPath: file, downloaded: false })));
      continue;
    }
    for (const uri of await listCloudStorageFiles(storage, input, SPINE_FILE_PATTERN, NO_SPINE_FILES)) sources.push(await downloadObject(storage, uri, workDir));
  }
  return sources;
}

/** Newline-delimited JSON of rows, with each of the table's columns (NULL for a missing key). */
function jsonLines(table: string, rows: readonly Readonly<Record<string, CellValue>>[]): string {
  const columns = rawTable(table).columns;
  return rows.map((row) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null])))}\n`).join("");
}

/**
 * Loads reference files read and checked by `prepare` (prepareOds, prepareAsidLookup, prepareGeography), in order,
 * each in its own transaction. Every file is read and checked before anything is loaded.
 */
export async function loadReferenceIntoBigQuery(target: BigQueryLoadTarget, loads: readonly (() => Promise<ReferenceLoad>)[]): Promise<LoadSummary> {
  const prepared = [];
  for (const prepare of loads) prepared.push(await prepare());
  await ensureBigQueryRawTables(target);
  const results = [];
  for (const load of prepared) {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-load-"));
    try {
      results.push(
        await loadOneFile(target, {
          kind: load.kind,
          file: load.file,
          referenceMonth: load.referenceMonth,
          tables: load.tables,
          rejections: load.rejections,
          async stage(loadId, staged) {
            const sources: { readonly table: string; readonly source: string }[] = [];
            for (const [table, rows] of load.rows(loadId)) {
              if (rows.length === 0) continue;
              const file = path.join(workDir, `${table}.json`);
              fs.writeFileSync(file, jsonLines(table, rows));
              sources.push({ table, source: await stage(target, stagingTable(target, loadId, table), staged, file, referenceLoadJobConfig(table, target.location)) });
            }
            return sources;
          },
          async plan(sources, loadId) {
            // The staged rows carry the load id first tried; a retry writes its own.
            const writes = sources.map(({ table, source }) => {
              const columns = rawTable(table).columns.map((c) => c.name);
              const values = columns.map((name) => (name === "load_id" ? `${loadId} as load_id` : name));
              return `insert into ${rawTableName(target, table)} (${columns.join(", ")}) select ${values.join(", ")} from ${source}`;
            });
            return { rows: load.total, writes, loadedTables: load.tables, rejected: load.rejected };
          },
        }),
      );
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }
  return summarise(results);
}

/** The @google-cloud/bigquery client as a BigQueryLoadClient. */
export function bigQueryLoadClient(client: import("@google-cloud/bigquery").BigQuery): BigQueryLoadClient {
  return {
    async load(destination, file, config) {
      // The location goes with the job reference (the library takes it from the table); the rest is configuration.load.
      const { location, ...load } = config;
      const table = client.dataset(destination.datasetId, { projectId: destination.projectId, location }).table(destination.tableId, { location });
      // Table#load uploads the file, waits for the job and rejects with its error.
      await table.load(file, { ...load, schema: { fields: load.schema.fields.map((f) => ({ ...f })) } } as never);
    },
    async query(config) {
      const [rows] = await client.query(config as never);
      return (rows as Record<string, unknown>[]).map((row) => plainRow(row));
    },
  };
}

/** A result row with the client's wrapper values (DATE, TIMESTAMP: `{ value }`) as plain text. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, value && typeof value === "object" && "value" in value ? (value as { value: unknown }).value : value]),
  );
}

/**
 * The raw dataset on BigQuery with a real client: the dataset's project is `defaultProject` of workflow_settings.yaml
 * (where the graph's declarations read it), else the credentials' project; query jobs run in GP2GP_BIGQUERY_PROJECT,
 * else that project, and load jobs in the dataset's project; the location is `defaultLocation`. Credentials are found as for `gp2gp run --engine bigquery`
 * (../bigquery-credentials.ts): without them this throws BigQueryCredentialsError, naming what would supply them,
 * before any client is made or any network call.
 */
export function bigQueryLoadTargetFromEnvironment(raw: string, env: NodeJS.ProcessEnv = process.env): BigQueryLoadTarget {
  const defaultProject = workflowSettingsDefaultProject();
  const credentials = BigQueryExecutor.credentials(env, defaultProject);
  const location = workflowSettingsDefaultLocation() ?? DEFAULT_LOCATION;
  return {
    client: bigQueryLoadClient(createBigQueryClient(credentials, location)),
    storage: lazyCloudStorageClient(() => cloudStorageClient(createCloudStorageClient(credentials))),
    projectId: defaultProject ?? credentials.projectId,
    location,
    raw,
  };
}

const pathList = z.array(z.string().trim().min(1, { error: "a path is empty" })).min(1, { error: "name at least one file" });

/** One `gp2gp load … --engine bigquery` command, checked before credentials are looked for or anything is read. */
export const bigQueryLoadRequestSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("spine"),
    paths: pathList,
    timeToleranceDays: z.number().min(0).optional(),
    onProgress: z.custom<LoadSpineOptions["onProgress"]>((value) => value === undefined || typeof value === "function").optional(),
  }),
  z.object({ kind: z.enum(["ods", "geography"]), paths: pathList }),
  z.object({
    kind: z.literal("asid-lookup"),
    path: z.string().trim().min(1, { error: "the path is empty" }),
    month: z.string().refine((month) => /^\d{4}-(0[1-9]|1[0-2])$/.test(month.trim()), { error: "--month must be YYYY-MM, e.g. 2024-03" }),
  }),
]);
export type BigQueryLoadRequest = z.input<typeof bigQueryLoadRequestSchema>;

/**
 * Runs one load command against BigQuery (`target`: by default from the environment, see above). The request is
 * checked first, then the credentials, before any file is read or any network call.
 */
export async function loadIntoBigQuery(raw: string, input: BigQueryLoadRequest, target: () => BigQueryLoadTarget = () => bigQueryLoadTargetFromEnvironment(raw)): Promise<LoadSummary> {
  const parsed = bigQueryLoadRequestSchema.safeParse(input);
  if (!parsed.success) throw new Error(`gp2gp load ${input.kind}: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
  const request = parsed.data;
  const resolved = target();
  // A reference file is read whole when prepared: a downloaded copy is deleted right after.
  const local = (input: string, prepare: (source: FileSource) => Promise<ReferenceLoad>) => () => withLocalCopy(resolved.storage, input, prepare);
  switch (request.kind) {
    case "spine":
      return loadSpineIntoBigQuery(resolved, request.paths, { timeToleranceDays: request.timeToleranceDays, onProgress: request.onProgress });
    case "ods":
      return loadReferenceIntoBigQuery(resolved, request.paths.map((p) => local(p, prepareOds)));
    case "geography":
      return loadReferenceIntoBigQuery(resolved, request.paths.map((p) => local(p, prepareGeography)));
    case "asid-lookup":
      return loadReferenceIntoBigQuery(resolved, [local(request.path, (source) => prepareAsidLookup(source, request.month))]);
  }
}
