/**
 * Loads monthly organisation metadata (`organisationMetadata.json`, format v5, spec §2.2) into ods_practices,
 * ods_practice_asids and ods_sicbl_practices. One file per month: a file for a month already loaded replaces it.
 */
import { z } from "zod";
import type { Warehouse } from "../duckdb";
import { describeFile, firstOfMonth, LoadError, summarise, type FileSource, type LoadSummary } from "./common";
import { openInput } from "./csv";
import { loadFile } from "./load-log";
import { appendReferenceRows, ensureRawTables, type CellValue, type RawDatasetOption, type ReferenceLoad } from "./raw-tables";

// Values are kept exactly as in the file; blank ones are refused.
const nonBlank = (what: string) => z.string().refine((value) => value.trim() !== "", `must be a non-empty ${what}`);
const odsCode = nonBlank("ODS code");

export const organisationMetadataSchema = z.object({
  generated_on: z.iso.datetime({ offset: true, message: "must be an ISO-8601 date-time with an offset, e.g. 2024-03-01T09:00:00+00:00" }),
  year: z.number().int().min(2000).max(2999),
  month: z.number().int().min(1).max(12),
  practices: z.array(
    z.object({
      ods_code: odsCode,
      name: z.string(),
      // ASIDs are identifiers with leading zeros: text, never numbers.
      asids: z.array(nonBlank("ASID")),
    }),
  ),
  sicbls: z.array(
    z.object({
      ods_code: odsCode,
      name: z.string(),
      practices: z.array(odsCode),
    }),
  ),
});

export type OrganisationMetadata = z.output<typeof organisationMetadataSchema>;

/** `practices[3].asids[0]` */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : `${text}${text ? "." : ""}${String(key)}`), "") || "(top level)";
}

/** Reads and validates one metadata file; a fault names the file and the JSON path. */
export async function readOrganisationMetadata(filePath: string, displayPath = filePath): Promise<OrganisationMetadata> {
  const chunks: Buffer[] = [];
  for await (const chunk of openInput(filePath, displayPath)) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") throw new LoadError(displayPath, "is empty");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LoadError(displayPath, `is not valid JSON (${(error as Error).message})`);
  }
  const result = organisationMetadataSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
    const more = result.error.issues.length > issues.length ? ` (and ${result.error.issues.length - issues.length} more)` : "";
    throw new LoadError(displayPath, `is not organisation metadata v5: ${issues.join("; ")}${more}`);
  }
  return result.data;
}

/** Reads and checks one metadata file: its rows for the three tables. */
export async function prepareOds(source: FileSource): Promise<ReferenceLoad> {
  const file = await describeFile(source);
  const metadata = await readOrganisationMetadata(file.absolutePath, file.displayPath);
  const referenceMonth = firstOfMonth(metadata.year, metadata.month);
  const asids = metadata.practices.flatMap((p, i) => p.asids.map((asid) => ({ ods_code: p.ods_code, asid, position: i + 1 })));
  const members = metadata.sicbls.flatMap((s, i) =>
    s.practices.map((practice) => ({ sicbl_ods_code: s.ods_code, sicbl_name: s.name, practice_ods_code: practice, position: i + 1 })),
  );
  // row_count in load_log: the rows written to the three tables.
  const total = metadata.practices.length + asids.length + members.length;
  return {
    kind: "ods",
    file,
    referenceMonth,
    tables: ["ods_practices", "ods_practice_asids", "ods_sicbl_practices"],
    rows(loadId) {
      // source_row numbers each table's rows in file order; position is the entry's place in its JSON list.
      const provenance = (row: number): Record<string, CellValue> => ({ reference_month: referenceMonth, source_file: file.name, source_row: row, load_id: loadId });
      return new Map<string, Record<string, CellValue>[]>([
        ["ods_practices", metadata.practices.map((p, i) => ({ ...provenance(i + 1), ods_code: p.ods_code, name: p.name, position: i + 1 }))],
        ["ods_practice_asids", asids.map((row, i) => ({ ...provenance(i + 1), ...row }))],
        ["ods_sicbl_practices", members.map((row, i) => ({ ...provenance(i + 1), ...row }))],
      ]);
    },
    total,
    rejected: 0,
    rejections: [],
  };
}

/** Loads organisationMetadata.json files, one transaction each. */
export async function loadOds(warehouse: Warehouse, paths: readonly string[], { raw }: RawDatasetOption): Promise<LoadSummary> {
  await ensureRawTables(warehouse, raw);
  const results = [];
  for (const filePath of paths) {
    const load = await prepareOds(filePath);
    results.push(await loadFile(warehouse, { raw, ...load, write: (loadId) => appendReferenceRows(warehouse, raw, load, loadId) }));
  }
  return summarise(results);
}
