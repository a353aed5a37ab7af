/**
 * The inbox of `gp2gp daily`: the files delivered under DIR/spine/ and DIR/reference/, recognised by name as
 * `gp2gp generate` writes them and `loadFolder` reads them. Each file is loaded on its own, in its loader's
 * transaction: one already loaded (its SHA-256 is in the load log, current or replaced) is skipped without being
 * read, and one its loader refuses whole is moved to DIR/quarantine/ with a `<name>.reason.txt` beside it.
 */
import fs from "node:fs";
import path from "node:path";
import { sqlString, type Warehouse } from "../duckdb";
import { writeFileAtomically } from "../files";
import { loadAsidLookup } from "../load/asid-lookup";
import { describeFile, LoadError, type LoadSummary, type SourceKind } from "../load/common";
import { loadGeography } from "../load/geography";
import { loadOds } from "../load/ods";
import { ensureRawTables, rawName } from "../load/raw-tables";
import { loadSpine } from "../load/spine";

/** How `loadFolder` recognises each kind of file; the order is the order of loading (reference data first). */
const RECOGNISERS: readonly { kind: SourceKind; folder: "reference" | "spine"; pattern: RegExp }[] = [
  { kind: "ods", folder: "reference", pattern: /organisationMetadata\.json$/ },
  { kind: "asid_lookup", folder: "reference", pattern: /asidLookup\.csv(\.gz)?$/ },
  { kind: "geography", folder: "reference", pattern: /geography.*\.csv$/ },
  { kind: "spine", folder: "spine", pattern: /_spine_messages\.csv(\.gz)?$/ },
];

export interface InboxFile {
  readonly kind: SourceKind;
  /** Path under the inbox, e.g. spine/2026-03-01_spine_messages.csv.gz. */
  readonly relativePath: string;
  readonly absolutePath: string;
  readonly name: string;
}

/** The files of the inbox in loading order: organisation metadata, ASID lookups, geography, then Spine by name. */
export function listInbox(dir: string): InboxFile[] {
  const files: InboxFile[] = [];
  for (const { kind, folder, pattern } of RECOGNISERS) {
    const folderPath = path.join(dir, folder);
    if (!fs.existsSync(folderPath)) continue;
    const names = fs
      .readdirSync(folderPath, { withFileTypes: true })
      .filter((entry) => entry.isFile() && pattern.test(entry.name))
      .map((entry) => entry.name)
      .sort();
    for (const name of names) files.push({ kind, relativePath: path.join(folder, name), absolutePath: path.join(folderPath, name), name });
  }
  return files;
}

export type InboxStatus = "loaded" | "replaced" | "skipped" | "quarantined";

export interface InboxFileResult {
  readonly file: InboxFile;
  readonly status: InboxStatus;
  readonly rows: number;
  readonly loaded: number;
  readonly rejected: number;
  /** Why the file was quarantined. */
  readonly reason?: string;
  /** Where the file was moved to, when quarantined. */
  readonly quarantinedTo?: string;
}

export interface LoadInboxOptions {
  readonly raw: string;
  readonly timeToleranceDays?: number;
  /** Called after each file. */
  readonly onFile?: (result: InboxFileResult) => void;
}

/** Loads every new file of the inbox, one transaction per file; refused files are quarantined and the rest go on. */
export async function loadInbox(warehouse: Warehouse, dir: string, options: LoadInboxOptions): Promise<InboxFileResult[]> {
  await ensureRawTables(warehouse, options.raw);
  const results: InboxFileResult[] = [];
  for (const file of listInbox(dir)) {
    const result = await loadInboxFile(warehouse, dir, file, options);
    results.push(result);
    options.onFile?.(result);
  }
  return results;
}

async function loadInboxFile(warehouse: Warehouse, dir: string, file: InboxFile, options: LoadInboxOptions): Promise<InboxFileResult> {
  const { raw } = options;
  try {
    const { sha256 } = await describeFile(file.absolutePath);
    const seen = await warehouse.scalar<number>(`select count(*) from ${rawName(raw, "load_log")} where sha256 = ${sqlString(sha256)} and source_kind = ${sqlString(file.kind)}`);
    if (Number(seen) > 0) return { file, status: "skipped", rows: 0, loaded: 0, rejected: 0 };
    const summary = await loadOne(warehouse, file, options);
    const result = summary.files[0];
    if (!result) throw new LoadError(file.absolutePath, "gave the loader nothing to load");
    return { file, status: result.status, rows: result.rows, loaded: result.loaded, rejected: result.rejected };
  } catch (error) {
    if (!(error instanceof LoadError)) throw error;
    return quarantine(dir, file, error.message);
  }
}

function loadOne(warehouse: Warehouse, file: InboxFile, options: LoadInboxOptions): Promise<LoadSummary> {
  const raw = { raw: options.raw };
  switch (file.kind) {
    case "ods":
      return loadOds(warehouse, [file.absolutePath], raw);
    case "asid_lookup": {
      const month = /^(\d{4}-\d{2})/.exec(file.name)?.[1];
      if (!month) throw new LoadError(file.absolutePath, "is not named YYYY-MM_asidLookup.csv[.gz]: the month an ASID lookup applies to is taken from its name");
      return loadAsidLookup(warehouse, file.absolutePath, month, raw);
    }
    case "geography":
      return loadGeography(warehouse, [file.absolutePath], raw);
    case "spine":
      return loadSpine(warehouse, [file.absolutePath], { ...raw, timeToleranceDays: options.timeToleranceDays });
  }
}

/** Moves a refused file to DIR/quarantine/ (a numbered name when one is there already) with its reason beside it. */
function quarantine(dir: string, file: InboxFile, reason: string): InboxFileResult {
  const folder = path.join(dir, "quarantine");
  fs.mkdirSync(folder, { recursive: true });
  let target = path.join(folder, file.name);
  for (let n = 2; fs.existsSync(target); n++) target = path.join(folder, `${file.name}.${n}`);
  const text = `${file.relativePath} was not loaded: ${reason}\nQuarantined at ${new Date().toISOString()}. Fix the file and deliver it to ${path.dirname(file.relativePath)}/ again.\n`;
  writeFileAtomically(`${target}.reason.txt`, text);
  fs.renameSync(file.absolutePath, target);
  return { file, status: "quarantined", rows: 0, loaded: 0, rejected: 0, reason, quarantinedTo: target };
}
