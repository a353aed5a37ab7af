"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AREA_LEVELS = exports.ORGANISATION_COLUMNS = exports.NATIONAL_DIGITS = exports.PRACTICE_DIGITS = exports.PERCENTAGES = exports.COUNTS = exports.isIntegrated = exports.metricsCutoffDays = void 0;
exports.metricTransfers = metricTransfers;
exports.countColumns = countColumns;
exports.coalescedCounts = coalescedCounts;
exports.summedCounts = summedCounts;
exports.practiceFields = practiceFields;
exports.everyMonth = everyMonth;
exports.monthCompleteAt = monthCompleteAt;
exports.monthIsComplete = monthIsComplete;
exports.refreshMonthFinality = refreshMonthFinality;
exports.finalMonthsAfterWatermark = finalMonthsAfterWatermark;
exports.integrationTimes = integrationTimes;
exports.allTrue = allTrue;
exports.areaRollup = areaRollup;
exports.countsDoNotAddUp = countsDoNotAddUp;
exports.practiceSums = practiceSums;
/**
 * SQL building blocks of the monthly metric marts (spec §6.2, §6.3): which transfers the metrics count, the
 * counts by status, failure reason and SLA band, the percentages, the integration-time percentiles and the
 * roll-up of practice rows to Sub-ICB locations, ICBs and regions. Engine-neutral: every construct that differs
 * between BigQuery and DuckDB goes through includes/engine.ts, every rounded percentage through includes/metrics.ts.
 */
const config_1 = require("./config");
const constants_1 = require("./constants");
const engine_1 = require("./engine");
const metrics_1 = require("./metrics");
/** The cutoff whose transfers feed the metrics (spec §6.1: 14 days). */
exports.metricsCutoffDays = config_1.vars.metrics_cutoff_days;
const quote = (value) => engine_1.sql.stringLiteral(value);
const isStatus = (status) => `status = ${quote(status)}`;
const isReason = (status, reason) => `(status = ${quote(status)} and failure_reason = ${quote(reason)})`;
const ON_TIME = isStatus(constants_1.STATUS.INTEGRATED_ON_TIME);
const LATE = isReason(constants_1.STATUS.PROCESS_FAILURE, constants_1.FAILURE_REASON.INTEGRATED_LATE);
const NOT_INTEGRATED = isReason(constants_1.STATUS.PROCESS_FAILURE, constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED);
const TECHNICAL = isStatus(constants_1.STATUS.TECHNICAL_FAILURE);
const UNCLASSIFIED = isStatus(constants_1.STATUS.UNCLASSIFIED_FAILURE);
/** A transfer whose record was integrated or suppressed (on time or late): the population of the SLA percentiles. */
exports.isIntegrated = `(${ON_TIME} or ${LATE})`;
/**
 * The counted columns of a practice or area month, each with the condition on one transfer that counts it. The
 * §6.2 fields first (in their published order), then the counts per status and per failure reason. `breakdown` names
 * the status and failure reason a count is of, for the counts that split the failures by reason (together they
 * partition every transfer not integrated on time).
 */
