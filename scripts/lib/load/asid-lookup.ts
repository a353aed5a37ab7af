/**
 * Loads a monthly ASID lookup CSV from the Spine Directory (spec §2.2) into asid_lookup. One file per month: a file
 * for a month already loaded replaces it.
 */
import type { Warehouse } from "../duckdb";
import { ASID_FORMAT, ASID_PATTERN, describeFile, firstOfMonth, summarise, type LoadSummary } from "./common";
import { loadFile } from "./load-log";
import { appendRows, ensureRawTables, type RawDatasetOption } from "./raw-tables";
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

/**
 * Loads the ASID lookup for `month` ('YYYY-MM'). ASIDs and ODS codes are kept as text with their leading zeros.
 * Rows with an empty or whitespace-only ASID or NACS, or an ASID that is not 12 or 13 digits, are rejected: counted
 * in load_log and reported in the summary.
 */
export async function loadAsidLookup(warehouse: Warehouse, filePath: string, month: string, { raw }: RawDatasetOption): Promise<LoadSummary> {
  const referenceMonth = parseMonth(month);
  await ensureRawTables(warehouse, raw);
  const file = await describeFile(filePath);
  const lookup = await readReferenceCsv(file, ASID_LOOKUP_COLUMNS, "an ASID lookup");
  const result = await loadFile(warehouse, {
    raw,
    kind: "asid_lookup",
    file,
    referenceMonth,
    tables: ["asid_lookup"],
    async write(loadId) {
      const rows = lookup.rows.map((r) => ({ ...r.values, reference_month: referenceMonth, source_file: file.name, source_row: r.row, load_id: loadId }));
      const loaded = await appendRows(warehouse, raw, "asid_lookup", rows);
      return { rows: lookup.total, loaded, rejected: lookup.rejected, rejections: lookup.rejections };
    },
  });
  return summarise([result]);
}
