/**
 * Small reference CSV files (ASID lookup, geography): columns found by header name, rows with a broken shape or an
 * empty key rejected with a message. Such files are small, so they are read whole.
 */
import { describeHeader, readCsvFile, rowFaultReason } from "./csv";
import { LoadError, rejectionMessage, type FileInfo } from "./common";

/** Rejected reference rows are not stored anywhere, so more of them are reported than for Spine exports. */
const REFERENCE_REJECTIONS_REPORTED = 100;

export interface ColumnSpec {
  /** Raw table column. */
  readonly column: string;
  /** The header as named in messages. */
  readonly label: string;
  readonly required: boolean;
  /** Rows with an empty value here are rejected. */
  readonly key?: boolean;
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

/** Reads a reference CSV into rows keyed by raw column, rejecting rows that cannot be used. */
export async function readReferenceCsv(file: FileInfo, specs: readonly ColumnSpec[], what: string): Promise<ReferenceRows> {
  const csv = await readCsvFile(file.absolutePath, file.displayPath);
  const positions = resolveColumns(file.displayPath, csv.header, specs, what);
  const rows: ReferenceRow[] = [];
  const rejections: string[] = [];
  for (const record of csv.rows) {
    let reason: string | undefined;
    const values: Record<string, string | null> = {};
    if (record.fault !== undefined) reason = rowFaultReason(record.fault);
    else {
      for (const spec of specs) {
        const position = positions.get(spec.column);
        values[spec.column] = position === undefined ? null : record.fields[position];
      }
      const emptyKey = specs.find((spec) => spec.key && (values[spec.column] ?? "").trim() === "");
      if (emptyKey) reason = `${emptyKey.label} is empty`;
    }
    if (reason) rejections.push(rejectionMessage(file.name, record.row, reason));
    else rows.push({ row: record.row, values });
  }
  return { rows, total: csv.rows.length, rejected: rejections.length, rejections: rejections.slice(0, REFERENCE_REJECTIONS_REPORTED) };
}
