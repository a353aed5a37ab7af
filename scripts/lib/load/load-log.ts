/**
 * The load log and the rules every loader follows with it: a file identical to the current load of the same source
 * is skipped; a changed one replaces that load's rows; each file loads in one transaction, so a failure leaves the
 * warehouse as it was.
 */
import { helpersFor, type SqlHelpers } from "../../../includes/engine";
import type { Warehouse } from "../duckdb";
import { elapsedSeconds, type FileInfo, type FileLoadResult, type SourceKind } from "./common";
import { rawName } from "./raw-tables";

const duckdb = helpersFor("duckdb");

/**
 * Which earlier load a file replaces. Spine exports are one file per UTC day, known by the day their name starts
 * with: a gzip and a plain copy of the same export, or the export under another name, are the same day. Reference
 * files are monthly and usually keep one name every month, so the month identifies them. The geography lookup is one
 * current table.
 */
export function identityKey(kind: SourceKind, fileName: string, referenceMonth: string | null): string {
  switch (kind) {
    case "spine":
      // The day the name starts with (YYYY-MM-DD_spine_messages.csv[.gz]): a second file for a day replaces the first.
      return /^\d{4}-\d{2}-\d{2}/.exec(fileName)?.[0] ?? fileName.replace(/\.gz$/i, "");
    case "ods":
    case "asid_lookup":
      if (!referenceMonth) throw new Error(`A ${kind} load needs a reference month`);
      return referenceMonth;
    case "geography":
      return "";
  }
}

export type LoadLogEntry = {
  readonly load_id: number;
  readonly source_kind: SourceKind;
  readonly file_name: string;
  readonly file_path: string;
  readonly size_bytes: number;
  readonly sha256: string;
  readonly row_count: number;
  readonly loaded_count: number;
  readonly rejected_count: number;
  readonly reference_month: string | null;
  readonly loaded_at: string;
  readonly replaced_by_load_id: number | null;
};

/** The loads of this kind and identity that are current (not replaced); normally zero or one. */
export async function currentLoads(warehouse: Warehouse, raw: string, kind: SourceKind, key: string): Promise<LoadLogEntry[]> {
  const rows = await warehouse.rows<LoadLogEntry>(
    `select * replace (strftime(reference_month, '%Y-%m-%d') as reference_month)
     from ${rawName(raw, "load_log")}
     where source_kind = ${duckdb.stringLiteral(kind)} and replaced_by_load_id is null
     order by load_id`,
  );
  return rows.filter((row) => identityKey(kind, row.file_name, row.reference_month) === key);
}

/** Every load, oldest first. */
export async function loadLog(warehouse: Warehouse, raw: string): Promise<LoadLogEntry[]> {
  return warehouse.rows<LoadLogEntry>(
    `select * replace (strftime(reference_month, '%Y-%m-%d') as reference_month) from ${rawName(raw, "load_log")} order by load_id`,
  );
}

export interface WrittenCounts {
  readonly rows: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly rejections: readonly string[];
}

export interface LoadRequest {
  /** The raw dataset holding load_log and the kind's tables. */
  readonly raw: string;
  readonly kind: SourceKind;
  readonly file: FileInfo;
  /** 'YYYY-MM-DD', first day of the month, for monthly reference data. */
  readonly referenceMonth?: string | null;
  /** The raw tables holding this kind's rows (by load_id), cleared of the replaced load's rows. */
  readonly tables: readonly string[];
  /** Work that needs no transaction, done only when the file is not skipped (e.g. parsing the file). */
  prepare?(): Promise<void>;
  /** Writes the file's rows with the given load id, inside the load's transaction. */
  write(loadId: number): Promise<WrittenCounts>;
}

/** The values of a load_log row; the counts are numbers or, for a load that counts its rows in SQL, expressions. */
export interface LoadLogValues {
  readonly loadId: number;
  readonly kind: SourceKind;
  readonly file: FileInfo;
  readonly rows: number | string;
  readonly loaded: number | string;
  readonly rejected: number | string;
  /** 'YYYY-MM-DD' or null. */
  readonly referenceMonth: string | null;
  /** UTC, 'YYYY-MM-DD HH:MM:SS.sss'. */
  readonly loadedAt: string;
}

/** The statement that records a load in load_log (`loadLog`: the table as the engine names it). */
export function loadLogInsert(h: SqlHelpers, loadLog: string, v: LoadLogValues): string {
  const s = h.stringLiteral;
  return `insert into ${loadLog}
         (load_id, source_kind, file_name, file_path, size_bytes, sha256, row_count, loaded_count, rejected_count, reference_month, loaded_at, replaced_by_load_id)
       values (${v.loadId}, ${s(v.kind)}, ${s(v.file.name)}, ${s(v.file.loadedFrom)}, ${v.file.sizeBytes}, ${s(v.file.sha256)}, ${v.rows}, ${v.loaded},
               ${v.rejected}, ${v.referenceMonth ? `date ${s(v.referenceMonth)}` : "null"}, timestamp ${s(v.loadedAt)}, null)`;
}

/** The statement that removes a replaced load's rows from one of its tables. */
export function deleteLoad(table: string, loadId: number): string {
  return `delete from ${table} where load_id = ${loadId}`;
}

/** The statement that marks the loads a new load replaces. */
export function markReplaced(loadLog: string, previous: readonly number[], loadId: number): string {
  return `update ${loadLog} set replaced_by_load_id = ${loadId} where load_id in (${previous.join(", ")})`;
}

/** Loads one file under the skip/replace rules and records it in load_log. */
export async function loadFile(warehouse: Warehouse, request: LoadRequest): Promise<FileLoadResult> {
  const startedAt = process.hrtime.bigint();
  const { raw, kind, file } = request;
  const referenceMonth = request.referenceMonth ?? null;
  const previous = await currentLoads(warehouse, raw, kind, identityKey(kind, file.name, referenceMonth));
  const same = previous.length === 1 && previous[0].sha256 === file.sha256 ? previous[0] : undefined;
  if (same) {
    return { file: file.name, path: file.displayPath, status: "skipped", loadId: same.load_id, rows: 0, loaded: 0, rejected: 0, seconds: elapsedSeconds(startedAt), rejections: [] };
  }
  await request.prepare?.();
  const { loadId, counts } = await warehouse.transaction(async () => {
    const loadId = (await warehouse.scalar<number>(`select coalesce(max(load_id), 0) + 1 from ${rawName(raw, "load_log")}`)) ?? 1;
    for (const old of previous) {
      for (const table of request.tables) await warehouse.run(deleteLoad(rawName(raw, table), old.load_id));
    }
    const counts = await request.write(loadId);
    if (counts.rows !== counts.loaded + counts.rejected) {
      throw new Error(`${file.displayPath}: ${counts.rows} rows read but ${counts.loaded} loaded and ${counts.rejected} rejected`);
    }
    const loadedAt = new Date().toISOString().replace("T", " ").replace("Z", "");
    await warehouse.run(loadLogInsert(duckdb, rawName(raw, "load_log"), { loadId, kind, file, referenceMonth, loadedAt, ...counts }));
    if (previous.length > 0) {
      await warehouse.run(markReplaced(rawName(raw, "load_log"), previous.map((p) => p.load_id), loadId));
    }
    return { loadId, counts };
  });
  return {
    file: file.name,
    path: file.displayPath,
    status: previous.length > 0 ? "replaced" : "loaded",
    loadId,
    rows: counts.rows,
    loaded: counts.loaded,
    rejected: counts.rejected,
    seconds: elapsedSeconds(startedAt),
    rejections: counts.rejections,
  };
}
