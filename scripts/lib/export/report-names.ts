/**
 * The names of the four upstream operational reports (spec §6.5), apart from their definitions so that the command
 * line can list them without loading the export code.
 */
export const REPORT_NAMES = [
  "TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY",
  "TRANSFER_LEVEL_TECHNICAL_FAILURES",
  "SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES",
  "TRANSFER_DETAILS_BY_HOUR",
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];
