/**
 * The ingest library behind `gp2gp load`: raw tables, Spine exports, and reference data.
 */
export { LoadError, type FileLoadResult, type LoadStatus, type LoadSummary, type SourceKind } from "./common";
export { ensureRawTables } from "./raw-tables";
export { loadSpine, listSpineFiles, type LoadSpineOptions, type SpineProgress } from "./spine";
export { loadOds, readOrganisationMetadata, type OrganisationMetadata } from "./ods";
export { loadAsidLookup, parseMonth } from "./asid-lookup";
export { loadGeography } from "./geography";
export { loadLog, type LoadLogEntry } from "./load-log";
