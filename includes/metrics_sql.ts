/**
 * SQL building blocks of the monthly metric marts (spec §6.2, §6.3): which transfers the metrics count, the
 * counts by status, failure reason and SLA band, the percentages, the integration-time percentiles and the
 * roll-up of practice rows to Sub-ICB locations, ICBs and regions. Engine-neutral: every construct that differs
 * between BigQuery and DuckDB goes through includes/engine.ts, every rounded percentage through includes/metrics.ts.
 */
import { vars } from "./config";
import { FAILURE_REASON, SLA, STATUS } from "./constants";
import { sql } from "./engine";
import { percentage } from "./metrics";

/** The cutoff whose transfers feed the metrics (spec §6.1: 14 days). */
export const metricsCutoffDays: number = vars.metrics_cutoff_days;

const quote = (value: string) => sql.stringLiteral(value);
const isStatus = (status: string) => `status = ${quote(status)}`;
const isReason = (status: string, reason: string) => `(status = ${quote(status)} and failure_reason = ${quote(reason)})`;

const ON_TIME = isStatus(STATUS.INTEGRATED_ON_TIME);
const LATE = isReason(STATUS.PROCESS_FAILURE, FAILURE_REASON.INTEGRATED_LATE);
const NOT_INTEGRATED = isReason(STATUS.PROCESS_FAILURE, FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED);
const TECHNICAL = isStatus(STATUS.TECHNICAL_FAILURE);
const UNCLASSIFIED = isStatus(STATUS.UNCLASSIFIED_FAILURE);

/** A transfer whose record was integrated or suppressed (on time or late): the population of the SLA percentiles. */
export const isIntegrated = `(${ON_TIME} or ${LATE})`;

/**
 * The counted columns of a practice or area month, each with the condition on one transfer that counts it. The
 * §6.2 fields first (in their published order), then the counts per status and per failure reason. `breakdown` names
 * the status and failure reason a count is of, for the counts that split the failures by reason (together they
 * partition every transfer not integrated on time).
 */
