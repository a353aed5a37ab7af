/**
 * What every loader shares: the error type for refused files, file identity (size and SHA-256), the result
 * shapes returned to the command line, and row-level rejection messages.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** A file that cannot be loaded at all. Nothing from it reaches the warehouse; the message names the file. */
export class LoadError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file} ${problem}`);
    this.name = "LoadError";
  }
}

export type SourceKind = "spine" | "ods" | "asid_lookup" | "geography";

export interface FileInfo {
  /** The path as given (used in error messages). */
  readonly displayPath: string;
  /** Where the file is read from. */
  readonly absolutePath: string;
  /** Where it was loaded from, as load_log.file_path records it: the absolute path, or the URI of a downloaded object. */
  readonly loadedFrom: string;
  /** Base name: the `source_file` of every row and load_log.file_name. */
  readonly name: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/**
 * A file to load: a local path, or a local copy of a file named otherwise (a Cloud Storage object downloaded by the
 * BigQuery loader), which is read from `path` and named by `displayPath` in every message. The copy's base name is
 * the object's, so the file's name (load_log.file_name, source_file, a Spine export's day) is the same.
 */
export type FileSource = string | { readonly path: string; readonly displayPath: string };

/** How a Cloud Storage URI starts. */
export const CLOUD_STORAGE_URI = /^gs:\/\//i;

/** Refuses a Cloud Storage URI where only local files are read (the DuckDB loaders), naming it and the way out. */
export function refuseCloudStorageUri(input: string): void {
  if (CLOUD_STORAGE_URI.test(input)) {
    throw new LoadError(input, "is a Cloud Storage URI: only `gp2gp load … --engine bigquery` reads from Cloud Storage; to load it into DuckDB, download it first (gcloud storage cp <uri> .) and load that");
  }
}

/** Size and SHA-256 of a file's bytes as stored (compressed files are hashed compressed). */
export async function describeFile(source: FileSource): Promise<FileInfo> {
  const { path: filePath, displayPath } = typeof source === "string" ? { path: source, displayPath: source } : source;
  refuseCloudStorageUri(filePath);
  const absolutePath = path.resolve(filePath);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(absolutePath);
  } catch {
    throw new LoadError(displayPath, "does not exist");
  }
  if (!stat.isFile()) throw new LoadError(displayPath, "is not a file");
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(absolutePath, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const loadedFrom = typeof source === "string" ? absolutePath : displayPath;
  return { displayPath, absolutePath, loadedFrom, name: path.basename(absolutePath), sizeBytes: stat.size, sha256: hash.digest("hex") };
}

export type LoadStatus = "loaded" | "skipped" | "replaced";

export interface FileLoadResult {
  /** Base name of the file. */
  readonly file: string;
  readonly path: string;
  /** 'skipped': identical to the current load of the same file; 'replaced': a changed file replaced an earlier load. */
  readonly status: LoadStatus;
  /** The load that now holds the file's rows (for 'skipped', the earlier load). */
  readonly loadId: number;
  /** Data rows read, written to the raw table, and rejected by this call (all 0 when skipped). */
  readonly rows: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly seconds: number;
  /** The first few rejections, e.g. `x.csv row 17: jdiEvent "INVALID" is not NONE, empty or an integer`. */
  readonly rejections: readonly string[];
}

export interface LoadSummary {
  readonly files: readonly FileLoadResult[];
  readonly totals: {
    readonly files: number;
    readonly loadedFiles: number;
    readonly replacedFiles: number;
    readonly skippedFiles: number;
    readonly rows: number;
    readonly loaded: number;
    readonly rejected: number;
    readonly seconds: number;
  };
}

/** How many rejection messages each file result carries. */
export const REJECTIONS_REPORTED = 5;

export function summarise(files: readonly FileLoadResult[]): LoadSummary {
  const sum = (pick: (f: FileLoadResult) => number) => files.reduce((total, f) => total + pick(f), 0);
  const count = (status: LoadStatus) => files.filter((f) => f.status === status).length;
  return {
    files,
    totals: {
      files: files.length,
      loadedFiles: count("loaded"),
      replacedFiles: count("replaced"),
      skippedFiles: count("skipped"),
      rows: sum((f) => f.rows),
      loaded: sum((f) => f.loaded),
      rejected: sum((f) => f.rejected),
      seconds: Math.round(sum((f) => f.seconds) * 1000) / 1000,
    },
  };
}

/**
 * An ASID as text: 12 digits with their leading zeros, or 13, which real Spine exports also hold (spec §2.1). The
 * same pattern in a regular expression for Node and for DuckDB's regexp_full_match.
 */
export const ASID_DIGITS = "[0-9]{12,13}";
export const ASID_PATTERN = new RegExp(`^${ASID_DIGITS}$`);
export const ASID_FORMAT = "an ASID (12 or 13 digits)";

export function rejectionMessage(file: string, row: number, reason: string): string {
  return `${file} row ${row}: ${reason}`;
}

/** "YYYY-MM-DD" of the first day of a month. */
export function firstOfMonth(year: number, month: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`;
}

export function elapsedSeconds(startedAt: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6) / 1000;
}
