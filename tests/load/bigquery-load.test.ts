/**
 * `gp2gp load … --engine bigquery` with an injected client: the load jobs (configuration, destination, the rows they
 * carry), the statements in order, the skip/replace rules, rejects and load_log; a file refused before any job; and
 * every statement the loader issues type-checked by the ZetaSQL analyzer in BigQuery mode against the raw tables.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RAW_TABLES } from "../../includes/raw_schemas";
import { BigQueryCredentialsError } from "../../scripts/lib/bigquery-credentials";
import {
  bigQueryLoadClient,
  bigQueryLoadTargetFromEnvironment,
  isLoadConflict,
  LOAD_LOCK_TABLE,
  LOAD_LOG_CHANGED,
  loadIntoBigQuery,
  loadReferenceIntoBigQuery,
  loadSpineIntoBigQuery,
  spineLoadJobConfig,
  STAGING_PREFIX,
  type BigQueryLoadClient,
  type BigQueryLoadTarget,
  type ConflictRetry,
  type LoadJobConfig,
  type TableId,
} from "../../scripts/lib/load/bigquery";
import { LoadError } from "../../scripts/lib/load/common";
import { cloudStorageClient, type CloudStorageClient, type CloudStorageObject } from "../../scripts/lib/load/cloud-storage";
import { listSpineFiles } from "../../scripts/lib/load/spine";
import { prepareAsidLookup } from "../../scripts/lib/load/asid-lookup";
import { prepareOds } from "../../scripts/lib/load/ods";
import type { QueryJobConfig } from "../../scripts/lib/runner/bigquery";
import { rawCatalog, typeOf, ZetaSqlAnalyzer, type Catalog } from "../support/zetasql";
import { helpersFor } from "../../includes/engine";
import { spineInserts } from "../../scripts/lib/load/spine-sql";
import { ACK, SPINE_HEADER, spineCsv, spineLine } from "./support";

const PROJECT = "test-proj";
const RAW = "gp2gp_raw";
const DAY = "2024-03-04_spine_messages.csv";

type LoadLogRow = {
  load_id: number;
  source_kind: string;
  file_name: string;
  sha256: string;
  reference_month: string | null;
  replaced_by_load_id: number | null;
};

/** BigQuery's error for a transaction cancelled by a concurrent one, as the client library raises it. */
function concurrentUpdateError(): Error {
  const message = "Transaction is aborted due to concurrent update against table test-proj.gp2gp_raw.load_lock.";
  return Object.assign(new Error(message), { code: 400, errors: [{ reason: "invalidQuery", message }] });
}

/**
 * A fake BigQuery: records every job and answers the loader's reads from a small state. A transaction fails its
 * load_log check as BigQuery's ASSERT would when load_log has changed since the load read it.
 */
class FakeBigQuery implements BigQueryLoadClient {
  readonly jobs: ({ kind: "query"; sql: string; config: QueryJobConfig } | { kind: "load"; destination: TableId; config: LoadJobConfig; content: string })[] = [];
  loadLog: LoadLogRow[] = [];
  /** What the transaction of the next load writes, as counted by load_log. */
  counts = { row_count: 0, loaded_count: 0, rejected_count: 0 };
  rejects: { source_row: number; reason: string }[] = [];
  failScript?: string;
  /** Errors the next transactions fail with, in turn (e.g. BigQuery cancelling one for a concurrent update). */
  scriptErrors: Error[] = [];
  /** Runs before the next transaction (once), e.g. another load committing meanwhile. */
  beforeScript?: () => void;
  columns = [...RAW_TABLES, LOAD_LOCK_TABLE].flatMap((t) => t.columns.map((c) => ({ table_name: t.name, column_name: c.name, data_type: c.type })));

  async load(destination: TableId, file: string, config: LoadJobConfig): Promise<void> {
    this.jobs.push({ kind: "load", destination, config, content: fs.readFileSync(file, "utf8") });
  }

