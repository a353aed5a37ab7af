/**
 * The publish gate (reporting-products §3 "Validation gate", spec §6.4): the relations its assertions share. The
 * gate judges the latest final month: the latest metric month that national_metrics_monthly marks final (the loaded
 * data runs past the month's end plus the metrics cutoff and none of its transfers is provisional, Decision 4).
 *
 * Each gate assertion (definitions/assertions/gate__*.sqlx, tagged "gate") returns one row per problem with a
 * `message` column that says what failed; scripts/lib/gate.ts runs them before an export or a publication. They are
 * compiled disabled (ordinary runs skip them) unless the gate_in_run var is true.
 */
import { sql } from "./engine";

export const GATE_TAG = "gate";

/** 'YYYY-MM' of a DATE (month start). */
export function monthText(month: string): string {
  return `substr(cast(${month} as ${sql.type("STRING")}), 1, 7)`;
}

/** A value as text, for messages. */
export function text(value: string): string {
  return `cast(${value} as ${sql.type("STRING")})`;
}

/** CTE (to follow `with`) `watermark`: one row, data_watermark_at = the latest Spine message loaded. */
export function watermarkCte(spineMessages: string): string {
  return `watermark as (
  select max(message_at) as data_watermark_at from ${spineMessages}
)`;
}

/**
 * CTE `latest_final_month`: one row whose metric_month is the latest month national_metrics_monthly marks final,
 * NULL when no month is final yet.
 */
export function latestFinalMonthCte(nationalMetrics: string): string {
  return `latest_final_month as (
  select max(metric_month) as metric_month from ${nationalMetrics} where is_final
)`;
}
