/**
 * Reading Spine exports: one opener that recognises gzip by its magic bytes, and the Spine CSV dialect (comma,
 * double quotes, `""` inside quotes, LF or CRLF line ends, one record per line).
 *
 * Why a hand-written scanner rather than csv-parse (which reads the small reference CSVs, reference-csv.ts): a
 * national day of Spine messages is millions of rows, and the loader must number every line exactly as DuckDB's
 * reader numbers the plain file it reads straight (spine.ts), keep the text of a broken line as its raw_line, and go
 * on past it. Records are found on raw bytes rather than decoded strings, at hundreds of MB/s; a record is only
 * decoded and split when it holds a quote or a stray carriage return.
 *
 * A Spine field (IDs, ASIDs, a time, codes, supplier names) never holds a line break, so every line is one record:
 * a quote still open at the end of its line is that line's fault, never a field that swallows the lines after it.
 * Blank lines are not records (as in Python's csv.DictReader, which the upstream services use), so data row
 * numbers count the non-blank lines after the header.
 */
import fs from "node:fs";
import { isUtf8 } from "node:buffer";
import { pipeline, Transform } from "node:stream";
import zlib from "node:zlib";
import { LoadError } from "./common";

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const CHUNK_BYTES = 1 << 20;
/** Longer records are not Spine or reference data; refusing them bounds the memory a broken quote can take. */
export const MAX_RECORD_BYTES = 256 * 1024;
/** The first bytes, on which a file is judged text or binary. */
const HEAD_BYTES = 64 * 1024;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

export interface InputOptions {
  /** Called with every chunk of the file's bytes as stored (before decompression), e.g. for hashing or progress. */
  readonly onStoredChunk?: (chunk: Buffer) => void;
}

/** Whether the file starts with the gzip magic bytes (the extension is not trusted). */
export async function isGzip(filePath: string): Promise<boolean> {
  const handle = await fs.promises.open(filePath, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head.equals(GZIP_MAGIC);
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of a file, decompressed when it is gzip. Errors from a corrupt or truncated gzip stream are rethrown as
 * a LoadError naming the file.
 */
export async function* openInput(filePath: string, displayPath: string, options: InputOptions = {}): AsyncGenerator<Buffer> {
  const gzip = await isGzip(filePath);
  const file = fs.createReadStream(filePath, { highWaterMark: CHUNK_BYTES });
  const onStoredChunk = options.onStoredChunk;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onStoredChunk?.(chunk);
      done(null, chunk);
    },
  });
  // Errors reach the loop below through the last stream, so the pipeline's own callback has nothing to do.
  const ignore = () => undefined;
  const output = gzip ? pipeline(file, tap, zlib.createGunzip({ chunkSize: CHUNK_BYTES }), ignore) : pipeline(file, tap, ignore);
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (gzip && code.startsWith("Z_")) throw new LoadError(displayPath, `is not a valid gzip file (${(error as Error).message})`);
    throw error;
  } finally {
    file.destroy();
  }
}

/**
 * Receives each record: `buf[start, end)` without its line end. `row` is 0 for the header, then 1, 2, … for data rows.
 * `plain` records hold no quote and no carriage return, so their fields are exactly the text between commas and
 * there are `commas + 1` of them; other records need `parseFields`.
 */
export type RecordSink = (buf: Buffer, start: number, end: number, row: number, plain: boolean, commas: number) => void;

/** Splits a byte stream into CSV records, refusing binary and non-UTF-8 content. */
export class CsvRecordScanner {
  private head: Buffer | null = Buffer.alloc(0);
  private pending: Buffer | null = null;
  private nextRow = 0;

  constructor(
    private readonly displayPath: string,
    private readonly sink: RecordSink,
  ) {}

  /** Records seen so far, the header included. */
  get records(): number {
    return this.nextRow;
  }

  push(chunk: Buffer): void {
    if (this.head) {
      // Text or binary is judged on the first few KiB, so collect them before anything else.
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (this.head.length < HEAD_BYTES) return;
      const head = this.head;
      this.head = null;
      this.consume(this.checkStart(head));
    } else this.consume(chunk);
  }

  /** Emits the last record when the input does not end with a line feed. */
  end(): void {
    if (this.head) {
      const head = this.head;
      this.head = null;
      if (head.length > 0) this.consume(this.checkStart(head));
    }
    const rest = this.pending;
    this.pending = null;
    if (!rest || rest.length === 0) return;
    if (!isUtf8(rest)) this.notUtf8();
    this.scan(rest, true);
  }

  private consume(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (buf.indexOf(0) >= 0) throw new LoadError(this.displayPath, `is not a text file (NUL bytes after data row ${Math.max(this.nextRow - 1, 0)})`);
    // A line feed never occurs inside a multi-byte character, so everything up to the last one can be checked alone.
    const lastLf = buf.lastIndexOf(LF);
    if (lastLf >= 0 && !isUtf8(buf.subarray(0, lastLf + 1))) this.notUtf8();
    const consumed = this.scan(buf, false);
    if (consumed < buf.length) {
      if (buf.length - consumed > MAX_RECORD_BYTES) this.tooLong();
      this.pending = buf.subarray(consumed);
    }
  }

  private checkStart(buf: Buffer): Buffer {
    // Ignore a multi-byte character cut at the end of the sample.
    const sample = buf.subarray(0, HEAD_BYTES);
    let valid = false;
    for (let cut = 0; cut <= 3 && cut < sample.length && !valid; cut++) valid = isUtf8(sample.subarray(0, sample.length - cut));
    if (sample.indexOf(0) >= 0 || (sample.length > 0 && !valid)) {
      throw new LoadError(this.displayPath, "is not a text file (it holds binary data; expected CSV text, optionally gzip-compressed)");
    }
    const hasBom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
    return hasBom ? buf.subarray(3) : buf;
  }

