/**
 * Small reference CSV files (ASID lookup, geography), read whole with csv-parse: columns found by header name, rows
 * with a wrong field count, an empty key or a malformed value rejected with a message.
 *
 * Every line is accounted for: a row is loaded or rejected, a blank line is not a row, and a file whose quoting
 * cannot be read line by line (a quote that is not closed on its line, a quote inside an unquoted field, text after
 * a closing quote, a quoted field running over a line end) is refused whole, naming the row: these files hold one
 * organisation per line, so a reader that went on would take the lines after the fault into one field.
 */
import { isUtf8 } from "node:buffer";
import { CsvError, parse, type Options } from "csv-parse/sync";
import { describeHeader, fieldCountFault, headerNames, MAX_RECORD_BYTES, openInput, requireDataRows, rowFaultReason } from "./csv";
import { LoadError, rejectionMessage, type FileInfo } from "./common";

/** Rejected reference rows are not stored anywhere, so more of them are reported than for Spine exports. */
const REFERENCE_REJECTIONS_REPORTED = 100;

export interface ColumnSpec {
  /** Raw table column. */
  readonly column: string;
  /** The header as named in messages. */
  readonly label: string;
  readonly required: boolean;
  /** Rows with an empty or whitespace-only value here are rejected. */
  readonly key?: boolean;
  /** When given, a non-empty value must match it; `format` names the form in the rejection. */
  readonly pattern?: RegExp;
  readonly format?: string;
  matches(header: string): boolean;
}

export function exactHeader(column: string, label: string, required: boolean, key = false): ColumnSpec {
  return { column, label, required, key, matches: (header) => header === label };
}

export interface ReferenceRow {
  readonly row: number;
  /** Raw column → cell text; NULL for a column the file does not have. */
  readonly values: Readonly<Record<string, string | null>>;
}

export interface ReferenceRows {
  readonly rows: readonly ReferenceRow[];
  readonly total: number;
  readonly rejected: number;
  /** The first 100 rejection messages. */
  readonly rejections: readonly string[];
}

/** Header position of each spec'd column; refuses a file missing a required column or matching one twice. */
function resolveColumns(displayPath: string, header: readonly string[], specs: readonly ColumnSpec[], what: string): Map<string, number> {
  const positions = new Map<string, number>();
  const missing: string[] = [];
  for (const spec of specs) {
    const matching = header.flatMap((name, index) => (spec.matches(name) ? [index] : []));
    if (matching.length > 1) {
      throw new LoadError(displayPath, `has several columns for ${spec.label}: ${matching.map((i) => header[i]).join(", ")}`);
    }
    if (matching.length === 1) positions.set(spec.column, matching[0]);
    else if (spec.required) missing.push(spec.label);
  }
  if (missing.length > 0) throw new LoadError(displayPath, `is not ${what}: its header lacks ${missing.join(", ")} (header: ${describeHeader(header)})`);
  return positions;
}

/** The data rows of a reference CSV, each with its number (blank lines are not rows), and its header. */
async function readCsv(file: FileInfo): Promise<{ header: string[]; rows: { row: number; fields: string[] }[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of openInput(file.absolutePath, file.displayPath)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  if (bytes.indexOf(0) >= 0) throw new LoadError(file.displayPath, "is not a text file (it holds binary data; expected CSV text, optionally gzip-compressed)");
  if (!isUtf8(bytes)) throw new LoadError(file.displayPath, "is not UTF-8 text");
  let records = 0;
  let parsed: RawRecord[];
  try {
    const options: Options = {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
      max_record_size: MAX_RECORD_BYTES,
      raw: true,
      on_record: (record) => {
        // A record is one line: a line break left inside it is a quoted field that ran over the end of its line.
        const { raw } = record as unknown as RawRecord;
        if (raw.replace(/^[\r\n]+/, "").replace(/\r?\n$/, "").includes("\n")) throw new QuotedLineBreak();
        records++;
        return record;
      },
    };
    parsed = parse(bytes.toString("utf8"), options) as unknown as RawRecord[];
  } catch (error) {
    const where = records === 0 ? "its header" : `data row ${records}`;
    if (error instanceof QuotedLineBreak) throw new LoadError(file.displayPath, `cannot be read line by line: ${where} has a quoted field that runs over the end of its line (an unclosed quote?)`);
    if (error instanceof CsvError) throw new LoadError(file.displayPath, `cannot be read line by line: ${where} ${CSV_FAULTS[error.code] ?? error.message}`);
    throw error;
  }
  requireDataRows(file.displayPath, parsed.length);
  const header = headerNames(file.displayPath, parsed[0].record);
  return { header, rows: parsed.slice(1).map((r, index) => ({ row: index + 1, fields: r.record })) };
}

class QuotedLineBreak extends Error {}

/** A record as csv-parse gives it with `raw`: the fields and the text they were read from. */
interface RawRecord {
  readonly record: string[];
  readonly raw: string;
}

/** csv-parse's faults, worded as the Spine loader words them. */
const CSV_FAULTS: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: "opens a quoted field that is not closed",
  INVALID_OPENING_QUOTE: "has a quote inside an unquoted field",
  CSV_INVALID_CLOSING_QUOTE: "has text after the closing quote of a field",
  CSV_MAX_RECORD_SIZE: `is longer than ${MAX_RECORD_BYTES / 1024} KiB`,
};

/** Reads a reference CSV into rows keyed by raw column, rejecting rows that cannot be used. */
export async function readReferenceCsv(file: FileInfo, specs: readonly ColumnSpec[], what: string): Promise<ReferenceRows> {
  const csv = await readCsv(file);
  const positions = resolveColumns(file.displayPath, csv.header, specs, what);
  const rows: ReferenceRow[] = [];
  const rejections: string[] = [];
  for (const record of csv.rows) {
    let reason: string | undefined;
    const values: Record<string, string | null> = {};
    if (record.fields.length !== csv.header.length) reason = rowFaultReason(fieldCountFault(record.fields.length, csv.header.length));
    else {
      for (const spec of specs) {
        const position = positions.get(spec.column);
        values[spec.column] = position === undefined ? null : record.fields[position];
      }
      reason = rowFault(specs, values);
    }
    if (reason) rejections.push(rejectionMessage(file.name, record.row, reason));
    else rows.push({ row: record.row, values });
  }
  return { rows, total: csv.rows.length, rejected: rejections.length, rejections: rejections.slice(0, REFERENCE_REJECTIONS_REPORTED) };
}

/** Why a row's values cannot be used (the first column at fault), or undefined. */
function rowFault(specs: readonly ColumnSpec[], values: Readonly<Record<string, string | null>>): string | undefined {
  for (const spec of specs) {
    const value = values[spec.column] ?? "";
    if (spec.key && value.trim() === "") return value === "" ? `${spec.label} is empty` : `${spec.label} is only whitespace`;
    if (spec.pattern && value !== "" && !spec.pattern.test(value)) return `${spec.label} "${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not ${spec.format}`;
  }
  return undefined;
}
