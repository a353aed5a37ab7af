/**
 * Loads daily Spine message exports (spec §2.1) into raw.spine_messages, rejected rows into
 * raw.spine_messages_rejected.
 *
 * Two steps per file, for speed with exact row numbers:
 * 1. Node streams the file once (gunzip on the thread pool), finds records on raw bytes and writes a normalised CSV
 *    to a temporary file: `source_row, fault, raw_line, c1 … cN`, one line per data row. Well-formed rows are copied
 *    byte for byte; rows with quotes are re-quoted; rows with a wrong field count or broken quoting keep their text
 *    in raw_line with the fault. Memory stays bounded whatever the file size.
 * 2. DuckDB reads that file with its parallel CSV reader and, in one transaction, inserts the rows that pass the
 *    checks into the raw table and the others, with the reason, into the rejected table. `_time` is checked with
 *    the same SQL helper the staged model parses it with, so the two can never disagree. The statements are built
 *    from the engine's helpers in spine-sql.ts, which the BigQuery loader (bigquery.ts) runs on the same normalised
 *    rows in a staging table.
 *
 * Most exports are plain: no quote, no carriage return, no empty or over-long line. Step 2 reads such a file straight
 * away (gzip included), numbering its rows in file order, while Node checks it is plain, counts its lines and hashes
 * it; on a plain file one line is one record, so the numbers are the same as step 1's. When Node finds it is not plain,
 * or DuckDB's strict reader refuses a line (a wrong number of fields), the transaction is rolled back and the file goes
 * through step 1. Both ways give the same rows, rejects and row numbers, and memory stays bounded.
 *
 * Every non-blank line after the header is one row, loaded or rejected; the row count read is compared with the rows
 * written and rejected. A quote left open at the end of its line rejects that line and every line after it, each
 * with its reason: to a CSV reader everything after an unclosed quote is inside it, so those lines cannot be trusted.
 *
 * A file's name gives its UTC day (YYYY-MM-DD_spine_messages.csv[.gz]). A message time before 2010 or more than the
 * time tolerance (default 1 day) outside that day is rejected, and so is a row already loaded from another day's file
 * (same conversationID, GUID, interactionID and _time): rows of a day never count twice. A second file for a day
 * replaces the first (load-log.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { helpersFor } from "../../../includes/engine";
import { SPINE_COLUMNS } from "../../../includes/raw_schemas";
import type { Warehouse } from "../duckdb";
import { describeFile, LoadError, refuseCloudStorageUri, REJECTIONS_REPORTED, rejectionMessage, summarise, type FileInfo, type LoadSummary } from "./common";
import { CsvRecordScanner, MAX_RECORD_BYTES, UNCLOSED_QUOTE, describeHeader, fieldCountFault, openInput, parseFields, peekHeader, readHeader, requireDataRows, rowFaultReason } from "./csv";
import { loadFile, type WrittenCounts } from "./load-log";
import { ensureRawTables, rawName, type RawDatasetOption } from "./raw-tables";
import { currentSpineLoadsQuery, neighbourLoadIds, SPINE_DAY_PATTERN, spineInserts, type SpineFileContext } from "./spine-sql";
import { DEFAULT_TIME_TOLERANCE_DAYS, timeToleranceDays } from "./time-tolerance";

export { EARLIEST_MESSAGE_DAY } from "./spine-sql";

const duckdb = helpersFor("duckdb");

/**
 * Longest line of the normalised file: a rejected record is written quoted (quotes doubled) next to its fault. Kept
 * small because DuckDB's CSV reader holds buffers of a multiple of it per thread.
 */
const NORMALISED_LINE_BYTES = 4 * MAX_RECORD_BYTES;

/** Names a directory's Spine exports must match to be picked up. */
export const SPINE_FILE_PATTERN = /_spine_messages\.csv(\.gz)?$/;
/** What a folder without Spine exports is told. */
export const NO_SPINE_FILES = "holds no *_spine_messages.csv or *_spine_messages.csv.gz files";

export interface SpineProgress {
  readonly file: string;
  readonly rowsRead: number;
  /** Bytes of the file as stored (compressed, for gzip) read so far, out of totalBytes. */
  readonly bytesRead: number;
  readonly totalBytes: number;
}

export interface LoadSpineOptions extends RawDatasetOption {
  readonly onProgress?: (progress: SpineProgress) => void;
  /** How far (in days, 0 or more) a message time may lie outside its file's day (default 1). */
  readonly timeToleranceDays?: number;
}

/** What the row checks of one file need to know beyond its header, and the raw dataset loaded into. */
interface FileContext extends SpineFileContext {
  readonly raw: string;
}