exports.COUNTS = [
    { column: "requested_count", condition: "true" },
    { column: "received_count", condition: `(${ON_TIME} or ${LATE} or ${NOT_INTEGRATED})` },
    { column: "integrated_within_3_days_count", condition: `(${ON_TIME} and sla_duration <= ${constants_1.SLA.INTEGRATION_WITHIN_3_DAYS_SECONDS})` },
    {
        column: "integrated_within_8_days_count",
        condition: `(${ON_TIME} and sla_duration > ${constants_1.SLA.INTEGRATION_WITHIN_3_DAYS_SECONDS} and sla_duration <= ${constants_1.SLA.INTEGRATION_ON_TIME_SECONDS})`,
    },
    { column: "not_integrated_within_8_days_total", condition: `(${LATE} or ${NOT_INTEGRATED})` },
    { column: "failures_total_count", condition: `(${TECHNICAL} or ${UNCLASSIFIED})` },
    { column: "integrated_on_time_count", condition: ON_TIME },
    { column: "process_failure_count", condition: isStatus(constants_1.STATUS.PROCESS_FAILURE) },
    { column: "technical_failure_count", condition: TECHNICAL },
    { column: "unclassified_failure_count", condition: UNCLASSIFIED },
    reasonCount("integrated_late_count", constants_1.STATUS.PROCESS_FAILURE, constants_1.FAILURE_REASON.INTEGRATED_LATE),
    reasonCount("transferred_not_integrated_count", constants_1.STATUS.PROCESS_FAILURE, constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED),
    reasonCount("final_error_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.FINAL_ERROR),
    reasonCount("request_not_acknowledged_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED),
    reasonCount("core_extract_not_sent_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.CORE_EXTRACT_NOT_SENT),
    reasonCount("contains_fatal_sender_error_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR),
    reasonCount("copc_not_sent_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.COPC_NOT_SENT),
    reasonCount("copc_not_acknowledged_count", constants_1.STATUS.TECHNICAL_FAILURE, constants_1.FAILURE_REASON.COPC_NOT_ACKNOWLEDGED),
    reasonCount("transferred_not_integrated_with_error_count", constants_1.STATUS.UNCLASSIFIED_FAILURE, constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR),
    reasonCount("ambiguous_copc_count", constants_1.STATUS.UNCLASSIFIED_FAILURE, constants_1.FAILURE_REASON.AMBIGUOUS_COPC),
    { column: "integrated_total_count", condition: exports.isIntegrated },
    { column: "provisional_count", condition: "not is_final" },
];
function reasonCount(column, status, reason) {
    return { column, condition: isReason(status, reason), breakdown: { status, reason } };
}
/** The §6.2 percentages: column, portion and denominator (1 dp, NULL on a zero denominator). */
exports.PERCENTAGES = [
    { column: "received_percent_of_requested", portion: "received_count", denominator: "requested_count" },
    { column: "integrated_within_3_days_percent_of_received", portion: "integrated_within_3_days_count", denominator: "received_count" },
    { column: "integrated_within_8_days_percent_of_received", portion: "integrated_within_8_days_count", denominator: "received_count" },
    { column: "not_integrated_within_8_days_percent_of_received", portion: "not_integrated_within_8_days_total", denominator: "received_count" },
    { column: "failures_total_percent_of_requested", portion: "failures_total_count", denominator: "requested_count" },
];
/** Practice-level percentages are rounded to 1 dp, national ones to 2 dp (spec §6.2, §6.3). */
exports.PRACTICE_DIGITS = 1;
exports.NATIONAL_DIGITS = 2;
/** The organisation columns a practice (and its transfers) is attributed to, in output order. */
exports.ORGANISATION_COLUMNS = [
    "practice_name",
    "sicbl_ods_code",
    "sicbl_name",
    "icb_ods_code",
    "icb_name",
    "region_ods_code",
    "region_name",
];
/**
 * The transfers the metrics count: every transfer at the metrics cutoff (final and provisional), with the
 * organisation columns of the `role` practice (requesting by default) under short names (practice_ods_code,
 * practice_name, sicbl_ods_code, …) and the request month as metric_month. `where` adds a condition.
 */
function metricTransfers(transfersRef, role = "requesting", where = "") {
    return `select
    conversation_id,
    date_requested,
    request_month as metric_month,
    status,
    failure_reason,
    sla_duration,
    is_final,
    ${role}_practice_ods_code as practice_ods_code,
    ${exports.ORGANISATION_COLUMNS.map((c) => `${role}_${c.startsWith("practice_") ? c : `practice_${c}`} as ${c}`).join(",\n    ")}
  from ${transfersRef}
  where cutoff_days = ${exports.metricsCutoffDays}${where ? ` and ${where}` : ""}`;
}
/** Select-list items counting each of COUNTS (or those named in `only`) over the grouped transfers (0 for an empty group). */
function countColumns(indent = "    ", only) {
    const counted = only ? only.map((name) => { var _a; return (_a = exports.COUNTS.find(({ column }) => column === name)) !== null && _a !== void 0 ? _a : unknownCount(name); }) : exports.COUNTS;
    return counted.map(({ column, condition }) => `${engine_1.sql.countIf(condition)} as ${column}`).join(`,\n${indent}`);
}
function unknownCount(name) {
    throw new Error(`countColumns: "${name}" is not one of the counted columns (${exports.COUNTS.map(({ column }) => column).join(", ")})`);
}
/** Select-list items `coalesce(<alias>.<count>, 0) as <count>` for a left-joined counts relation. */
function coalescedCounts(alias, indent = "    ") {
    return exports.COUNTS.map(({ column }) => `coalesce(${alias}.${column}, 0) as ${column}`).join(`,\n${indent}`);
}
/** Select-list items summing each count over grouped practice rows (as INT64 on both engines). */
function summedCounts(indent = "    ") {
    return exports.COUNTS.map(({ column }) => `cast(sum(${column}) as ${engine_1.sql.type("INT64")}) as ${column}`).join(`,\n${indent}`);
}
/** The §6.2 fields in published order, the percentages computed from the counts of `alias` (never averaged). */
function practiceFields(alias, indent = "    ") {
    const pct = (column) => {
        const p = exports.PERCENTAGES.find((x) => x.column === column);
        return `${(0, metrics_1.percentage)(`${alias}.${p.portion}`, `${alias}.${p.denominator}`, exports.PRACTICE_DIGITS)} as ${column}`;
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
        ...exports.COUNTS.slice(6).map(({ column }) => `${alias}.${column}`),
    ].join(`,\n${indent}`);
}
/**
 * `FROM`-clause item: one row for each month from the DATE `first` to the DATE `last` (first days of months), both
 * included, in a column `alias`; no row when either is NULL. The span is the arguments', however long: the monthly
 * marts pass the first and last month with transfers, so their series is bounded by the data, never by a fixed count.
 */
function everyMonth(first, last, alias = "metric_month") {
    return engine_1.sql.unnest(engine_1.sql.dateArray(first, last, "MONTH"), alias);
}
/**
 * The moment (TIMESTAMP) the data must reach for the metric month `month` (a DATE, its first day) to be complete:
 * the start of the next month plus the metrics cutoff (Decision 4: a request on the month's last day becomes final
 * then).
 */
function monthCompleteAt(month) {
    const nextMonth = `cast(${engine_1.sql.dateAdd(month, 1, "MONTH")} as ${engine_1.sql.type("TIMESTAMP")})`;
    return engine_1.sql.timestampAdd(nextMonth, exports.metricsCutoffDays, "DAY");
}
/**
 * TRUE once the data (its latest message, `watermark`) runs past the end of the metric month plus the metrics
 * cutoff (monthCompleteAt): every transfer the month can hold has been requested and judged at the cutoff.
 */
function monthIsComplete(month, watermark) {
    return `coalesce(${watermark} >= ${monthCompleteAt(month)}, false)`;
}
/**
 * Incremental statement of a mart kept by month whose rows carry national_metrics_monthly's month-level is_final
 * (`nationalRef`): set it on the rows the run did not compute again. A month becomes final when the data runs past
 * its end plus the cutoff, which need not refresh a conversation or close a window of that month.
 */
function refreshMonthFinality(self, nationalRef) {
    return (`update ${self} as target set is_final = national.is_final from ${nationalRef} as national ` +
        `where national.metric_month = target.metric_month and target.is_final <> national.is_final`);
}
/**
 * Assertion rows: for each mart and metric month, the rows marked final (is_final) although the data watermark has
 * not reached the month's end plus the cutoff (monthIsComplete, the rule is_final is built on). Reads a one-row
 * relation `watermark` (column data_watermark_at) that the caller defines. Columns: relation, cutoff_days (the
 * metrics cutoff), month, row_count.
 */
function finalMonthsAfterWatermark(marts) {
    return marts
        .map(({ relation, ref }) => `select ${engine_1.sql.stringLiteral(relation)} as relation, ${exports.metricsCutoffDays} as cutoff_days, metric_month as month, count(*) as row_count
  from ${ref}
  cross join watermark
  where is_final and not ${monthIsComplete("metric_month", "watermark.data_watermark_at")}
  group by metric_month`)
        .join("\n  union all\n  ");
}
/**
 * Median and 90th percentile of sla_duration over the integrated transfers of `source`, per `groupBy`, by the
 * nearest-rank definition: sort the n durations ascending; the p-th percentile is
 * the k-th value with k = ceil(p × n / 100), so the median is value ceil(n / 2) (the lower middle value when n is
 * even) and the 90th percentile value ceil(9n / 10). Always one of the durations, with integer arithmetic only
 * (engine.nearestRankPercentile), so both engines give the same seconds. NULL when no transfer was integrated.
 */
function integrationTimes(source, groupBy) {
    const groups = groupBy.join(", ");
    return `select
    ${groups},
    ${engine_1.sql.nearestRankPercentile("sla_duration", "sla_rank", "sla_population", 50)} as sla_duration_median_seconds,
    ${engine_1.sql.nearestRankPercentile("sla_duration", "sla_rank", "sla_population", 90)} as sla_duration_p90_seconds
  from (
    select
      ${groups},
      sla_duration,
      -- ranked by the duration alone where the engine ranks: tied rows have the same duration, so the value at a rank
      -- is the same whichever takes it
      ${engine_1.sql.percentileRankColumns("sla_duration", groups, "sla_rank", "sla_population")}
    from ${source}
    where ${exports.isIntegrated} and sla_duration is not null
  ) as ranked
  group by ${groups}`;
}
/** TRUE when every row of the group has `flag` TRUE (engine-neutral BOOL_AND / LOGICAL_AND). */
function allTrue(flag) {
    return `coalesce(min(case when ${flag} then 1 else 0 end) = 1, true)`;
}
/** The area levels the practice rows roll up to, with the organisation columns each keeps. */
exports.AREA_LEVELS = {
    sicbl: ["sicbl_ods_code", "sicbl_name", "icb_ods_code", "icb_name", "region_ods_code", "region_name"],
    icb: ["icb_ods_code", "icb_name", "region_ods_code", "region_name"],
    region: ["region_ods_code", "region_name"],
};
/**
 * The query of an area mart: the practice rows of the practices attributed to each area (by their latest
 * transfer, as practice_metrics_monthly attributes them) summed per area and month, the percentages recomputed
 * from the sums, and the integration-time percentiles over the area's integrated transfers (area_integration_times). The area's names
 * (and parent areas) are those of its practice with the most recent latest transfer (ties: lowest ODS code).
 */
function areaRollup(level, practiceMetricsRef, areaIntegrationTimesRef) {
    const [key, ...attributes] = exports.AREA_LEVELS[level];
    return `with practice_rows as (
  select * from ${practiceMetricsRef}
  where ${key} is not null
),

practices as (
  select distinct practice_ods_code, ${exports.AREA_LEVELS[level].join(", ")}, latest_requested_at
  from practice_rows
),

area_names as (
  select ${exports.AREA_LEVELS[level].join(", ")}
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
    ${engine_1.sql.countIf("requested_count > 0")} as requesting_practice_count,
    ${summedCounts()},
    ${allTrue("is_final")} as is_final
  from practice_rows
  group by ${key}, metric_month
),

integration_times as (
  select area_ods_code as ${key}, metric_month, sla_duration_median_seconds, sla_duration_p90_seconds
  from ${areaIntegrationTimesRef}
  where area_level = ${engine_1.sql.stringLiteral(level)}
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
    ${(0, metrics_1.percentage)("summed.integrated_on_time_count", "summed.requested_count", exports.NATIONAL_DIGITS)} as integrated_on_time_percent,
    ${(0, metrics_1.percentage)("summed.requested_count - summed.integrated_on_time_count", "summed.requested_count", exports.NATIONAL_DIGITS)} as paper_fallback_percent,
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
];
/**
 * Assertion query: the rows of a practice or area mart whose counts break an identity of §6.2 (requested =
 * received + failures; received = within 3 + within 3-8 + not within 8 days; requested = the four statuses; each
 * status = its failure reasons; integrated total = on time + late). `keys` are select-list items.
 */
function countsDoNotAddUp(martRef, keys) {
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
function practiceSums(practiceRef, areaRef, key) {
    return `select ${engine_1.sql.stringLiteral(`sum of practices by ${key}`)} as level, area.${key} as area_ods_code, area.metric_month, ${IDENTITY_COLUMNS.map((c) => `area.${c}`).join(", ")}
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
