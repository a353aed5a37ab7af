"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DECISION_LIST = exports.fatalSenderErrorCodes = exports.cutoffs = void 0;
exports.windows = windows;
exports.windowClosesAt = windowClosesAt;
exports.inWindow = inWindow;
exports.roundedSeconds = roundedSeconds;
exports.decisionRule = decisionRule;
exports.outcomeOf = outcomeOf;
/**
 * SQL building blocks of the classification (spec §4–§5) that several correlated models share: the windows a
 * conversation is classified in and the decision list. The incremental step (scope, progress, watermark, batches)
 * is includes/increments.ts.
 */
const config_1 = require("./config");
const constants_1 = require("./constants");
const engine_1 = require("./engine");
/** The configured cutoffs in days (Decision 4). */
exports.cutoffs = config_1.vars.cutoff_days;
/**
 * A relation with one row per classification window: each configured cutoff, plus the live window
 * (cutoff_days = -1: every message so far) when `includeLive`.
 */
function windows(includeLive = true) {
    const days = includeLive ? [...exports.cutoffs, constants_1.LIVE_WINDOW] : [...exports.cutoffs];
    return `(${days.map((d, i) => (i === 0 ? `select ${d} as cutoff_days` : `select ${d}`)).join(" union all ")})`;
}
/**
 * When a window of a conversation closes: the start of the request's UTC day + cutoff + 1 day (Decision 4: the
 * 14-day result is final once the warehouse holds messages past the end of request day + 14 days). NULL for live.
 */
function windowClosesAt(startedAt, cutoffDays) {
    return `case when ${cutoffDays} < 0 then null else ${engine_1.sql.timestampAdd(engine_1.sql.timestampTrunc(startedAt, "DAY"), `${cutoffDays} + 1`, "DAY")} end`;
}
/**
 * TRUE when a message at `messageAt` is visible to the window `cutoffDays` of a conversation that started at
 * `startedAt` (spec §4.1 step 4, Decision 4): cutoff N > 0 sees messages at most N days after the first message,
 * cutoff 0 sees the messages of the request's UTC day, the live window sees everything.
 */
function inWindow(messageAt, startedAt, cutoffDays) {
    return (`(${cutoffDays} < 0 ` +
        `or (${cutoffDays} = 0 and ${messageAt} < ${engine_1.sql.timestampAdd(engine_1.sql.timestampTrunc(startedAt, "DAY"), 1, "DAY")}) ` +
        `or (${cutoffDays} > 0 and ${messageAt} <= ${engine_1.sql.timestampAdd(startedAt, cutoffDays, "DAY")}))`);
}
/** SQL list of the fatal sender error codes (spec §5.4). */
exports.fatalSenderErrorCodes = constants_1.FATAL_SENDER_ERROR_CODES.join(", ");
/**
 * Seconds of a non-negative duration in microseconds, rounded half to even as Python's round() does on the
 * upstream timedelta (spec §4.2): 2.5 s → 2, 3.5 s → 4. Negative durations are clamped to 0 first.
 */
function roundedSeconds(micros) {
    const clamped = `(case when ${micros} < 0 then 0 else ${micros} end)`;
    const whole = engine_1.sql.intDiv(clamped, "1000000");
    const remainder = engine_1.sql.mod(clamped, "1000000");
    return `(${whole} + case when ${remainder} > 500000 or (${remainder} = 500000 and ${engine_1.sql.mod(whole, "2")} = 1) then 1 else 0 end)`;
}
/**
 * The §5.2 decision list, first matching rule first. Conditions are SQL over the §4.2 predicate columns of
 * transfer_outcomes; the rule ids follow the spec's numbering (4a-4e are the COPC branch).
 */
exports.DECISION_LIST = [
    { rule: "1", condition: `is_integrated and sla_micros <= ${constants_1.SLA.INTEGRATION_ON_TIME_SECONDS * 1000000}`, status: constants_1.STATUS.INTEGRATED_ON_TIME, reason: null },
    { rule: "2", condition: "is_integrated", status: constants_1.STATUS.PROCESS_FAILURE, reason: constants_1.FAILURE_REASON.INTEGRATED_LATE },
    { rule: "3", condition: "has_concluded_with_failure", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.FINAL_ERROR },
    { rule: "4a", condition: "contains_copc_fragments and contains_unacknowledged_duplicate_ehr_and_copc_fragments", status: constants_1.STATUS.UNCLASSIFIED_FAILURE, reason: constants_1.FAILURE_REASON.AMBIGUOUS_COPC },
    { rule: "4b", condition: "contains_copc_fragments and contains_copc_error and not is_missing_copc_ack", status: constants_1.STATUS.UNCLASSIFIED_FAILURE, reason: constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR },
    { rule: "4c", condition: "contains_copc_fragments and is_missing_copc", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.COPC_NOT_SENT },
    { rule: "4d", condition: "contains_copc_fragments and is_missing_copc_ack", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.COPC_NOT_ACKNOWLEDGED },
    { rule: "4e", condition: "contains_copc_fragments", status: constants_1.STATUS.PROCESS_FAILURE, reason: constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED },
    { rule: "5", condition: "contains_fatal_sender_error_code", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR },
    { rule: "6", condition: "is_missing_request_acknowledged", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED },
    { rule: "7", condition: "is_missing_core_ehr", status: constants_1.STATUS.TECHNICAL_FAILURE, reason: constants_1.FAILURE_REASON.CORE_EXTRACT_NOT_SENT },
    { rule: "8", condition: "contains_core_ehr_with_sender_error", status: constants_1.STATUS.UNCLASSIFIED_FAILURE, reason: constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR },
    { rule: "9", condition: "true", status: constants_1.STATUS.PROCESS_FAILURE, reason: constants_1.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED },
];
/** SQL: the id of the first §5.2 rule that matches. */
function decisionRule() {
    return `case ${exports.DECISION_LIST.map((r) => `when ${r.condition} then '${r.rule}'`).join(" ")} end`;
}
/** SQL: the status (or, with `"reason"`, the failure reason) of the rule id in `ruleColumn`. */
function outcomeOf(ruleColumn, what) {
    const value = (r) => {
        const v = what === "status" ? r.status : r.reason;
        return v === null ? "null" : `'${v}'`;
    };
    return `case ${ruleColumn} ${exports.DECISION_LIST.map((r) => `when '${r.rule}' then ${value(r)}`).join(" ")} end`;
}