/** The UTC day a Spine export's name starts with; refuses a name without one. */
export function spineFileDay(displayPath: string): string {
  const name = path.basename(displayPath);
  const match = SPINE_DAY_PATTERN.exec(name);
  const day = match ? `${match[1]}-${match[2]}-${match[3]}` : "";
  const valid = match !== null && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
  if (!valid || !SPINE_FILE_PATTERN.test(name)) {
    throw new LoadError(displayPath, "is not named YYYY-MM-DD_spine_messages.csv[.gz]: a Spine export's name gives the UTC day its message times are checked against");
  }
  return day;
}

/**
 * Loads Spine exports from files and directories (a directory contributes its `*_spine_messages.csv[.gz]` files,
 * sorted by name). Every file's header is checked before anything is loaded; each file then loads in its own
 * transaction. Throws a LoadError for a file that is not a Spine export.
 */
export async function loadSpine(warehouse: Warehouse, inputs: readonly string[], options: LoadSpineOptions): Promise<LoadSummary> {
  const toleranceDays = timeToleranceDays(options.timeToleranceDays ?? DEFAULT_TIME_TOLERANCE_DAYS);
  await ensureRawTables(warehouse, options.raw);
  const files = await listSpineFiles(inputs);
  const headers = new Map<string, string[]>();
  const days = new Map<string, string>();
  for (const file of files) {
    days.set(file, spineFileDay(file));
    headers.set(file, spineHeader(file, await peekHeader(file, file)));
  }
  const results = [];
  for (const file of files) {
    results.push(await loadSpineFile(warehouse, file, headers.get(file)!, { raw: options.raw, day: days.get(file)!, toleranceDays }, options));
  }
  return summarise(results);
}

/** The files named by `inputs`, directories expanded to their Spine exports in name order. */
export async function listSpineFiles(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    refuseCloudStorageUri(input);
    const stat = await fs.promises.stat(input).catch(() => undefined);
    if (!stat) throw new LoadError(input, "does not exist");
    if (stat.isDirectory()) {
      const names = (await fs.promises.readdir(input, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && SPINE_FILE_PATTERN.test(entry.name))
        .map((entry) => entry.name)
        .sort();
      if (names.length === 0) throw new LoadError(input, NO_SPINE_FILES);
      files.push(...names.map((name) => path.join(input, name)));
    } else files.push(input);
  }
  return files;
}

/** Checks a header and returns it; refuses a file that lacks a required Spine column. */
export function spineHeader(displayPath: string, header: string[]): string[] {
  const missing = SPINE_COLUMNS.filter((c) => c.required && !header.includes(c.header)).map((c) => c.header);
  if (missing.length > 0) {
    throw new LoadError(displayPath, `is not a Spine message export: its header lacks ${missing.join(", ")} (header: ${describeHeader(header)})`);
  }
  return header;
}