  /** Emits every complete record (line) of `buf` and returns the offset after the last one. */
  private scan(buf: Buffer, atEnd: boolean): number {
    // One record per line: a quoted field never runs over a line end. A quote left open at the end of its line is
    // a fault of that line (parseFields says so), and the lines after it are still seen one by one: an unclosed
    // quote can never make the lines after it disappear into one record.
    let recordStart = 0;
    let quotes = 0;
    let commas = 0;
    let crs = 0;
    const length = buf.length;
    for (let i = 0; i < length; i++) {
      const byte = buf[i];
      if (byte === COMMA) commas++;
      else if (byte === LF) {
        this.emit(buf, recordStart, i, quotes, commas, crs);
        recordStart = i + 1;
        quotes = 0;
        commas = 0;
        crs = 0;
      } else if (byte === QUOTE) quotes++;
      else if (byte === CR) crs++;
    }
    if (atEnd && recordStart < length) {
      this.emit(buf, recordStart, length, quotes, commas, crs);
      return length;
    }
    return recordStart;
  }

  private emit(buf: Buffer, start: number, end: number, quotes: number, commas: number, crs: number): void {
    let stop = end;
    if (stop > start && buf[stop - 1] === CR) {
      stop--;
      crs--;
    }
    if (stop === start) return;
    if (stop - start > MAX_RECORD_BYTES) this.tooLong();
    this.sink(buf, start, stop, this.nextRow++, quotes === 0 && crs === 0, commas);
  }

  private notUtf8(): never {
    throw new LoadError(this.displayPath, `is not UTF-8 text (invalid bytes after data row ${Math.max(this.nextRow - 1, 0)})`);
  }

  private tooLong(): never {
    const where = this.nextRow === 0 ? "its first line" : `data row ${this.nextRow}`;
    throw new LoadError(this.displayPath, `is not a CSV export: ${where} is longer than ${MAX_RECORD_BYTES / 1024} KiB (an unclosed quote?)`);
  }
}

/** The fault of a record whose quoted field is not closed by the end of its line. */
export const UNCLOSED_QUOTE = "has a quoted field that is not closed on its line";

export type ParsedRecord = { readonly fields: string[]; readonly fault?: undefined } | { readonly fields?: undefined; readonly fault: string };

/** Splits one record's text into fields (RFC 4180 quoting), or says what is wrong with its quoting. */
export function parseFields(text: string): ParsedRecord {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = "";
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close < 0) return { fault: UNCLOSED_QUOTE };
        value += text.slice(from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      fields.push(value);
      if (i === n) return { fields };
      if (text.charCodeAt(i) !== COMMA) return { fault: "has text after the closing quote of a field" };
      i++;
    } else {
      const comma = text.indexOf(",", i);
      const value = comma < 0 ? text.slice(i) : text.slice(i, comma);
      if (value.includes('"')) return { fault: "has a quote inside an unquoted field" };
      fields.push(value);
      if (comma < 0) return { fields };
      i = comma + 1;
    }
  }
}

export function fieldCountFault(found: number, expected: number): string {
  return `has ${found} field${found === 1 ? "" : "s"}, expected ${expected} as in the header`;
}

/** The rejection reason for a record fault ("has 8 fields, …" → "the row has 8 fields, …"). */
export function rowFaultReason(fault: string): string {
  return `the row ${fault}`;
}

/** The fields of a record given to a RecordSink. */
export function recordFields(buf: Buffer, start: number, end: number, plain: boolean): ParsedRecord {
  const text = buf.toString("utf8", start, end);
  return plain ? { fields: text.split(",") } : parseFields(text);
}

/** Header names by position; refuses a header that names a column twice. */
export function readHeader(displayPath: string, buf: Buffer, start: number, end: number, plain: boolean): string[] {
  const parsed = recordFields(buf, start, end, plain);
  if (!parsed.fields) throw new LoadError(displayPath, `has a header that is not valid CSV (it ${parsed.fault})`);
  return headerNames(displayPath, parsed.fields);
}

/** A header's cells as column names (trimmed); refuses a header that names a column twice. */
export function headerNames(displayPath: string, cells: readonly string[]): string[] {
  const names = cells.map((name) => name.trim());
  const duplicates = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  if (duplicates.length > 0) throw new LoadError(displayPath, `has a header that names ${duplicates.map((d) => `"${d}"`).join(", ")} more than once`);
  return names;
}

/** The header names for a message, shortened. */
export function describeHeader(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => (n.length > 40 ? `${n.slice(0, 40)}…` : n));
  return shown.join(", ") + (names.length > shown.length ? `, … (${names.length} columns)` : "");
}

/** Refuses a file that is empty or holds a header but no data row. */
export function requireDataRows(displayPath: string, records: number): void {
  if (records === 0) throw new LoadError(displayPath, "is empty");
  if (records === 1) throw new LoadError(displayPath, "has a header but no data rows");
}

/** The header of a file that has at least one data row, reading no further than needed. */
export async function peekHeader(filePath: string, displayPath: string): Promise<string[]> {
  let header: string[] | undefined;
  const scanner = new CsvRecordScanner(displayPath, (buf, start, end, row, plain) => {
    if (row === 0) header = readHeader(displayPath, buf, start, end, plain);
  });
  for await (const chunk of openInput(filePath, displayPath)) {
    scanner.push(chunk);
    if (scanner.records >= 2) break;
  }
  if (scanner.records < 2) scanner.end();
  requireDataRows(displayPath, scanner.records);
  return header!;
}
