/**
 * SQL building blocks of the classification (spec §4–§5) that several correlated models share: the windows a
 * conversation is classified in and the decision list. The incremental step (scope, progress, watermark, batches)
 * is includes/increments.ts.
 */
import { vars } from "./config";
import { FAILURE_REASON, FATAL_SENDER_ERROR_CODES, LIVE_WINDOW, SLA, STATUS } from "./constants";
import { sql } from "./engine";

/** The configured cutoffs in days (Decision 4). */
export const cutoffs: readonly number[] = vars.cutoff_days;

/**
 * A relation with one row per classification window: each configured cutoff, plus the live window
 * (cutoff_days = -1: every message so far) when `includeLive`.
 */
export function windows(includeLive = true): string {
  const days = includeLive ? [...cutoffs, LIVE_WINDOW] : [...cutoffs];
  return `(${days.map((d, i) => (i === 0 ? `select ${d} as cutoff_days` : `select ${d}`)).join(" union all ")})`;
}

/**
 * When a window of a conversation closes: the start of the request's UTC day + cutoff + 1 day (Decision 4: the
 * 14-day result is final once the warehouse holds messages past the end of request day + 14 days). NULL for live.
 */
export function windowClosesAt(startedAt: string, cutoffDays: string): string {
  return `case when ${cutoffDays} < 0 then null else ${sql.timestampAdd(sql.timestampTrunc(startedAt, "DAY"), `${cutoffDays} + 1`, "DAY")} end`;
}

/**
 * TRUE when a message at `messageAt` is visible to the window `cutoffDays` of a conversation that started at
 * `startedAt` (spec §4.1 step 4, Decision 4): cutoff N > 0 sees messages at most N days after the first message,
 * cutoff 0 sees the messages of the request's UTC day, the live window sees everything.
 */
export function inWindow(messageAt: string, startedAt: string, cutoffDays: string): string {
  return (
    `(${cutoffDays} < 0 ` +
    `or (${cutoffDays} = 0 and ${messageAt} < ${sql.timestampAdd(sql.timestampTrunc(startedAt, "DAY"), 1, "DAY")}) ` +
    `or (${cutoffDays} > 0 and ${messageAt} <= ${sql.timestampAdd(startedAt, cutoffDays, "DAY")}))`
  );
}

/** SQL list of the fatal sender error codes (spec §5.4). */
export const fatalSenderErrorCodes = FATAL_SENDER_ERROR_CODES.join(", ");

/**
 * Seconds of a non-negative duration in microseconds, rounded half to even as Python's round() does on the
 * upstream timedelta (spec §4.2): 2.5 s → 2, 3.5 s → 4. Negative durations are clamped to 0 first.
 */
export function roundedSeconds(micros: string): string {
  const clamped = `(case when ${micros} < 0 then 0 else ${micros} end)`;
  const whole = sql.intDiv(clamped, "1000000");
  const remainder = sql.mod(clamped, "1000000");
  return `(${whole} + case when ${remainder} > 500000 or (${remainder} = 500000 and ${sql.mod(whole, "2")} = 1) then 1 else 0 end)`;
}

/**
 * The §5.2 decision list, first matching rule first. Conditions are SQL over the §4.2 predicate columns of
 * transfer_outcomes; the rule ids follow the spec's numbering (4a-4e are the COPC branch).
 */
export const DECISION_LIST: readonly { rule: string; condition: string; status: string; reason: string | null }[] = [
  { rule: "1", condition: `is_integrated and sla_micros <= ${SLA.INTEGRATION_ON_TIME_SECONDS * 1_000_000}`, status: STATUS.INTEGRATED_ON_TIME, reason: null },
  { rule: "2", condition: "is_integrated", status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.INTEGRATED_LATE },
  { rule: "3", condition: "has_concluded_with_failure", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.FINAL_ERROR },
  { rule: "4a", condition: "contains_copc_fragments and contains_unacknowledged_duplicate_ehr_and_copc_fragments", status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.AMBIGUOUS_COPC },
  { rule: "4b", condition: "contains_copc_fragments and contains_copc_error and not is_missing_copc_ack", status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR },
  { rule: "4c", condition: "contains_copc_fragments and is_missing_copc", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.COPC_NOT_SENT },
  { rule: "4d", condition: "contains_copc_fragments and is_missing_copc_ack", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.COPC_NOT_ACKNOWLEDGED },
  { rule: "4e", condition: "contains_copc_fragments", status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED },
  { rule: "5", condition: "contains_fatal_sender_error_code", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR },
  { rule: "6", condition: "is_missing_request_acknowledged", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED },
  { rule: "7", condition: "is_missing_core_ehr", status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.CORE_EXTRACT_NOT_SENT },
  { rule: "8", condition: "contains_core_ehr_with_sender_error", status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR },
  { rule: "9", condition: "true", status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED },
];

/** SQL: the id of the first §5.2 rule that matches. */
export function decisionRule(): string {
  return `case ${DECISION_LIST.map((r) => `when ${r.condition} then '${r.rule}'`).join(" ")} end`;
}

/** SQL: the status (or, with `"reason"`, the failure reason) of the rule id in `ruleColumn`. */
export function outcomeOf(ruleColumn: string, what: "status" | "reason"): string {
  const value = (r: (typeof DECISION_LIST)[number]) => {
    const v = what === "status" ? r.status : r.reason;
    return v === null ? "null" : `'${v}'`;
  };
  return `case ${ruleColumn} ${DECISION_LIST.map((r) => `when '${r.rule}' then ${value(r)}`).join(" ")} end`;
}