async function loadSpineFile(warehouse: Warehouse, displayPath: string, header: string[], context: FileContext, options: LoadSpineOptions) {
  const file = await describeFile(displayPath);
  const request = { raw: context.raw, kind: "spine", file, tables: ["spine_messages", "spine_messages_rejected"] } as const;
  try {
    return await loadFile(warehouse, { ...request, write: (loadId) => writeDirectly(warehouse, file, header, context, loadId, options.onProgress) });
  } catch (error) {
    // The transaction was rolled back: the file goes through step 1.
    if (!(error instanceof NotPlain)) throw error;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-load-"));
  const normalisedPath = path.join(workDir, "rows.csv");
  let rows = 0;
  try {
    return await loadFile(warehouse, {
      ...request,
      async prepare() {
        rows = await normaliseSpineFile(file, header, normalisedPath, options.onProgress);
      },
      write: (loadId) => writeNormalised(warehouse, file, header, context, normalisedPath, rows, loadId),
    });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The file is not plain (see the top of this file), or DuckDB's strict reader refused it: it needs step 1. */
class NotPlain extends Error {}

/**
 * Step 2 straight from the file: DuckDB reads it, numbering the rows in file order, while Node checks that it is plain
 * and hashes it. A window with an empty OVER is a fixed-order operator: it sees the scan in file order even though the
 * warehouse does not preserve insertion order (tests/load/spine-volume.test.ts checks every row of 1,000,000).
 */
async function writeDirectly(warehouse: Warehouse, file: FileInfo, header: string[], context: FileContext, loadId: number, onProgress?: (p: SpineProgress) => void): Promise<WrittenCounts> {
  const columns = header.map((_, i) => `'c${i + 1}': 'varchar'`).join(", ");
  const source = `(select row_number() over () as source_row, cast(null as varchar) as fault, cast(null as varchar) as raw_line, *
    from read_csv(${duckdb.stringLiteral(file.absolutePath)}, header = true, auto_detect = false, columns = {${columns}},
      delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false, max_line_size = ${MAX_RECORD_BYTES}))`;
  const sql = duckdbSpineInserts(file, header, context, await neighbourLoads(warehouse, context, loadId), loadId);
  const [lines, loaded] = await Promise.all([
    plainLines(file, onProgress),
    warehouse.connection.run(sql.valid(source)).then(
      (result) => result.rowsChanged,
      () => undefined,
    ),
  ]);
  if (lines === undefined || loaded === undefined) throw new NotPlain();
  return finishRows(warehouse, file, context, sql, source, lines - 1, loaded, loadId);
}

/** Step 2 from the normalised file of step 1. */
async function writeNormalised(warehouse: Warehouse, file: FileInfo, header: string[], context: FileContext, normalisedPath: string, rows: number, loadId: number): Promise<WrittenCounts> {
  const columnTypes = ["'source_row': 'bigint'", "'fault': 'varchar'", "'raw_line': 'varchar'", ...header.map((_, i) => `'c${i + 1}': 'varchar'`)];
  const source = `read_csv(${duckdb.stringLiteral(normalisedPath)}, header = false, auto_detect = false, columns = {${columnTypes.join(", ")}},
    delim = ',', quote = '"', escape = '"', new_line = '\\n', max_line_size = ${NORMALISED_LINE_BYTES}, buffer_size = ${8 * NORMALISED_LINE_BYTES})`;
  const sql = duckdbSpineInserts(file, header, context, await neighbourLoads(warehouse, context, loadId), loadId);
  // The warehouse does not preserve insertion order (scripts/lib/duckdb.ts): source_row carries the row's place.
  const inserted = await warehouse.connection.run(sql.valid(source));
  return finishRows(warehouse, file, context, sql, source, rows, inserted.rowsChanged, loadId);
}

/**
 * The number of lines (header included) when the file is plain: no quote, no carriage return, no empty line and no
 * line longer than a record may be; undefined otherwise. Also checks the file is the one described (sha256).
 */
async function plainLines(file: FileInfo, onProgress?: (p: SpineProgress) => void): Promise<number | undefined> {
  const hash = createHash("sha256");
  let bytesRead = 0;
  let lines = 0;
  let lineBytes = 0;
  let lastReport = 0;
  const input = openInput(file.absolutePath, file.displayPath, {
    onStoredChunk(chunk) {
      hash.update(chunk);
      bytesRead += chunk.length;
    },
  });
  for await (const chunk of input) {
    if (chunk.indexOf(QUOTE) >= 0 || chunk.indexOf(CARRIAGE_RETURN) >= 0) return undefined;
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      lineBytes += end - start;
      if (lineBytes === 0 || lineBytes >= MAX_RECORD_BYTES) return undefined;
      lines++;
      lineBytes = 0;
      start = end + 1;
    }
    lineBytes += chunk.length - start;
    if (lineBytes >= MAX_RECORD_BYTES) return undefined;
    if (onProgress && lines - lastReport >= 100_000) {
      lastReport = lines;
      onProgress({ file: file.name, rowsRead: lines - 1, bytesRead, totalBytes: file.sizeBytes });
    }
  }
  if (hash.digest("hex") !== file.sha256) throw new LoadError(file.displayPath, "changed while it was being loaded");
  if (lineBytes > 0) lines++;
  onProgress?.({ file: file.name, rowsRead: Math.max(lines - 1, 0), bytesRead, totalBytes: file.sizeBytes });
  return lines;
}

const QUOTE = 0x22;
const CARRIAGE_RETURN = 0x0d;
const NEWLINE = 0x0a;

/** Buffered synchronous writes: the scanner's callback is synchronous and the writes are large and few. */
class OutputFile {
  private readonly buffer = Buffer.allocUnsafe(4 << 20);
  private used = 0;
  private readonly fd: number;

  constructor(filePath: string) {
    this.fd = fs.openSync(filePath, "w");
  }

  ascii(text: string): void {
    this.reserve(text.length);
    this.used += this.buffer.write(text, this.used, "latin1");
  }

  text(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.buffer.length) {
      this.flush();
      fs.writeSync(this.fd, text);
      return;
    }
    this.reserve(bytes);
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  bytes(source: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    this.used += source.copy(this.buffer, this.used, start, end);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.used++] = value;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private reserve(bytes: number): void {
    if (this.used + bytes > this.buffer.length) this.flush();
  }

  private flush(): void {
    let written = 0;
    while (written < this.used) written += fs.writeSync(this.fd, this.buffer, written, this.used - written);
    this.used = 0;
  }
}

function csvQuote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Writes the normalised CSV of step 1 and returns the number of data rows. */
export async function normaliseSpineFile(file: FileInfo, header: string[], outputPath: string, onProgress?: (p: SpineProgress) => void): Promise<number> {
  const width = header.length;
  const emptyFields = ",".repeat(width);
  const out = new OutputFile(outputPath);
  const hash = createHash("sha256");
  let bytesRead = 0;
  let dataRows = 0;
  /** The row whose quoted field is not closed on its line: it and every row after it are rejected. */
  let unclosedAt: number | undefined;
  const scanner = new CsvRecordScanner(file.displayPath, (buf, start, end, row, plain, commas) => {
    if (row === 0) {
      // The header was checked before loading; a file replaced since then must not load under the old header.
      const again = readHeader(file.displayPath, buf, start, end, plain);
      if (JSON.stringify(again) !== JSON.stringify(header)) throw new LoadError(file.displayPath, "changed while it was being loaded");
      return;
    }
    dataRows = row;
    if (unclosedAt !== undefined) {
      const text = buf.toString("utf8", start, end);
      out.text(`${row},${csvQuote(`the row follows row ${unclosedAt}, whose quoted field is not closed on its line: the rest of the file cannot be read reliably`)},${csvQuote(text)}${emptyFields}\n`);
      return;
    }
    if (plain && commas === width - 1) {
      out.ascii(`${row},,,`);
      out.bytes(buf, start, end);
      out.byte(10);
      return;
    }
    const text = buf.toString("utf8", start, end);
    const parsed = plain ? undefined : parseFields(text);
    if (parsed?.fields && parsed.fields.length === width) {
      out.text(`${row},,,${parsed.fields.map(csvQuote).join(",")}\n`);
      return;
    }
    if (parsed?.fault === UNCLOSED_QUOTE) unclosedAt = row;
    const fault = parsed?.fault ?? fieldCountFault(parsed?.fields ? parsed.fields.length : commas + 1, width);
    out.text(`${row},${csvQuote(rowFaultReason(fault))},${csvQuote(text)}${emptyFields}\n`);
  });
  let lastReport = 0;
  onProgress?.({ file: file.name, rowsRead: 0, bytesRead: 0, totalBytes: file.sizeBytes });
  try {
    const input = openInput(file.absolutePath, file.displayPath, {
      onStoredChunk(chunk) {
        hash.update(chunk);
        bytesRead += chunk.length;
      },
    });
    for await (const chunk of input) {
      scanner.push(chunk);
      if (onProgress && dataRows - lastReport >= 100_000) {
        lastReport = dataRows;
        onProgress({ file: file.name, rowsRead: dataRows, bytesRead, totalBytes: file.sizeBytes });
      }
    }
    scanner.end();
  } finally {
    out.close();
  }
  requireDataRows(file.displayPath, scanner.records);
  if (hash.digest("hex") !== file.sha256) throw new LoadError(file.displayPath, "changed while it was being loaded");
  onProgress?.({ file: file.name, rowsRead: dataRows, bytesRead, totalBytes: file.sizeBytes });
  return dataRows;
}

/** The loads whose rows this file's rows may repeat (neighbourLoadIds). */
async function neighbourLoads(warehouse: Warehouse, context: FileContext, loadId: number): Promise<number[]> {
  const loads = await warehouse.rows<{ load_id: number; file_name: string }>(currentSpineLoadsQuery(duckdb, rawName(context.raw, "load_log"), loadId));
  return neighbourLoadIds(loads, context);
}

/** spineInserts for the DuckDB warehouse. */
function duckdbSpineInserts(file: FileInfo, header: string[], context: FileContext, neighbours: readonly number[], loadId: number) {
  const tables = { spineMessages: rawName(context.raw, "spine_messages"), rejected: rawName(context.raw, "spine_messages_rejected") };
  return spineInserts(duckdb, tables, file.name, header, context, neighbours, loadId);
}

/** After the valid rows: the rejects (when rows are missing from the raw table), and the first reasons to report. */
async function finishRows(
  warehouse: Warehouse,
  file: FileInfo,
  context: FileContext,
  sql: ReturnType<typeof duckdbSpineInserts>,
  source: string,
  rows: number,
  loaded: number,
  loadId: number,
): Promise<WrittenCounts> {
  const rejected = loaded < rows ? (await warehouse.connection.run(sql.rejected(source))).rowsChanged : 0;
  const firstRejects = await warehouse.rows<{ source_row: number; reason: string }>(
    `select source_row, reason from ${rawName(context.raw, "spine_messages_rejected")} where load_id = ${loadId} order by source_row limit ${REJECTIONS_REPORTED}`,
  );
  return { rows, loaded, rejected, rejections: firstRejects.map((r) => rejectionMessage(file.name, r.source_row, r.reason)) };
}
