/**
 * SQL building blocks of the operational report marts and the alert and impact marts (spec §5.5, §6.5;
 * reporting-products §3-§5): the error-code seed, the upstream error-list strings, counts of nullable conditions,
 * the deterministic median and the impact baseline period. Engine differences go through includes/engine.ts.
 */
import { vars } from "./config";
import { ERROR_CODES, STATUS, UNKNOWN_ERROR_CODE_NAME } from "./constants";
import { sql } from "./engine";

/** Where an error code was seen, as error_code_summary names it, with the transfers column that lists them. */
export const ERROR_LOCATIONS = [
  { location: "sender", column: "sender_error_codes" },
  { location: "final", column: "final_error_codes" },
  { location: "intermediate", column: "intermediate_error_codes" },
] as const;

/**
 * Cutoffs of the daily technical failure rate (reporting-products §4.2: the daily report and alert use cutoff 0,
 * the weekly reports cutoff 2), restricted to the configured cutoffs.
 */
export const ALERT_CUTOFF_DAYS: readonly number[] = [0, 2];
export const alertCutoffs: readonly number[] = vars.cutoff_days.filter((days) => ALERT_CUTOFF_DAYS.includes(days));

/** Label of the all-suppliers rows of technical_failure_rate_daily. */
export const ALL_SUPPLIERS = "All";
/** Supplier label for a request exported without a supplier (NULL or empty fromSystem/toSystem). */
export const UNKNOWN_SUPPLIER = "Unknown";

/** The GP2GP error code table (spec §5.5) as a relation: code, short_name, description. */
export function errorCodesSeed(): string {
  return ERROR_CODES.map(
    (row, i) =>
      `select cast(${row.code} as ${sql.type("INT64")})${i === 0 ? " as code" : ""}, ` +
      `${sql.stringLiteral(row.shortName)}${i === 0 ? " as short_name" : ""}, ` +
      `${sql.stringLiteral(row.description)}${i === 0 ? " as description" : ""}`,
  ).join("\nunion all\n");
}

/** Short name of a code for the reports: the seed's, or "Unknown error code" (spec §5.5). */
export function shortNameOrUnknown(shortNameColumn: string): string {
  return `coalesce(${shortNameColumn}, ${sql.stringLiteral(UNKNOWN_ERROR_CODE_NAME)})`;
}

/**
 * A relation with one row per row of `source` (keyed by `keys`) and the three upstream error strings
 * unique_final_errors, unique_sender_errors and unique_intermediate_errors: the sorted distinct non-null codes of
 * final_error_codes, sender_error_codes and intermediate_error_codes, each written "<code> - <short name>"
 * (unknown codes "<code> - Unknown error code") and joined with ", "; "" when there is none (spec §5.5, §7.6 R1-R2).
 *
 * `source` is a relation name (CTE or table) with the key columns and the three code arrays; `errorCodes` is the
 * seed (stg_error_codes).
 */
export function errorStrings(source: string, keys: readonly string[], errorCodes: string): string {
  const keyList = (alias: string) => keys.map((k) => `${alias}.${k}`).join(", ");
  const exploded = ERROR_LOCATIONS.map(
    ({ location, column }) =>
      `      select distinct ${keyList("listed")}, '${location}' as error_location, code\n` +
      `      from ${sql.arrayRows(source, column, "code", "listed")}\n` +
      `      where code is not null`,
  ).join("\n      union all\n");
  const pick = (location: string) => `coalesce(max(case when labelled.error_location = '${location}' then labelled.errors end), '')`;
  return [
    `select`,
    `    ${keyList("listed")},`,
    `    ${pick("final")} as unique_final_errors,`,
    `    ${pick("sender")} as unique_sender_errors,`,
    `    ${pick("intermediate")} as unique_intermediate_errors`,
    `  from ${source} as listed`,
    `  left join (`,
    `    select`,
    `      ${keyList("codes")},`,
    `      codes.error_location,`,
    `      string_agg(cast(codes.code as ${sql.type("STRING")}) || ' - ' || ${shortNameOrUnknown("error_codes.short_name")}, ', ' order by codes.code) as errors`,
    `    from (`,
    exploded,
    `    ) as codes`,
    `    left join ${errorCodes} as error_codes on error_codes.code = codes.code`,
    `    group by ${keyList("codes")}, codes.error_location`,
    `  ) as labelled`,
    `    on ${keys.map((k) => `labelled.${k} = listed.${k}`).join(" and ")}`,
    `  group by ${keyList("listed")}`,
  ].join("\n");
}

/** Counts rows of technical failures / unclassified failures. */
export const isTechnicalFailure = (status = "status") => `${status} = '${STATUS.TECHNICAL_FAILURE}'`;
export const isUnclassifiedFailure = (status = "status") => `${status} = '${STATUS.UNCLASSIFIED_FAILURE}'`;

/**
 * Aggregate: the median of `value` over the rows of a group in which `position` (1-based, by value then a
 * unique tie-breaker) and `total` (rows in the group) are given. Odd totals take the middle value; even totals the
 * mean of the two middle values, written (low + high) / 2 with plain IEEE addition so that both engines give the
 * same double (no engine MEDIAN/PERCENTILE function, whose interpolation and frames differ).
 */
export function medianOfPositions(value: string, position: string, total: string): string {
  const low = sql.intDiv(`(${total} + 1)`, "2");
  const high = sql.intDiv(`(${total} + 2)`, "2");
  return `(min(case when ${position} = ${low} then ${value} end) + max(case when ${position} = ${high} then ${value} end)) / 2`;
}

/** The impact baseline period of the impact_baseline_months var. */
export interface ImpactBaseline {
  /** "first_months" (the first N months with transfers) or "range" (an inclusive YYYY-MM range). */
  readonly kind: "first_months" | "range";
  readonly months?: number;
  readonly start?: string;
  readonly end?: string;
}

export function impactBaseline(value: string = vars.impact_baseline_months): ImpactBaseline {
  if (value.includes("..")) {
    const [start, end] = value.split("..");
    return { kind: "range", start, end };
  }
  return { kind: "first_months", months: Number(value) };
}

/**
 * TRUE for the baseline months: `month` is a DATE column and `monthRank` its 1-based rank among the months with
 * transfers (oldest first).
 */
export function isBaselineMonth(month: string, monthRank: string, baseline: ImpactBaseline = impactBaseline()): string {
  if (baseline.kind === "range") return `(${month} between date '${baseline.start}-01' and date '${baseline.end}-01')`;
  return `(${monthRank} <= ${baseline.months})`;
}

/** Text of the baseline period for the reports, e.g. "first 3 months" or "2024-01..2024-03". */
export function baselineLabel(baseline: ImpactBaseline = impactBaseline()): string {
  return baseline.kind === "range" ? `${baseline.start}..${baseline.end}` : `first ${baseline.months} month${baseline.months === 1 ? "" : "s"}`;
}