export const COUNTS: readonly { readonly column: string; readonly condition: string; readonly breakdown?: { readonly status: string; readonly reason: string } }[] = [
  { column: "requested_count", condition: "true" },
  { column: "received_count", condition: `(${ON_TIME} or ${LATE} or ${NOT_INTEGRATED})` },
  { column: "integrated_within_3_days_count", condition: `(${ON_TIME} and sla_duration <= ${SLA.INTEGRATION_WITHIN_3_DAYS_SECONDS})` },
  {
    column: "integrated_within_8_days_count",
    condition: `(${ON_TIME} and sla_duration > ${SLA.INTEGRATION_WITHIN_3_DAYS_SECONDS} and sla_duration <= ${SLA.INTEGRATION_ON_TIME_SECONDS})`,
  },
  { column: "not_integrated_within_8_days_total", condition: `(${LATE} or ${NOT_INTEGRATED})` },
  { column: "failures_total_count", condition: `(${TECHNICAL} or ${UNCLASSIFIED})` },
  { column: "integrated_on_time_count", condition: ON_TIME },
  { column: "process_failure_count", condition: isStatus(STATUS.PROCESS_FAILURE) },
  { column: "technical_failure_count", condition: TECHNICAL },
  { column: "unclassified_failure_count", condition: UNCLASSIFIED },
  reasonCount("integrated_late_count", STATUS.PROCESS_FAILURE, FAILURE_REASON.INTEGRATED_LATE),
  reasonCount("transferred_not_integrated_count", STATUS.PROCESS_FAILURE, FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED),
  reasonCount("final_error_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.FINAL_ERROR),
  reasonCount("request_not_acknowledged_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED),
  reasonCount("core_extract_not_sent_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.CORE_EXTRACT_NOT_SENT),
  reasonCount("contains_fatal_sender_error_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR),
  reasonCount("copc_not_sent_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.COPC_NOT_SENT),
  reasonCount("copc_not_acknowledged_count", STATUS.TECHNICAL_FAILURE, FAILURE_REASON.COPC_NOT_ACKNOWLEDGED),
  reasonCount("transferred_not_integrated_with_error_count", STATUS.UNCLASSIFIED_FAILURE, FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR),
  reasonCount("ambiguous_copc_count", STATUS.UNCLASSIFIED_FAILURE, FAILURE_REASON.AMBIGUOUS_COPC),
  { column: "integrated_total_count", condition: isIntegrated },
  { column: "provisional_count", condition: "not is_final" },
];

function reasonCount(column: string, status: string, reason: string) {
  return { column, condition: isReason(status, reason), breakdown: { status, reason } };
}

/** The §6.2 percentages: column, portion and denominator (1 dp, NULL on a zero denominator). */
export const PERCENTAGES: readonly { readonly column: string; readonly portion: string; readonly denominator: string }[] = [
  { column: "received_percent_of_requested", portion: "received_count", denominator: "requested_count" },
  { column: "integrated_within_3_days_percent_of_received", portion: "integrated_within_3_days_count", denominator: "received_count" },
  { column: "integrated_within_8_days_percent_of_received", portion: "integrated_within_8_days_count", denominator: "received_count" },
  { column: "not_integrated_within_8_days_percent_of_received", portion: "not_integrated_within_8_days_total", denominator: "received_count" },
  { column: "failures_total_percent_of_requested", portion: "failures_total_count", denominator: "requested_count" },
];

/** Practice-level percentages are rounded to 1 dp, national ones to 2 dp (spec §6.2, §6.3). */
export const PRACTICE_DIGITS = 1;
export const NATIONAL_DIGITS = 2;

/** The organisation columns a practice (and its transfers) is attributed to, in output order. */
export const ORGANISATION_COLUMNS = [
  "practice_name",
  "sicbl_ods_code",
  "sicbl_name",
  "icb_ods_code",
  "icb_name",
  "region_ods_code",
  "region_name",
] as const;

/** Which practice of a transfer a metric row is about: the requesting (registering) one or the sending (previous) one. */
export type PracticeRole = "requesting" | "sending";

/**
 * The transfers the metrics count: every transfer at the metrics cutoff (final and provisional), with the
 * organisation columns of the `role` practice (requesting by default) under short names (practice_ods_code,
 * practice_name, sicbl_ods_code, …) and the request month as metric_month. `where` adds a condition.
 */
export function metricTransfers(transfersRef: string, role: PracticeRole = "requesting", where = ""): string {
  return `select
    conversation_id,
    date_requested,
    request_month as metric_month,
    status,
    failure_reason,
    sla_duration,
    is_final,
    ${role}_practice_ods_code as practice_ods_code,
    ${ORGANISATION_COLUMNS.map((c) => `${role}_${c.startsWith("practice_") ? c : `practice_${c}`} as ${c}`).join(",\n    ")}
  from ${transfersRef}
  where cutoff_days = ${metricsCutoffDays}${where ? ` and ${where}` : ""}`;
}

/** Select-list items counting each of COUNTS (or those named in `only`) over the grouped transfers (0 for an empty group). */
export function countColumns(indent = "    ", only?: readonly string[]): string {
  const counted = only ? only.map((name) => COUNTS.find(({ column }) => column === name) ?? unknownCount(name)) : COUNTS;
  return counted.map(({ column, condition }) => `${sql.countIf(condition)} as ${column}`).join(`,\n${indent}`);
}

function unknownCount(name: string): never {
  throw new Error(`countColumns: "${name}" is not one of the counted columns (${COUNTS.map(({ column }) => column).join(", ")})`);
}

/** Select-list items `coalesce(<alias>.<count>, 0) as <count>` for a left-joined counts relation. */
export function coalescedCounts(alias: string, indent = "    "): string {
  return COUNTS.map(({ column }) => `coalesce(${alias}.${column}, 0) as ${column}`).join(`,\n${indent}`);
}

/** Select-list items summing each count over grouped practice rows (as INT64 on both engines). */
export function summedCounts(indent = "    "): string {
  return COUNTS.map(({ column }) => `cast(sum(${column}) as ${sql.type("INT64")}) as ${column}`).join(`,\n${indent}`);
}

/** The §6.2 fields in published order, the percentages computed from the counts of `alias` (never averaged). */
export function practiceFields(alias: string, indent = "    "): string {
  const pct = (column: string) => {
    const p = PERCENTAGES.find((x) => x.column === column)!;
    return `${percentage(`${alias}.${p.portion}`, `${alias}.${p.denominator}`, PRACTICE_DIGITS)} as ${column}`;
  };
  return [
    `${alias}.requested_count`,
    `${alias}.received_count`,
    pct("received_percent_of_requested"),
    `${alias}.integrated_within_3_days_count`,
    pct("integrated_within_3_days_percent_of_received"),
    `${alias}.integrated_within_8_days_count`,
    pct("integrated_within_8_days_percent_of_received"),
    `${alias}.not_integrated_within_8_days_total`,
    pct("not_integrated_within_8_days_percent_of_received"),
    `${alias}.failures_total_count`,
    pct("failures_total_percent_of_requested"),
    ...COUNTS.slice(6).map(({ column }) => `${alias}.${column}`),
  ].join(`,\n${indent}`);
}

/**
 * `FROM`-clause item: one row for each month from the DATE `first` to the DATE `last` (first days of months), both
 * included, in a column `alias`; no row when either is NULL. The span is the arguments', however long: the monthly
 * marts pass the first and last month with transfers, so their series is bounded by the data, never by a fixed count.
 */
export function everyMonth(first: string, last: string, alias = "metric_month"): string {
  return sql.unnest(sql.dateArray(first, last, "MONTH"), alias);
}

/**
 * The moment (TIMESTAMP) the data must reach for the metric month `month` (a DATE, its first day) to be complete:
 * the start of the next month plus the metrics cutoff (Decision 4: a request on the month's last day becomes final
 * then).
 */
export function monthCompleteAt(month: string): string {
  const nextMonth = `cast(${sql.dateAdd(month, 1, "MONTH")} as ${sql.type("TIMESTAMP")})`;
  return sql.timestampAdd(nextMonth, metricsCutoffDays, "DAY");
}

/**
 * TRUE once the data (its latest message, `watermark`) runs past the end of the metric month plus the metrics
 * cutoff (monthCompleteAt): every transfer the month can hold has been requested and judged at the cutoff.
 */
export function monthIsComplete(month: string, watermark: string): string {
  return `coalesce(${watermark} >= ${monthCompleteAt(month)}, false)`;
}

/**
 * Incremental statement of a mart kept by month whose rows carry national_metrics_monthly's month-level is_final
 * (`nationalRef`): set it on the rows the run did not compute again. A month becomes final when the data runs past
 * its end plus the cutoff, which need not refresh a conversation or close a window of that month.
 */
export function refreshMonthFinality(self: string, nationalRef: string): string {
  return (
    `update ${self} as target set is_final = national.is_final from ${nationalRef} as national ` +
    `where national.metric_month = target.metric_month and target.is_final <> national.is_final`
  );
}

/** A mart kept by month whose rows carry a month-level is_final (monthIsComplete and no provisional transfer). */
export interface MonthlyMart {
  /** Its name in assertion rows. */
  readonly relation: string;
  /** The reference to read (`ref("…")`). */
  readonly ref: string;
}

/**
 * Assertion rows: for each mart and metric month, the rows marked final (is_final) although the data watermark has
 * not reached the month's end plus the cutoff (monthIsComplete, the rule is_final is built on). Reads a one-row
 * relation `watermark` (column data_watermark_at) that the caller defines. Columns: relation, cutoff_days (the
 * metrics cutoff), month, row_count.
 */
export function finalMonthsAfterWatermark(marts: readonly MonthlyMart[]): string {
  return marts
    .map(
      ({ relation, ref }) => `select ${sql.stringLiteral(relation)} as relation, ${metricsCutoffDays} as cutoff_days, metric_month as month, count(*) as row_count
  from ${ref}
  cross join watermark
  where is_final and not ${monthIsComplete("metric_month", "watermark.data_watermark_at")}
  group by metric_month`,
    )
    .join("\n  union all\n  ");
}

/**
 * Median and 90th percentile of sla_duration over the integrated transfers of `source`, per `groupBy`, by the
 * nearest-rank definition: sort the n durations ascending; the p-th percentile is
 * the k-th value with k = ceil(p × n / 100), so the median is value ceil(n / 2) (the lower middle value when n is
 * even) and the 90th percentile value ceil(9n / 10). Always one of the durations, with integer arithmetic only
 * (engine.nearestRankPercentile), so both engines give the same seconds. NULL when no transfer was integrated.
 */
export function integrationTimes(source: string, groupBy: readonly string[]): string {
  const groups = groupBy.join(", ");
  return `select
    ${groups},
    ${sql.nearestRankPercentile("sla_duration", "sla_rank", "sla_population", 50)} as sla_duration_median_seconds,
    ${sql.nearestRankPercentile("sla_duration", "sla_rank", "sla_population", 90)} as sla_duration_p90_seconds
  from (
    select
      ${groups},
      sla_duration,
      -- ranked by the duration alone where the engine ranks: tied rows have the same duration, so the value at a rank
      -- is the same whichever takes it
      ${sql.percentileRankColumns("sla_duration", groups, "sla_rank", "sla_population")}
    from ${source}
    where ${isIntegrated} and sla_duration is not null
  ) as ranked
  group by ${groups}`;
}

/** TRUE when every row of the group has `flag` TRUE (engine-neutral BOOL_AND / LOGICAL_AND). */
export function allTrue(flag: string): string {
  return `coalesce(min(case when ${flag} then 1 else 0 end) = 1, true)`;
}

/** The area levels the practice rows roll up to, with the organisation columns each keeps. */
export const AREA_LEVELS = {
  sicbl: ["sicbl_ods_code", "sicbl_name", "icb_ods_code", "icb_name", "region_ods_code", "region_name"],
  icb: ["icb_ods_code", "icb_name", "region_ods_code", "region_name"],
  region: ["region_ods_code", "region_name"],
} as const;
export type AreaLevel = keyof typeof AREA_LEVELS;

/**
 * The query of an area mart: the practice rows of the practices attributed to each area (by their latest
 * transfer, as practice_metrics_monthly attributes them) summed per area and month, the percentages recomputed
 * from the sums, and the integration-time percentiles over the area's integrated transfers (area_integration_times). The area's names
 * (and parent areas) are those of its practice with the most recent latest transfer (ties: lowest ODS code).
 */
export function areaRollup(level: AreaLevel, practiceMetricsRef: string, areaIntegrationTimesRef: string): string {
  const [key, ...attributes] = AREA_LEVELS[level];
  return `with practice_rows as (
  select * from ${practiceMetricsRef}
  where ${key} is not null
),

practices as (
  select distinct practice_ods_code, ${AREA_LEVELS[level].join(", ")}, latest_requested_at
  from practice_rows
),

area_names as (
  select ${AREA_LEVELS[level].join(", ")}
  from (
    select
      practices.*,
      row_number() over (partition by ${key} order by latest_requested_at desc, practice_ods_code) as recency
    from practices
  ) as ranked
  where recency = 1
),

summed as (
  select
    ${key},
    metric_month,
    count(*) as practice_count,
    ${sql.countIf("requested_count > 0")} as requesting_practice_count,
    ${summedCounts()},
    ${allTrue("is_final")} as is_final
  from practice_rows
  group by ${key}, metric_month
),

integration_times as (
  select area_ods_code as ${key}, metric_month, sla_duration_median_seconds, sla_duration_p90_seconds
  from ${areaIntegrationTimesRef}
  where area_level = ${sql.stringLiteral(level)}
),

final as (
  select
    summed.${key},
    summed.metric_month,
    ${attributes.map((c) => `area_names.${c}`).join(",\n    ")},
    summed.practice_count,
    summed.requesting_practice_count,
    ${practiceFields("summed")},
    integration_times.sla_duration_median_seconds,
    integration_times.sla_duration_p90_seconds,
    ${percentage("summed.integrated_on_time_count", "summed.requested_count", NATIONAL_DIGITS)} as integrated_on_time_percent,
    ${percentage("summed.requested_count - summed.integrated_on_time_count", "summed.requested_count", NATIONAL_DIGITS)} as paper_fallback_percent,
    summed.is_final
  from summed
  inner join area_names on area_names.${key} = summed.${key}
  left join integration_times
    on integration_times.${key} = summed.${key}
    and integration_times.metric_month = summed.metric_month
)

select * from final`;
}

/** The §6.2 fields the identity checks report. */
const IDENTITY_COLUMNS = [
  "requested_count",
  "received_count",
  "failures_total_count",
  "integrated_within_3_days_count",
  "integrated_within_8_days_count",
  "not_integrated_within_8_days_total",
] as const;

/**
 * Assertion query: the rows of a practice or area mart whose counts break an identity of §6.2 (requested =
 * received + failures; received = within 3 + within 3-8 + not within 8 days; requested = the four statuses; each
 * status = its failure reasons; integrated total = on time + late). `keys` are select-list items.
 */
export function countsDoNotAddUp(martRef: string, keys: readonly string[]): string {
  return `select ${keys.join(", ")}, ${IDENTITY_COLUMNS.join(", ")}
  from ${martRef}
  where requested_count != received_count + failures_total_count
    or received_count != integrated_within_3_days_count + integrated_within_8_days_count + not_integrated_within_8_days_total
    or requested_count != integrated_on_time_count + process_failure_count + technical_failure_count + unclassified_failure_count
    or received_count != integrated_on_time_count + process_failure_count
    or failures_total_count != technical_failure_count + unclassified_failure_count
    or process_failure_count != integrated_late_count + transferred_not_integrated_count
    or not_integrated_within_8_days_total != process_failure_count
    or technical_failure_count != final_error_count + request_not_acknowledged_count + core_extract_not_sent_count
      + contains_fatal_sender_error_count + copc_not_sent_count + copc_not_acknowledged_count
    or unclassified_failure_count != transferred_not_integrated_with_error_count + ambiguous_copc_count
    or integrated_total_count != integrated_on_time_count + integrated_late_count`;
}

/**
 * Assertion query: the area months of `areaRef` (keyed by `key`) whose §6.2 counts differ from the sums over the
 * practice rows attributed to the area. Columns: level, area_ods_code, metric_month and the area's counts.
 */
export function practiceSums(practiceRef: string, areaRef: string, key: string): string {
  return `select ${sql.stringLiteral(`sum of practices by ${key}`)} as level, area.${key} as area_ods_code, area.metric_month, ${IDENTITY_COLUMNS.map((c) => `area.${c}`).join(", ")}
  from ${areaRef} as area
  left join (
    select ${key}, metric_month, ${IDENTITY_COLUMNS.map((c) => `sum(${c}) as ${c}`).join(", ")}
    from ${practiceRef}
    where ${key} is not null
    group by ${key}, metric_month
  ) as practices
    on practices.${key} = area.${key} and practices.metric_month = area.metric_month
  where ${IDENTITY_COLUMNS.map((c) => `coalesce(practices.${c}, -1) != area.${c}`).join("\n    or ")}`;
}
