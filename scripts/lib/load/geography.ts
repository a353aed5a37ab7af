/**
 * Loads the Sub-ICB location → ICB → NHS England region lookup into geography, one row per SICBL. Each file is a
 * complete lookup: loading one replaces the geography loaded before.
 *
 * Two header styles are accepted: the project's own (`sicbl_ods_code, sicbl_name, icb_ods_code, icb_name,
 * region_ods_code, region_name`) and the ONS "Sub ICB Location to ICB to NHS England (Region)" lookup, whose
 * headers carry a two-digit year (`SICBL23CDH, SICBL23NM, ICB23CDH, ICB23NM, NHSER23CDH, NHSER23NM`). The ONS
 * codes ending in CDH are the ODS codes; the other ONS columns (SICBL23CD, LOC22CD, …) are ignored.
 */
import type { Warehouse } from "../duckdb";
import { describeFile, LoadError, summarise, type FileSource, type LoadSummary } from "./common";
import { loadFile } from "./load-log";
import { appendReferenceRows, ensureRawTables, type RawDatasetOption, type ReferenceLoad } from "./raw-tables";
import { readReferenceCsv, type ColumnSpec } from "./reference-csv";

function geographyColumn(column: string, onsPattern: RegExp, key = false): ColumnSpec {
  return { column, label: `${column} (or ONS ${onsPattern.source.replace(/^\^|\$$/g, "").replace("\\d{2}", "<yy>")})`, required: true, key, matches: (h) => h === column || onsPattern.test(h) };
}

const GEOGRAPHY_COLUMNS: readonly ColumnSpec[] = [
  geographyColumn("sicbl_ods_code", /^SICBL\d{2}CDH$/, true),
  geographyColumn("sicbl_name", /^SICBL\d{2}NM$/),
  geographyColumn("icb_ods_code", /^ICB\d{2}CDH$/),
  geographyColumn("icb_name", /^ICB\d{2}NM$/),
  geographyColumn("region_ods_code", /^NHSER\d{2}CDH$/),
  geographyColumn("region_name", /^NHSER\d{2}NM$/),
];

/** Reads and checks one geography lookup; refuses one with more than one row for a SICBL. */
export async function prepareGeography(source: FileSource): Promise<ReferenceLoad> {
  const file = await describeFile(source);
  const lookup = await readReferenceCsv(file, GEOGRAPHY_COLUMNS, "a SICBL → ICB → region lookup");
  const rowsBySicbl = new Map<string, number[]>();
  for (const r of lookup.rows) {
    const code = r.values.sicbl_ods_code!;
    rowsBySicbl.set(code, [...(rowsBySicbl.get(code) ?? []), r.row]);
  }
  const duplicates = [...rowsBySicbl].filter(([, rows]) => rows.length > 1);
  if (duplicates.length > 0) {
    const listed = duplicates.slice(0, 10).map(([code, rows]) => `${code} in rows ${rows.join(", ")}`);
    throw new LoadError(file.displayPath, `has more than one row for a SICBL: ${listed.join("; ")}${duplicates.length > 10 ? ` (and ${duplicates.length - 10} more)` : ""}`);
  }
  return {
    kind: "geography",
    file,
    referenceMonth: null,
    tables: ["geography"],
    rows: (loadId) => new Map([["geography", lookup.rows.map((r) => ({ ...r.values, source_file: file.name, source_row: r.row, load_id: loadId }))]]),
    total: lookup.total,
    rejected: lookup.rejected,
    rejections: lookup.rejections,
  };
}

/** Loads geography lookups in order; the last one loaded is the current geography. */
export async function loadGeography(warehouse: Warehouse, paths: readonly string[], { raw }: RawDatasetOption): Promise<LoadSummary> {
  await ensureRawTables(warehouse, raw);
  const results = [];
  for (const filePath of paths) {
    const load = await prepareGeography(filePath);
    results.push(await loadFile(warehouse, { raw, ...load, write: (loadId) => appendReferenceRows(warehouse, raw, load, loadId) }));
  }
  return summarise(results);
}
