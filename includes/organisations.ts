/**
 * Joins that put the practice, SICBL, ICB and region on both sides of a transfer (spec §2.2, Decision 6), shared by
 * the transfers and transfers_live marts.
 */

const FIELDS = [
  ["practice_ods_code", "practice_ods_code"],
  ["practice_name", "practice_name"],
  ["sicbl_ods_code", "practice_sicbl_ods_code"],
  ["sicbl_name", "practice_sicbl_name"],
  ["icb_ods_code", "practice_icb_ods_code"],
  ["icb_name", "practice_icb_name"],
  ["region_ods_code", "practice_region_ods_code"],
  ["region_name", "practice_region_name"],
] as const;

/** Select-list items: the organisation columns of one side, from the lookup alias `alias`. */
export function columns(side: "requesting" | "sending", alias: string): string {
  return FIELDS.map(([from, to]) => `${alias}.${from} as ${side}_${to}`).join(",\n    ");
}

/**
 * CTE body: for each request month in `source` (a relation with a request_month column), the reference month whose
 * data applies: the same month if loaded, otherwise the latest earlier month loaded (previous-month fallback).
 */
export function referenceMonths(source: string, referenceMonthsRef: string): string {
  return `select request_months.request_month, max(loaded.reference_month) as organisation_reference_month
  from (select distinct request_month from ${source}) as request_months
  left join ${referenceMonthsRef} as loaded on loaded.reference_month <= request_months.request_month
  group by request_months.request_month`;
}

/** FROM-clause joins of the lookup for both sides, given the transfer alias and the month mapping alias. */
export function joins(transfer: string, months: string, lookupRef: string): string {
  return `left join ${lookupRef} as requesting_organisation
    on requesting_organisation.reference_month = ${months}.organisation_reference_month
    and requesting_organisation.asid = ${transfer}.requesting_practice_asid
  left join ${lookupRef} as sending_organisation
    on sending_organisation.reference_month = ${months}.organisation_reference_month
    and sending_organisation.asid = ${transfer}.sending_practice_asid`;
}
