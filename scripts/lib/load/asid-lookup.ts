/**
 * Loads a monthly ASID lookup CSV from the Spine Directory (spec §2.2) into asid_lookup. One file per month: a file
 * for a month already loaded replaces it.
 */
import type { Warehouse } from "../duckdb";
import { ASID_FORMAT, ASID_PATTERN, describeFile, firstOfMonth, summarise, type FileSource, type LoadSummary } from "./common";
import { loadFile } from "./load-log";
import { appendReferenceRows, ensureRawTables, type RawDatasetOption, type ReferenceLoad } from "./raw-tables";
import { exactHeader, readReferenceCsv, type ColumnSpec } from "./reference-csv";

const ASID_LOOKUP_COLUMNS: readonly ColumnSpec[] = [
  { ...exactHeader("asid", "ASID", true, true), pattern: ASID_PATTERN, format: ASID_FORMAT },
  exactHeader("nacs", "NACS", true, true),
  exactHeader("org_name", "OrgName", false),
  exactHeader("manufacturer", "MName", false),
  exactHeader("product", "PName", false),
  exactHeader("org_type", "OrgType", false),
  exactHeader("postcode", "PostCode", false),
];

/** 'YYYY-MM' → first day of that month; refuses anything else. */
export function parseMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month.trim());
  const monthNumber = match ? Number(match[2]) : 0;
  if (!match || monthNumber < 1 || monthNumber > 12) throw new Error(`"${month}" is not a month: expected YYYY-MM, e.g. 2024-03`);
  return firstOfMonth(Number(match[1]), monthNumber);
}

/** Reads and checks the ASID lookup for `month` ('YYYY-MM'): its rows and its rejected rows. */
export async function prepareAsidLookup(source: FileSource, month: string): Promise<ReferenceLoad> {
  const referenceMonth = parseMonth(month);
  const file = await describeFile(source);
  const lookup = await readReferenceCsv(file, ASID_LOOKUP_COLUMNS, "an ASID lookup");
  return {
    kind: "asid_lookup",
    file,
    referenceMonth,
    tables: ["asid_lookup"],
    rows: (loadId) =>
      new Map([["asid_lookup", lookup.rows.map((r) => ({ ...r.values, reference_month: referenceMonth, source_file: file.name, source_row: r.row, load_id: loadId }))]]),
    total: lookup.total,
    rejected: lookup.rejected,
    rejections: lookup.rejections,
  };
}

/**
 * Loads the ASID lookup for `month` ('YYYY-MM'). ASIDs and ODS codes are kept as text with their leading zeros.
 * Rows with an empty or whitespace-only ASID or NACS, or an ASID that is not 12 or 13 digits, are rejected: counted
 * in load_log and reported in the summary.
 */
export async function loadAsidLookup(warehouse: Warehouse, filePath: string, month: string, { raw }: RawDatasetOption): Promise<LoadSummary> {
  parseMonth(month);
  await ensureRawTables(warehouse, raw);
  const load = await prepareAsidLookup(filePath, month);
  return summarise([await loadFile(warehouse, { raw, ...load, write: (loadId) => appendReferenceRows(warehouse, raw, load, loadId) })]);
}
