/**
 * Loads a data folder as `gp2gp generate` writes it and `gp2gp start --data` reads it: the reference files of
 * reference/ by name (organisation metadata, ASID lookups named YYYY-MM_asidLookup.csv[.gz], geography), then the
 * Spine exports of spine/. Unchanged files are skipped by the loaders.
 */
import fs from "node:fs";
import path from "node:path";
import type { Warehouse } from "../duckdb";
import { loadAsidLookup } from "./asid-lookup";
import type { LoadSummary } from "./common";
import { loadGeography } from "./geography";
import { loadOds } from "./ods";
import type { RawDatasetOption } from "./raw-tables";
import { loadSpine, type SpineProgress } from "./spine";

/** The kind name the Spine loads are summarised under. */
export const SPINE_KIND = "Spine messages";

export interface LoadFolderOptions extends RawDatasetOption {
  /** How far a message time may lie outside its file's day (days; default 1). */
  timeToleranceDays?: number;
  /** Called with each kind's summary once it is loaded ("organisation metadata", "ASID lookup 2026-08", …, SPINE_KIND). */
  onLoaded?: (kind: string, summary: LoadSummary) => void;
  /** Progress through the Spine files. */
  onSpineProgress?: (progress: SpineProgress) => void;
}

export async function loadFolder(warehouse: Warehouse, dir: string, options: LoadFolderOptions): Promise<void> {
  const { raw } = options;
  const loaded = options.onLoaded ?? (() => undefined);
  const reference = path.join(dir, "reference");
  const files = fs.existsSync(reference) ? fs.readdirSync(reference).sort() : [];
  const odsFiles = files.filter((f) => /organisationMetadata\.json$/.test(f)).map((f) => path.join(reference, f));
  if (odsFiles.length > 0) loaded("organisation metadata", await loadOds(warehouse, odsFiles, { raw }));
  for (const file of files.filter((f) => /asidLookup\.csv(\.gz)?$/.test(f))) {
    const month = /^(\d{4}-\d{2})/.exec(file)?.[1];
    if (!month) throw new Error(`${path.join(reference, file)}: an ASID lookup in a data folder is named YYYY-MM_asidLookup.csv[.gz] so that its month is known`);
    loaded(`ASID lookup ${month}`, await loadAsidLookup(warehouse, path.join(reference, file), month, { raw }));
  }
  const geography = files.filter((f) => /geography.*\.csv$/.test(f)).map((f) => path.join(reference, f));
  if (geography.length > 0) loaded("geography", await loadGeography(warehouse, geography, { raw }));
  const spine = path.join(dir, "spine");
  if (!fs.existsSync(spine)) throw new Error(`${dir} has no spine/ folder of *_spine_messages.csv[.gz] files`);
  loaded(SPINE_KIND, await loadSpine(warehouse, [spine], { raw, onProgress: options.onSpineProgress, timeToleranceDays: options.timeToleranceDays }));
}