  async query(config: QueryJobConfig): Promise<Record<string, unknown>[]> {
    const sql = config.query;
    this.jobs.push({ kind: "query", sql, config });
    if (/INFORMATION_SCHEMA\.COLUMNS/.test(sql)) return this.columns;
    if (/^select load_id, file_name, sha256/.test(sql)) {
      const kind = /source_kind = '(\w+)'/.exec(sql)![1];
      return this.loadLog.filter((l) => l.source_kind === kind && l.replaced_by_load_id === null);
    }
    if (/^select coalesce\(max\(load_id\), 0\) \+ 1/.test(sql)) return [{ load_id: Math.max(0, ...this.loadLog.map((l) => l.load_id)) + 1 }];
    if (/^select load_id, file_name from .* source_kind = 'spine'/.test(sql)) {
      const except = Number(/load_id <> (\d+)/.exec(sql)![1]);
      return this.loadLog.filter((l) => l.source_kind === "spine" && l.replaced_by_load_id === null && l.load_id !== except);
    }
    if (/^begin transaction/.test(sql)) {
      const before = this.beforeScript;
      this.beforeScript = undefined;
      before?.();
      if (this.failScript) throw new Error(this.failScript);
      const error = this.scriptErrors.shift();
      if (error) throw error;
      const check = /assert \(select coalesce\(max\(load_id\), 0\) \+ 1 from `[^`]+`\) = (\d+) as '([^']+)'/.exec(sql)!;
      if (Math.max(0, ...this.loadLog.map((l) => l.load_id)) + 1 !== Number(check[1])) throw new Error(`Query error: ${check[2]} at [3:1]`);
      const insert = /values \((\d+), '(\w+)', '([^']+)', '[^']*', \d+, '(\w+)', \d+, [^]*?, (?:date '([\d-]+)'|null), timestamp/.exec(sql)!;
      const loadId = Number(insert[1]);
      const replaced = /set replaced_by_load_id = \d+ where load_id in \(([\d, ]+)\)/.exec(sql);
      for (const id of replaced ? replaced[1].split(", ").map(Number) : []) this.loadLog.find((l) => l.load_id === id)!.replaced_by_load_id = loadId;
      this.loadLog.push({ load_id: loadId, source_kind: insert[2], file_name: insert[3], sha256: insert[4], reference_month: insert[5] ?? null, replaced_by_load_id: null });
      return [];
    }
    if (/^select row_count, loaded_count, rejected_count/.test(sql)) return [this.counts];
    if (/^select source_row, reason/.test(sql)) return this.rejects;
    return [];
  }

  queries(): string[] {
    return this.jobs.flatMap((j) => (j.kind === "query" ? [j.sql] : []));
  }

  /** Each job in short: the first words of a query, or the load job's destination table kind. */
  outline(): string[] {
    return this.jobs.map((j) =>
      j.kind === "load"
        ? `load ${j.destination.tableId.replace(/_\d+_[0-9a-f]{8}$/, "")}`
        : j.sql
            .replace(/`[^`]+`/g, (name) => name.replace(/_\d+_[0-9a-f]{8}`$/, "`").replace(/^`test-proj\.gp2gp_raw\./, "`"))
            .split("\n")[0]
            .split(/\s+/)
            .slice(0, 6)
            .join(" "),
    );
  }

  scripts(): string[] {
    return this.queries().filter((q) => q.startsWith("begin transaction"));
  }

  /** A row of load_log as another load would commit it. */
  commitOther(kind: string, fileName: string): void {
    const loadId = Math.max(0, ...this.loadLog.map((l) => l.load_id)) + 1;
    this.loadLog.push({ load_id: loadId, source_kind: kind, file_name: fileName, sha256: "0".repeat(64), reference_month: null, replaced_by_load_id: null });
  }
}

/** A fake Cloud Storage: objects by "bucket/name"; records where each was downloaded to. */
class FakeStorage implements CloudStorageClient {
  readonly objects = new Map<string, Buffer>();
  readonly downloads: string[] = [];

  put(uri: string, content: string | Buffer): void {
    this.objects.set(uri.replace(/^gs:\/\//, ""), Buffer.from(content));
  }

  async download(object: CloudStorageObject, destination: string): Promise<boolean> {
    const content = this.objects.get(`${object.bucket}/${object.name}`);
    if (!content) return false;
    fs.writeFileSync(destination, content);
    this.downloads.push(destination);
    return true;
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const start = `${bucket}/${prefix}`;
    return [...this.objects.keys()].filter((key) => key.startsWith(start) && !key.slice(start.length).includes("/")).map((key) => key.slice(bucket.length + 1));
  }
}

/**
 * Every job of a fake client, with the random part of staging table names and the time of the load left out, and the
 * file_path recorded for `from` (if given) as `to`.
 */
function jobsOf(fake: FakeBigQuery, from?: string, to?: string): unknown[] {
  const stable = (sql: string) => (from ? sql.replace(`'${from}'`, `'${to}'`) : sql).replace(/_[0-9a-f]{8}`/g, "`").replace(/timestamp '[\d-]+ [\d:.]+', null\)/g, "timestamp 'loaded at', null)");
  return fake.jobs.map((j) => (j.kind === "query" ? stable(j.sql) : { ...j, destination: { ...j.destination, tableId: j.destination.tableId.replace(/_[0-9a-f]{8}$/, "") } }));
}

/** A retry that waits for nothing and records the waits. */
function instantRetry(waits: number[], attempts = 3): ConflictRetry {
  return { attempts, backoffMs: (attempt) => 1000 * attempt, sleep: async (ms) => void waits.push(ms) };
}

let dir: string;
let client: FakeBigQuery;
let target: BigQueryLoadTarget;
/** Every statement issued in this file, for the analyzer at the end. */
const issued: { sql: string; staging: { table: TableId; fields: LoadJobConfig["schema"]["fields"] }[] }[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-bq-load-"));
  client = new FakeBigQuery();
  target = { client, projectId: PROJECT, location: "europe-west2", raw: RAW };
});
afterEach(() => {
  const staging = client.jobs.flatMap((j) => (j.kind === "load" ? [{ table: j.destination, fields: j.config.schema.fields }] : []));
  for (const sql of client.queries()) issued.push({ sql, staging });
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const filePath = path.join(dir, name);
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(filePath, content);
  return filePath;
}

const SETUP = [
  "create schema if not exists `test-proj.gp2gp_raw`",
  ...[...RAW_TABLES, LOAD_LOCK_TABLE].map((t) => `create table if not exists \`${t.name}\``),
  "insert into `load_lock` (load_id, locked_at) select",
  "select table_name, column_name, data_type from `INFORMATION_SCHEMA.COLUMNS`",
];

/** A Spine file's jobs up to its transaction: load_log read, the staging table made and filled, the neighbours read. */
const SPINE_ATTEMPT = [
  "select coalesce(max(load_id), 0) + 1 as",
  "select load_id, file_name, sha256, cast(reference_month as",
  `create table \`${STAGING_PREFIX}spine\` (source_row INT64, fault`,
  `load ${STAGING_PREFIX}spine`,
  "select load_id, file_name from `load_log` where",
  "begin transaction;",
];

describe("loadSpineIntoBigQuery", () => {
  it("loads the normalised file into a staging table, then validates it into the raw tables and load_log in one transaction", async () => {
    const lines = [spineLine({}, 1), spineLine({ _time: "yesterday" }, 2), spineLine({ interactionID: ACK, jdiEvent: "x" }, 3), "a,b,c", spineLine({ GUID: '"with ""quote"""' }, 5)];
    const spine = file(DAY, spineCsv(lines));
    client.counts = { row_count: 5, loaded_count: 2, rejected_count: 3 };
    client.rejects = [
      { source_row: 2, reason: '_time "yesterday" is not a valid Spine time' },
      { source_row: 3, reason: 'jdiEvent "x" is not NONE, empty or an integer' },
    ];
    const summary = await loadSpineIntoBigQuery(target, [spine]);

    expect(client.outline()).toEqual([
      ...SETUP,
      ...SPINE_ATTEMPT,
      `drop table if exists \`${STAGING_PREFIX}spine\``,
      "select row_count, loaded_count, rejected_count from `load_log`",
      "select source_row, reason from `spine_messages_rejected` where",
    ]);
    // The load job: the normalised CSV the DuckDB loader reads, into the staging table, with nothing inferred.
    const load = client.jobs.find((j) => j.kind === "load")!;
    if (load.kind !== "load") throw new Error("no load job");
    expect(load.destination).toMatchObject({ projectId: PROJECT, datasetId: RAW, tableId: expect.stringMatching(new RegExp(`^${STAGING_PREFIX}spine_1_[0-9a-f]{8}$`)) });
    expect(load.config).toMatchObject({
      sourceFormat: "CSV",
      createDisposition: "CREATE_NEVER",
      writeDisposition: "WRITE_APPEND",
      maxBadRecords: 0,
      skipLeadingRows: 0,
      quote: '"',
      allowJaggedRows: false,
      location: "europe-west2",
    });
    expect(client.jobs.flatMap((j) => (j.kind === "query" ? [j.config.labels] : []))).toEqual(client.queries().map(() => ({ app: "gp2gp", gp2gp_action: "load" })));
    expect(load.config.schema.fields.map((f) => `${f.name} ${f.type}`)).toEqual(["source_row INT64", "fault STRING", "raw_line STRING", ...Array.from({ length: 10 }, (_, i) => `c${i + 1} STRING`)]);
    const normalised = load.content.split("\n").filter(Boolean);
    expect(normalised).toHaveLength(5);
    expect(normalised[0]).toBe(`1,,,${lines[0]}`);
    expect(normalised[3]).toMatch(/^4,"the row has 3 fields, expected 10 as in the header","a,b,c",{10}$/);
    expect(normalised[4]).toMatch(/^5,,,"2024-03-04T10:00:05.123\+0000","CONV-5","with ""quote""",/);

    // The transaction: the shared validation SQL (BigQuery spelling), load_log counted in SQL, checked, committed.
    const [transaction] = client.scripts();
    const statements = transaction.split(";\n").map((s) => s.trim().split(/\s+/).slice(0, 3).join(" "));
    expect(statements).toEqual([
      "begin transaction",
      "update `test-proj.gp2gp_raw.load_lock` set",
      "assert (select coalesce(max(load_id),",
      "insert into `test-proj.gp2gp_raw.spine_messages`",
      "insert into `test-proj.gp2gp_raw.spine_messages_rejected`",
      "insert into `test-proj.gp2gp_raw.load_log`",
      "assert (select row_count",
      "commit transaction;",
    ]);
    expect(transaction).toContain("regexp_contains(message_sender, r'^(?:[0-9]{12,13})$')");
    expect(transaction).toContain("safe_cast(");
    expect(transaction).toContain(`'${DAY}', source_row, 1`);
    expect(transaction).toMatch(/values \(1, 'spine', '2024-03-04_spine_messages\.csv', '[^']+', \d+, '[0-9a-f]{64}', 5, \(select count\(\*\) from `test-proj\.gp2gp_raw\.spine_messages` where load_id = 1\),\s+\(select count\(\*\) from `test-proj\.gp2gp_raw\.spine_messages_rejected` where load_id = 1\), null, timestamp '/);
    expect(transaction).toContain(`is more than 1 day outside the file\\'s day, 2024-03-04 (the time tolerance)`);
    // No row of another day can be repeated when none is loaded: no duplicate join.
    expect(transaction).not.toContain("qualify");

    expect(summary.files).toEqual([
      {
        file: DAY,
        path: spine,
        status: "loaded",
        loadId: 1,
        rows: 5,
        loaded: 2,
        rejected: 3,
        seconds: expect.any(Number),
        rejections: [`${DAY} row 2: _time "yesterday" is not a valid Spine time`, `${DAY} row 3: jdiEvent "x" is not NONE, empty or an integer`],
      },
    ]);
  });

  it("skips a file identical to the current load of its day, and replaces the day's load with a changed file", async () => {
    const first = file(DAY, spineCsv([spineLine({}, 1)]));
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    await loadSpineIntoBigQuery(target, [first]);
    // A neighbouring day is loaded: its rows are candidates for duplicates.
    await loadSpineIntoBigQuery(target, [file("2024-03-05_spine_messages.csv", spineCsv([spineLine({ _time: "2024-03-05T10:00:00.000+0000" }, 9)]))]);
    client.jobs.length = 0;

    const again = await loadSpineIntoBigQuery(target, [first]);
    expect(again.files[0]).toMatchObject({ status: "skipped", loadId: 1, rows: 0 });
    expect(client.jobs.filter((j) => j.kind === "load")).toHaveLength(0);
    expect(client.scripts()).toHaveLength(0);

    const changed = file(`other/${DAY}`, spineCsv([spineLine({}, 1), spineLine({}, 2)]));
    client.counts = { row_count: 2, loaded_count: 2, rejected_count: 0 };
    const replaced = await loadSpineIntoBigQuery(target, [changed]);
    expect(replaced.files[0]).toMatchObject({ status: "replaced", loadId: 3, rows: 2, loaded: 2 });
    const [transaction] = client.scripts();
    const statements = transaction.split(";\n").map((s) => s.trim().split("\n")[0]);
    expect(statements.slice(0, 5)).toEqual([
      "begin transaction",
      "update `test-proj.gp2gp_raw.load_lock` set load_id = 3, locked_at = current_timestamp() where true",
      `assert (select coalesce(max(load_id), 0) + 1 from \`test-proj.gp2gp_raw.load_log\`) = 3 as '${DAY}: ${LOAD_LOG_CHANGED}'`,
      "delete from `test-proj.gp2gp_raw.spine_messages` where load_id = 1",
      "delete from `test-proj.gp2gp_raw.spine_messages_rejected` where load_id = 1",
    ]);
    expect(statements.at(-2)).toBe("update `test-proj.gp2gp_raw.load_log` set replaced_by_load_id = 3 where load_id in (1)");
    // Duplicates are looked for in the neighbouring day's load, not in the load being replaced.
    expect(transaction).toContain("where load_id in (2) qualify row_number() over (partition by `conversation_id`, `guid`, `interaction_id`, `message_time` order by load_id, source_row) = 1");
    expect(transaction).toContain("'the row repeats row ' || cast(duplicate_row as STRING) || ' of '");
    expect(client.loadLog.map((l) => [l.load_id, l.replaced_by_load_id])).toEqual([
      [1, 3],
      [2, null],
      [3, null],
    ]);
  });

  it("takes a folder's exports in name order, gzip included, each checked against its own day", async () => {
    file("inbox/2024-03-05_spine_messages.csv.gz", "");
    fs.writeFileSync(path.join(dir, "inbox/2024-03-05_spine_messages.csv.gz"), zlib.gzipSync(spineCsv([spineLine({ _time: "2024-03-05T10:00:00.000+0000" }, 1)])));
    file("inbox/2024-03-04_spine_messages.csv", spineCsv([spineLine({}, 1)]));
    file("inbox/notes.txt", "not an export");
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    const summary = await loadSpineIntoBigQuery(target, [path.join(dir, "inbox")], { timeToleranceDays: 0 });
    expect(summary.files.map((f) => [f.file, f.loadId])).toEqual([
      ["2024-03-04_spine_messages.csv", 1],
      ["2024-03-05_spine_messages.csv.gz", 2],
    ]);
    const loads = client.jobs.flatMap((j) => (j.kind === "load" ? [j.content.trim()] : []));
    expect(loads).toEqual([`1,,,${spineLine({}, 1)}`, `1,,,${spineLine({ _time: "2024-03-05T10:00:00.000+0000" }, 1)}`]);
    const [first, second] = client.scripts();
    expect(first).toContain("(parsed_time < timestamp '2024-03-04 00:00:00.000' or parsed_time >= timestamp '2024-03-05 00:00:00.000')");
    expect(second).toContain("(parsed_time < timestamp '2024-03-05 00:00:00.000' or parsed_time >= timestamp '2024-03-06 00:00:00.000')");
    // With no tolerance, the day before is still within reach of a repeated row (1 + 2 × 0 days).
    expect(second).toContain("where load_id in (1) qualify");
  });

  it("rolls back, names the file and drops the staging table when the transaction fails", async () => {
    client.failScript = "Query error: Transaction aborted";
    const spine = file(DAY, spineCsv([spineLine({}, 1)]));
    const error = await loadSpineIntoBigQuery(target, [spine]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadError);
    expect((error as Error).message).toBe(`${spine} could not be loaded into BigQuery (nothing of it was committed): Query error: Transaction aborted`);
    expect(client.outline().slice(-2)).toEqual(["begin transaction;", `drop table if exists \`${STAGING_PREFIX}spine\``]);
    // An error that is not a concurrent load's is not retried.
    expect(client.scripts()).toHaveLength(1);
  });

  it("retries a transaction BigQuery cancelled for a concurrent update, reusing the staging table, and commits", async () => {
    const waits: number[] = [];
    target = { ...target, retry: instantRetry(waits) };
    client.scriptErrors = [concurrentUpdateError()];
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    const summary = await loadSpineIntoBigQuery(target, [file(DAY, spineCsv([spineLine({}, 1)]))]);
    expect(summary.files[0]).toMatchObject({ status: "loaded", loadId: 1, rows: 1 });
    expect(waits).toEqual([1000]);
    // One staging table and load job; load_log read again before the second transaction; one drop at the end.
    expect(client.outline().slice(SETUP.length)).toEqual([
      ...SPINE_ATTEMPT,
      ...SPINE_ATTEMPT.filter((job) => !job.includes(STAGING_PREFIX)),
      `drop table if exists \`${STAGING_PREFIX}spine\``,
      "select row_count, loaded_count, rejected_count from `load_log`",
    ]);
    const [first, second] = client.scripts();
    // The same transaction again (only the time of the load differs).
    const loadedAt = (sql: string) => sql.replace(/timestamp '[\d-]+ [\d:.]+', null\)/, "timestamp 'loaded at', null)");
    expect(loadedAt(second)).toBe(loadedAt(first));
    expect(client.loadLog.map((l) => l.load_id)).toEqual([1]);
  });

  it("takes the next load id again when another load committed between its reads and its transaction", async () => {
    const waits: number[] = [];
    target = { ...target, retry: instantRetry(waits) };
    client.beforeScript = () => client.commitOther("spine", "2024-03-05_spine_messages.csv");
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    const summary = await loadSpineIntoBigQuery(target, [file(DAY, spineCsv([spineLine({}, 1)]))]);
    // The first transaction's check failed (it was to be load 1); the retry is load 2 and sees load 1 as a neighbour.
    expect(summary.files[0]).toMatchObject({ status: "loaded", loadId: 2 });
    expect(waits).toEqual([1000]);
    const [first, second] = client.scripts();
    expect(first).toContain(`) = 1 as '${DAY}: ${LOAD_LOG_CHANGED}'`);
    expect(second).toContain(`) = 2 as '${DAY}: ${LOAD_LOG_CHANGED}'`);
    expect(first).not.toContain("qualify");
    expect(second).toContain("where load_id in (1) qualify");
    expect(client.loadLog.map((l) => [l.load_id, l.file_name])).toEqual([
      [1, "2024-03-05_spine_messages.csv"],
      [2, DAY],
    ]);
  });

  it("gives up after the retry's attempts, naming the file, with nothing committed", async () => {
    const waits: number[] = [];
    target = { ...target, retry: instantRetry(waits, 3) };
    client.scriptErrors = [concurrentUpdateError(), concurrentUpdateError(), concurrentUpdateError()];
    const spine = file(DAY, spineCsv([spineLine({}, 1)]));
    const error = await loadSpineIntoBigQuery(target, [spine]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadError);
    expect((error as Error).message).toBe(
      `${spine} could not be loaded into BigQuery (nothing of it was committed): Transaction is aborted due to concurrent update against table test-proj.gp2gp_raw.load_lock. (tried 3 times: other loads into test-proj.gp2gp_raw kept committing at the same time)`,
    );
    expect(waits).toEqual([1000, 2000]);
    expect(client.scripts()).toHaveLength(3);
    expect(client.loadLog).toEqual([]);
    expect(client.queries().filter((q) => q.startsWith("drop table if exists"))).toHaveLength(1);
  });

  it("tells a concurrent load's error from any other", () => {
    expect(isLoadConflict(concurrentUpdateError())).toBe(true);
    expect(isLoadConflict(Object.assign(new Error("Query error at [1:1]"), { errors: [{ message: "Transaction is aborted due to concurrent update against table p.d.t" }] }))).toBe(true);
    expect(isLoadConflict(new Error(`Query error: x.csv: ${LOAD_LOG_CHANGED} at [3:1]`))).toBe(true);
    expect(isLoadConflict(new Error("Query error: x.csv: the rows read are not the rows loaded and rejected at [9:1]"))).toBe(false);
    expect(isLoadConflict(new Error("Access Denied: Table test-proj:gp2gp_raw.load_log"))).toBe(false);
  });

  it("refuses a file that is not a Spine export and a badly named one before any job", async () => {
    const notSpine = file(DAY, "a,b\n1,2\n");
    await expect(loadSpineIntoBigQuery(target, [notSpine])).rejects.toThrow(/is not a Spine message export: its header lacks _time/);
    await expect(loadSpineIntoBigQuery(target, [file("march.csv", spineCsv([spineLine()]))])).rejects.toThrow(/is not named YYYY-MM-DD_spine_messages\.csv/);
    expect(client.jobs).toEqual([]);
  });

  it("refuses a raw table whose columns differ from the schema, naming it", async () => {
    client.columns = client.columns.filter((c) => !(c.table_name === "load_log" && c.column_name === "sha256"));
    await expect(loadSpineIntoBigQuery(target, [file(DAY, spineCsv([spineLine()]))])).rejects.toThrow(/test-proj\.gp2gp_raw\.load_log has columns \(load_id INT64, .*\), expected/);
    expect(client.jobs.some((j) => j.kind === "load")).toBe(false);
  });
});

describe("gs:// files", () => {
  const SPINE_ROWS = [spineLine({}, 1), spineLine({ _time: "yesterday" }, 2), "a,b,c"];

  it("loads a Spine export from Cloud Storage exactly as the same local file, and deletes the download", async () => {
    const content = spineCsv(SPINE_ROWS);
    client.counts = { row_count: 3, loaded_count: 1, rejected_count: 2 };
    const local = file(DAY, content);
    const fromFile = await loadSpineIntoBigQuery(target, [local]);

    const other = new FakeBigQuery();
    other.counts = client.counts;
    const storage = new FakeStorage();
    const uri = `gs://gp2gp-inbox/spine/${DAY}`;
    storage.put(uri, content);
    const fromStorage = await loadSpineIntoBigQuery({ ...target, client: other, storage }, [uri]);

    // The same jobs (load job content, staging, transaction, load_log row with the object's name and checksum), the
    // URI recorded as the file's path.
    expect(jobsOf(other)).toEqual(jobsOf(client, local, uri));
    expect(other.scripts()[0]).toContain(`values (1, 'spine', '${DAY}', '${uri}', `);
    expect(other.loadLog).toEqual(client.loadLog);
    expect(other.loadLog[0]).toMatchObject({ file_name: DAY, source_kind: "spine" });
    // The summary names the URI as the path.
    expect(fromStorage.files).toEqual([{ ...fromFile.files[0], path: uri, seconds: expect.any(Number) }]);
    expect(storage.downloads).toHaveLength(1);
    expect(path.basename(storage.downloads[0])).toBe(DAY);
    expect(fs.existsSync(storage.downloads[0])).toBe(false);
  });

  it("takes a Cloud Storage folder's exports in name order, not those of its sub-folders", async () => {
    const storage = new FakeStorage();
    storage.put("gs://gp2gp-inbox/spine/2024-03-05_spine_messages.csv.gz", zlib.gzipSync(spineCsv([spineLine({ _time: "2024-03-05T10:00:00.000+0000" }, 1)])));
    storage.put(`gs://gp2gp-inbox/spine/${DAY}`, spineCsv([spineLine({}, 1)]));
    storage.put("gs://gp2gp-inbox/spine/notes.txt", "not an export");
    storage.put("gs://gp2gp-inbox/spine/old/2024-03-01_spine_messages.csv", spineCsv([spineLine({}, 1)]));
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    const summary = await loadSpineIntoBigQuery({ ...target, storage }, ["gs://gp2gp-inbox/spine"], { timeToleranceDays: 0 });
    expect(summary.files.map((f) => [f.file, f.path, f.loadId])).toEqual([
      [DAY, `gs://gp2gp-inbox/spine/${DAY}`, 1],
      ["2024-03-05_spine_messages.csv.gz", "gs://gp2gp-inbox/spine/2024-03-05_spine_messages.csv.gz", 2],
    ]);
    // Each checked against the day of its name.
    expect(client.scripts()[1]).toContain("(parsed_time < timestamp '2024-03-05 00:00:00.000' or parsed_time >= timestamp '2024-03-06 00:00:00.000')");
    expect(storage.downloads.some((d) => fs.existsSync(d))).toBe(false);
    await expect(loadSpineIntoBigQuery({ ...target, storage }, ["gs://gp2gp-inbox/spine/old/notes/"])).rejects.toThrow(
      "gs://gp2gp-inbox/spine/old/notes/ holds no *_spine_messages.csv or *_spine_messages.csv.gz files",
    );
  });

  it("loads a reference file from Cloud Storage exactly as the same local file", async () => {
    const content = ["ASID,NACS,OrgName,MName,PName,OrgType,PostCode", "000033357014,A12345,Alpha,EMIS,Web,GP,LS1 1AA", ",B1,x,,,,"].join("\n") + "\n";
    client.counts = { row_count: 2, loaded_count: 1, rejected_count: 1 };
    const local = file("asidLookup.csv", content);
    const fromFile = await loadIntoBigQuery(RAW, { kind: "asid-lookup", path: local, month: "2024-03" }, () => target);

    const other = new FakeBigQuery();
    other.counts = client.counts;
    const storage = new FakeStorage();
    storage.put("gs://gp2gp-inbox/reference/2024-03/asidLookup.csv", content);
    const fromStorage = await loadIntoBigQuery(RAW, { kind: "asid-lookup", path: "gs://gp2gp-inbox/reference/2024-03/asidLookup.csv", month: "2024-03" }, () => ({ ...target, client: other, storage }));

    expect(jobsOf(other)).toEqual(jobsOf(client, local, "gs://gp2gp-inbox/reference/2024-03/asidLookup.csv"));
    expect(other.loadLog).toEqual(client.loadLog);
    expect(fromStorage.files).toEqual([{ ...fromFile.files[0], path: "gs://gp2gp-inbox/reference/2024-03/asidLookup.csv", seconds: expect.any(Number) }]);
    expect(fromStorage.files[0].rejections).toEqual(["asidLookup.csv row 2: ASID is empty"]);
    expect(fs.existsSync(storage.downloads[0])).toBe(false);
  });

  it("names the URI of a missing object or a bad URI, before any BigQuery job", async () => {
    const storage = new FakeStorage();
    const withStorage = { ...target, storage };
    await expect(loadSpineIntoBigQuery(withStorage, [`gs://gp2gp-inbox/${DAY}`])).rejects.toThrow(
      `gs://gp2gp-inbox/${DAY} does not exist: there is no such object in Cloud Storage, nor a folder of that name`,
    );
    await expect(loadIntoBigQuery(RAW, { kind: "geography", paths: ["gs://gp2gp-inbox/geography.csv"] }, () => withStorage)).rejects.toThrow(
      new LoadError("gs://gp2gp-inbox/geography.csv", "does not exist: there is no such object in Cloud Storage"),
    );
    await expect(loadIntoBigQuery(RAW, { kind: "ods", paths: ["gs://Inbox_Bucket/organisationMetadata.json"] }, () => withStorage)).rejects.toThrow(
      "gs://Inbox_Bucket/organisationMetadata.json is not a bucket name (lower-case letters, digits, -, _ and ., 3 to 222 characters)",
    );
    await expect(loadIntoBigQuery(RAW, { kind: "ods", paths: ["gs://gp2gp-inbox/reference/"] }, () => withStorage)).rejects.toThrow(
      "gs://gp2gp-inbox/reference/ names a folder: name an object (gs://bucket/path/file)",
    );
    // A refused object is named by its URI too.
    storage.put("gs://gp2gp-inbox/march.csv", spineCsv([spineLine()]));
    await expect(loadSpineIntoBigQuery(withStorage, ["gs://gp2gp-inbox/march.csv"])).rejects.toThrow(/^gs:\/\/gp2gp-inbox\/march\.csv is not named YYYY-MM-DD_spine_messages\.csv/);
    expect(client.jobs).toEqual([]);
  });

  it("is refused by the DuckDB loaders, naming the URI and --engine bigquery", async () => {
    const refused = /^gs:\/\/gp2gp-inbox\/x\.json is a Cloud Storage URI: only `gp2gp load … --engine bigquery` reads from Cloud Storage; to load it into DuckDB, download it first/;
    await expect(prepareOds("gs://gp2gp-inbox/x.json")).rejects.toThrow(refused);
    await expect(listSpineFiles(["gs://gp2gp-inbox/x.json"])).rejects.toThrow(refused);
  });

  it("gives the real client's download and listing what they need, and a missing object as false", async () => {
    const calls: unknown[] = [];
    const real = {
      bucket: (bucket: string) => ({
        file: (name: string) => ({
          download: async (options: unknown) => {
            calls.push({ bucket, name, options });
            if (name === "missing.csv") throw Object.assign(new Error("No such object: gp2gp-inbox/missing.csv"), { code: 404 });
            if (name === "denied.csv") throw Object.assign(new Error("permission denied"), { code: 403 });
            return [Buffer.alloc(0)];
          },
        }),
        getFiles: async (options: unknown) => {
          calls.push({ bucket, options });
          return [[{ name: "spine/a.csv" }]];
        },
      }),
    };
    const adapted = cloudStorageClient(real as never);
    expect(await adapted.download({ bucket: "gp2gp-inbox", name: "spine/a.csv" }, "/tmp/a.csv")).toBe(true);
    expect(await adapted.download({ bucket: "gp2gp-inbox", name: "missing.csv" }, "/tmp/m.csv")).toBe(false);
    await expect(adapted.download({ bucket: "gp2gp-inbox", name: "denied.csv" }, "/tmp/d.csv")).rejects.toThrow("permission denied");
    expect(await adapted.list("gp2gp-inbox", "spine/")).toEqual(["spine/a.csv"]);
    expect(calls[0]).toEqual({ bucket: "gp2gp-inbox", name: "spine/a.csv", options: { destination: "/tmp/a.csv" } });
    expect(calls.at(-1)).toEqual({ bucket: "gp2gp-inbox", options: { prefix: "spine/", delimiter: "/", autoPaginate: true } });
  });
});

describe("loadReferenceIntoBigQuery", () => {
  it("loads the checked rows of an ASID lookup as JSON into a typed staging table; rejected rows are counted in load_log", async () => {
    const lookup = file("asidLookup.csv", ["ASID,NACS,OrgName,MName,PName,OrgType,PostCode", "000033357014,A12345,Alpha,EMIS,Web,GP,LS1 1AA", ",B1,x,,,,", "000033357015,B23456,,TPP,,GP,"].join("\n") + "\n");
    client.counts = { row_count: 3, loaded_count: 2, rejected_count: 1 };
    const summary = await loadReferenceIntoBigQuery(target, [() => prepareAsidLookup(lookup, "2024-03")]);
    // The rejected rows are listed as on DuckDB (reference rejects are not stored).
    expect(summary.files[0]).toMatchObject({ status: "loaded", rows: 3, loaded: 2, rejected: 1, rejections: ["asidLookup.csv row 2: ASID is empty"] });
    const load = client.jobs.find((j) => j.kind === "load")!;
    if (load.kind !== "load") throw new Error("no load job");
    expect(load.config).toMatchObject({ sourceFormat: "NEWLINE_DELIMITED_JSON", createDisposition: "CREATE_NEVER", writeDisposition: "WRITE_APPEND", maxBadRecords: 0 });
    expect(load.config.schema.fields.map((f) => `${f.name} ${f.type}`)).toEqual(RAW_TABLES.find((t) => t.name === "asid_lookup")!.columns.map((c) => `${c.name} ${c.type}`));
    // An empty value stays empty (not NULL), as on DuckDB.
    expect(load.content.split("\n").filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { reference_month: "2024-03-01", asid: "000033357014", nacs: "A12345", org_name: "Alpha", manufacturer: "EMIS", product: "Web", org_type: "GP", postcode: "LS1 1AA", source_file: "asidLookup.csv", source_row: 1, load_id: 1 },
      { reference_month: "2024-03-01", asid: "000033357015", nacs: "B23456", org_name: "", manufacturer: "TPP", product: "", org_type: "GP", postcode: "", source_file: "asidLookup.csv", source_row: 3, load_id: 1 },
    ]);
    const [transaction] = client.scripts();
    expect(transaction).toMatch(/insert into `test-proj\.gp2gp_raw\.asid_lookup` \(reference_month, asid, nacs, org_name, manufacturer, product, org_type, postcode, source_file, source_row, load_id\) select .* from `test-proj\.gp2gp_raw\._gp2gp_staging_asid_lookup_1_[0-9a-f]{8}`/);
    expect(transaction).toMatch(/, 3, \(select count\(\*\) from `test-proj\.gp2gp_raw\.asid_lookup` where load_id = 1\),\s+1, date '2024-03-01', timestamp '/);
  });

  it("loads organisation metadata into its three tables in one transaction, and a month loaded again is skipped", async () => {
    const json = {
      generated_on: "2024-03-01T06:12:45+00:00",
      year: 2024,
      month: 3,
      practices: [{ ods_code: "A12345", name: "Alpha Surgery", asids: ["000033357014"] }],
      sicbls: [{ ods_code: "01A", name: "NHS North ICB - 01A", practices: ["A12345"] }],
    };
    const metadata = file("organisationMetadata.json", JSON.stringify(json));
    client.counts = { row_count: 3, loaded_count: 3, rejected_count: 0 };
    await loadReferenceIntoBigQuery(target, [() => prepareOds(metadata)]);
    expect(client.jobs.flatMap((j) => (j.kind === "load" ? [j.destination.tableId.replace(/_1_[0-9a-f]{8}$/, "")] : []))).toEqual([
      `${STAGING_PREFIX}ods_practices`,
      `${STAGING_PREFIX}ods_practice_asids`,
      `${STAGING_PREFIX}ods_sicbl_practices`,
    ]);
    expect(client.scripts()).toHaveLength(1);
    expect(client.queries().filter((q) => q.startsWith("drop table if exists"))).toHaveLength(3);
    client.jobs.length = 0;
    const again = await loadReferenceIntoBigQuery(target, [() => prepareOds(metadata)]);
    expect(again.files[0]).toMatchObject({ status: "skipped", loadId: 1 });
    expect(client.scripts()).toHaveLength(0);
    // A changed file for the month replaces the month's rows in all three tables.
    fs.writeFileSync(metadata, JSON.stringify({ ...json, practices: [...json.practices, { ods_code: "B23456", name: "Beta", asids: [] }] }));
    client.counts = { row_count: 4, loaded_count: 4, rejected_count: 0 };
    const replaced = await loadReferenceIntoBigQuery(target, [() => prepareOds(metadata)]);
    expect(replaced.files[0]).toMatchObject({ status: "replaced", loadId: 2, rows: 4 });
    const [transaction] = client.scripts();
    expect(transaction.split(";\n").filter((st) => /^(delete|update)/.test(st))).toEqual([
      "update `test-proj.gp2gp_raw.load_lock` set load_id = 2, locked_at = current_timestamp() where true",
      "delete from `test-proj.gp2gp_raw.ods_practices` where load_id = 1",
      "delete from `test-proj.gp2gp_raw.ods_practice_asids` where load_id = 1",
      "delete from `test-proj.gp2gp_raw.ods_sicbl_practices` where load_id = 1",
      "update `test-proj.gp2gp_raw.load_log` set replaced_by_load_id = 2 where load_id in (1)",
    ]);
    expect(transaction).toContain(", 4, (select count(*) from `test-proj.gp2gp_raw.ods_practices` where load_id = 2) + (select count(*) from `test-proj.gp2gp_raw.ods_practice_asids` where load_id = 2) + (select count(*) from `test-proj.gp2gp_raw.ods_sicbl_practices` where load_id = 2),");
    // One staging table (and load job) per table with rows.
    expect(client.jobs.filter((j) => j.kind === "load")).toHaveLength(3);
  });
});

describe("bigQueryLoadClient", () => {
  it("gives the real client's load the location with the table and the rest as the load configuration, and plain query rows", async () => {
    const calls: unknown[] = [];
    const real = {
      dataset: (datasetId: string, datasetOptions: unknown) => ({
        table: (tableId: string, tableOptions: unknown) => ({
          load: async (file: string, metadata: unknown) => {
            calls.push({ datasetId, datasetOptions, tableId, tableOptions, file, metadata });
            return [{}];
          },
        }),
      }),
      query: async (config: unknown) => {
        calls.push(config);
        return [[{ reference_month: { value: "2024-03-01" }, load_id: 3, file_name: "x.csv" }]];
      },
    };
    const adapted = bigQueryLoadClient(real as never);
    const config = spineLoadJobConfig(["_time"], "europe-west2");
    await adapted.load({ projectId: PROJECT, datasetId: RAW, tableId: "_gp2gp_staging_spine_1_00000000" }, "/tmp/rows.csv", config);
    const { location: _, ...load } = config;
    expect(calls[0]).toEqual({
      datasetId: RAW,
      datasetOptions: { projectId: PROJECT, location: "europe-west2" },
      tableId: "_gp2gp_staging_spine_1_00000000",
      tableOptions: { location: "europe-west2" },
      file: "/tmp/rows.csv",
      metadata: load,
    });
    expect(await adapted.query({ query: "select 1", location: "europe-west2", useLegacySql: false, labels: {} })).toEqual([{ reference_month: "2024-03-01", load_id: 3, file_name: "x.csv" }]);
  });
});

describe("loadIntoBigQuery", () => {
  it("without Google credentials fails before any file is read or client made, naming what would supply them", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-no-credentials-"));
    expect(() => bigQueryLoadTargetFromEnvironment(RAW, { HOME: home })).toThrow(BigQueryCredentialsError);
    expect(() => bigQueryLoadTargetFromEnvironment(RAW, { HOME: home })).toThrow(/GOOGLE_APPLICATION_CREDENTIALS=\/path\/key\.json \(or GP2GP_BIGQUERY_KEY_FILE\).*gcloud auth application-default login/);
    await expect(loadIntoBigQuery(RAW, { kind: "geography", paths: ["/nonexistent.csv"] }, () => bigQueryLoadTargetFromEnvironment(RAW, { HOME: home }))).rejects.toThrow(BigQueryCredentialsError);
    await expect(loadIntoBigQuery(RAW, { kind: "spine", paths: [`gs://gp2gp-inbox/${DAY}`] }, () => bigQueryLoadTargetFromEnvironment(RAW, { HOME: home }))).rejects.toThrow(BigQueryCredentialsError);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("loads each kind through the same load log", async () => {
    const geography = file("geography.csv", "sicbl_ods_code,sicbl_name,icb_ods_code,icb_name,region_ods_code,region_name\n01A,North,QHM,ICB N,Y63,North East\n");
    client.counts = { row_count: 1, loaded_count: 1, rejected_count: 0 };
    const summary = await loadIntoBigQuery(RAW, { kind: "geography", paths: [geography] }, () => target);
    expect(summary.files[0]).toMatchObject({ status: "loaded", loadId: 1, rows: 1, loaded: 1 });
    expect(client.loadLog).toMatchObject([{ load_id: 1, source_kind: "geography", file_name: "geography.csv", reference_month: null }]);
    // Bad usage is refused before the credentials are looked for.
    const noTarget = () => {
      throw new Error("credentials looked for");
    };
    await expect(loadIntoBigQuery(RAW, { kind: "asid-lookup", path: geography, month: "2024-13" }, noTarget)).rejects.toThrow("gp2gp load asid-lookup: --month must be YYYY-MM, e.g. 2024-03");
    await expect(loadIntoBigQuery(RAW, { kind: "ods", paths: [] }, noTarget)).rejects.toThrow("gp2gp load ods: name at least one file");
  });
});

describe("the statements the BigQuery loader issues (ZetaSQL, BigQuery mode)", () => {
  let analyzer: ZetaSqlAnalyzer;
  beforeAll(async () => {
    analyzer = await ZetaSqlAnalyzer.start();
  });
  afterAll(async () => {
    await analyzer?.close();
  });

  it("are valid BigQuery against the raw tables and the staging tables", async () => {
    expect(issued.length).toBeGreaterThan(50);
    const catalog: Catalog = rawCatalog(PROJECT, RAW, [...RAW_TABLES, LOAD_LOCK_TABLE]);
    catalog.addTable(`${PROJECT}.${RAW}.INFORMATION_SCHEMA.COLUMNS`, [
      { name: "table_name", type: typeOf("STRING") },
      { name: "column_name", type: typeOf("STRING") },
      { name: "data_type", type: typeOf("STRING") },
      { name: "ordinal_position", type: typeOf("INT64") },
    ]);
    const errors: string[] = [];
    const seen = new Set<string>();
    for (const { sql, staging } of issued) {
      for (const { table, fields } of staging) catalog.addTable(`${table.projectId}.${table.datasetId}.${table.tableId}`, fields.map((f) => ({ name: f.name, type: typeOf(f.type) })));
      const shape = sql.replace(/_\d+_[0-9a-f]{8}`/g, "`");
      if (seen.has(shape)) continue;
      seen.add(shape);
      for (const result of await analyzer.analyzeScript(sql, catalog)) {
        if (result.error) errors.push(`${result.error}\n  in: ${result.sql.slice(0, 200)}`);
      }
    }
    expect(errors).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
    // The same checks in DuckDB's spelling are not BigQuery: the analyzer is really checking them.
    const duckdbSql = spineInserts(helpersFor("duckdb"), { spineMessages: `\`${PROJECT}.${RAW}.spine_messages\``, rejected: `\`${PROJECT}.${RAW}.spine_messages_rejected\`` }, DAY, SPINE_HEADER.split(","), { day: "2024-03-04", toleranceDays: 1 }, [1], 2);
    const staging = issued.find((i) => i.staging.some((s) => s.table.tableId.includes("spine")))!.staging.find((s) => s.table.tableId.includes("spine"))!.table;
    expect((await analyzer.analyze(duckdbSql.valid(`\`${staging.projectId}.${staging.datasetId}.${staging.tableId}\``), catalog)).error).toMatch(/regexp_full_match|distinct|Syntax error|not found/i);
  }, 120_000);
});
