/**
 * SQL building blocks of the classification (spec §4–§5) that several correlated models share: the windows a
 * conversation is classified in, and the incremental scope (the conversations a run recomputes).
 */
import { UNSIZED_FIRST_BUILD_BATCHES, vars } from "./config";
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

/**
 * Incremental bookkeeping of the classification steps. `conversations` stamps every conversation it refreshes with
 * a refresh_sequence that only ever grows (a full refresh continues the count). Each step records in
 * classification_progress the latest refresh_sequence it has processed (and the data watermark then), in a
 * post-operation of the same run; its next incremental run recomputes the conversations refreshed after that. A
 * step that failed or was skipped therefore catches up in the next run, and because the threshold lives outside the
 * step's own table, the pre-operation that deletes the step's stale rows and the query that inserts them again see
 * the same set of conversations (so the step can INSERT rather than MERGE).
 */
export function processedSequence(progressRef: string, model: string): string {
  return `(select coalesce(max(refresh_sequence), 0) from ${progressRef} where model = '${model}')`;
}

/** The data watermark recorded by the step's previous run (NULL before its first). */
export function processedWatermark(progressRef: string, model: string): string {
  return `(select max(data_watermark_at) from ${progressRef} where model = '${model}')`;
}

/**
 * The conversations `model` recomputes in an incremental run, as a condition on a table that carries
 * conversation_number (`alias` qualifies it). Steps select and delete by conversation_number rather than
 * conversation_id: numbers follow the order conversations first appeared in, and rows are written in that order (a
 * batched first build writes one range of numbers per batch, a daily run appends the conversations it refreshed), so
 * the range of the refreshed conversations' numbers (about the last month of conversations), compared explicitly,
 * lets DuckDB skip every older block of the table instead of reading all history. A conversation keeps its number
 * in incremental runs; only rebuilding `conversations` renumbers, and that puts every conversation in scope. See
 * ScopeKey for `key`.
 */
export function inScope(conversationsRef: string, progressRef: string, model: string, alias = "", key: ScopeKey = "conversation_number"): string {
  const name = key === "conversation_id" ? key : "conversation_number";
  const column = `${alias ? `${alias}.` : ""}${name}`;
  const refreshed = refreshedConversations(conversationsRef, sequenceThreshold(progressRef, model));
  const listed = `${column} in (select ${name} ${refreshed})`;
  if (key !== "conversation_number") return listed;
  // The range is spelt out: DuckDB skips blocks for a comparison with a scalar subquery, but did not push the
  // semi-join's own bounds down to the scan (12 months, window_messages: 523 ms with the list alone, 140 ms with both).
  return `${column} between (select min(${name}) ${refreshed}) and (select max(${name}) ${refreshed}) and ${listed}`;
}

/** `from … where …` of the conversations refreshed after the refresh_sequence `threshold`. */
function refreshedConversations(conversationsRef: string, threshold: string): string {
  return `from ${conversationsRef} where refresh_sequence > ${threshold}`;
}

/** The session variable holding `model`'s processed sequence during its incremental run (DuckDB). */
const sequenceVariable = (model: string) => `gp2gp_processed_sequence_${model}`;

/**
 * processedSequence as the statements of `model`'s incremental run read it. On DuckDB deleteInScope, the first
 * pre-operation, sets it in a session variable: with the subquery in its place DuckDB misjudged the joins of
 * transfer_outcomes and read whole tables (12 months: 5.7 s against 0.7 s for the same day).
 */
function sequenceThreshold(progressRef: string, model: string): string {
  return sql.variable(sequenceVariable(model), processedSequence(progressRef, model));
}

/**
 * How a step finds its conversations: by conversation_number with the range spelt out (the default), by
 * conversation_number listed only (transfer_outcomes: with the range on its six reads DuckDB estimated ~0 rows, built
 * a hash table on the wrong side and ran out of memory at 12 months, also with both sides of its one join scoped), or by
 * conversation_id (the staged messages, which do not carry the number: messagesInScope).
 */
export type ScopeKey = "conversation_number" | "conversation_number_listed" | "conversation_id";

/**
 * inScope for the staged messages, which are kept in load order and carry no conversation_number: the refreshed
 * conversations' messages, read from the earliest load holding one of them (conversations.first_load_id) on.
 */
export function messagesInScope(conversationsRef: string, progressRef: string, model: string, alias = ""): string {
  return (
    `${inScope(conversationsRef, progressRef, model, alias, "conversation_id")} ` +
    `and ${alias ? `${alias}.` : ""}load_id >= (select min(first_load_id) ${refreshedConversations(conversationsRef, sequenceThreshold(progressRef, model))})`
  );
}

/**
 * Incremental pre-operation, the first: drop the step's rows of the conversations it recomputes (they are inserted
 * again), after setting (DuckDB) the processed sequence that inScope and messagesInScope read in the step.
 */
export function deleteInScope(self: string, conversationsRef: string, progressRef: string, model: string, key: ScopeKey = "conversation_number"): string {
  return (
    sql.setVariable(sequenceVariable(model), processedSequence(progressRef, model)) +
    `delete from ${self} where ${inScope(conversationsRef, progressRef, model, "", key)}`
  );
}

/** Post-operation of every build: record the latest refresh processed, and the data watermark. */
export function recordProgress(progressRef: string, conversationsRef: string, watermarksRef: string, model: string): string {
  return (
    `insert into ${progressRef} (model, refresh_sequence, data_watermark_at, recorded_at) ` +
    `select '${model}', (select coalesce(max(refresh_sequence), 0) from ${conversationsRef}), ` +
    `${dataWatermark(watermarksRef)}, ${sql.currentTimestamp()}`
  );
}

/**
 * Post-operation of stg_spine_messages: record the data watermark, the latest message time in the staged messages
 * (`stagedRef`), in stg_watermarks once per run. Every later step and mart reads it with dataWatermark instead of
 * scanning every message's time.
 */
export function recordWatermark(watermarksRef: string, stagedRef: string): string {
  return `insert into ${watermarksRef} (data_watermark_at, recorded_at) select max(message_at), ${sql.currentTimestamp()} from ${stagedRef}`;
}

/** SQL: the data watermark as stg_spine_messages last recorded it (NULL before its first run). */
export function dataWatermark(watermarksRef: string): string {
  return `(select data_watermark_at from ${watermarksRef} order by recorded_at desc limit 1)`;
}

/**
 * Incremental pre-operation of the transfers mart: rows whose cutoff window the data watermark has now passed become
 * final. Only is_final changes for them (their classification saw every message of the window already), so they are
 * updated in place instead of being classified and joined to the organisations again.
 */
export function finaliseClosedWindows(self: string, watermarksRef: string): string {
  return `update ${self} set is_final = true where not is_final and window_closes_at <= ${dataWatermark(watermarksRef)}`;
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
 * Batched first build (DuckDB only): numbering every message of every conversation in one statement does not fit
 * DuckDB's bounded memory at national scale, so the first build (and a full refresh) of the message-numbering steps
 * builds one batch of conversations in its query and inserts the others in its post-operation, one statement each,
 * before the progress is recorded. A batch is a range of conversation_number (conversations in the order they first
 * appeared), so each batch's rows are written together and later incremental runs can skip them (see inScope); a
 * conversation's rows all fall in one batch, so the result is the same. 1 (always on BigQuery): one statement, no
 * filter.
 */
export const firstBuildBatches: number =
  sql.engine !== "duckdb" ? 1 : vars.first_build_batches === "auto" ? UNSIZED_FIRST_BUILD_BATCHES : vars.first_build_batches;

/**
 * `keyword` (where/and) and the condition keeping batch `batch` (0-based) of a batched first build, on a table that
 * carries conversation_number (`alias` qualifies it); "" when not batched.
 */
export function batchFilter(conversationsRef: string, batch: number, keyword: "where" | "and", alias = ""): string {
  if (firstBuildBatches <= 1) return "";
  return `${keyword} ${inBatch(`${alias ? `${alias}.` : ""}conversation_number`, conversationsRef, batch)}`;
}

/**
 * batchFilter for the staged messages (load order, no conversation_number) of the messages a conversation counts
 * (from its first request's day on): only the loads from the earliest holding one of the batch's messages
 * (first_load_id) to the latest holding a counted one (last_load_id) are read; "" when not batched.
 */
export function messagesBatchFilter(conversationsRef: string, batch: number, keyword: "where" | "and", alias = ""): string {
  if (firstBuildBatches <= 1) return "";
  const p = alias ? `${alias}.` : "";
  const ofBatch = `from ${conversationsRef} where ${inBatch("conversation_number", conversationsRef, batch)}`;
  return `${keyword} ${p}load_id between (select min(first_load_id) ${ofBatch}) and (select max(last_load_id) ${ofBatch})`;
}

/**
 * Batch `batch` (0 to firstBuildBatches - 1) of conversation numbers 1..M (M the highest): the range
 * (batch × M ÷ N, (batch + 1) × M ÷ N], integer division. A range rather than a computed batch number, so that a
 * batch reads only the blocks of a table that hold its numbers.
 */
function inBatch(number: string, conversationsRef: string, batch: number): string {
  const highest = `(select coalesce(max(conversation_number), 0) from ${conversationsRef})`;
  const bound = (b: number) => sql.intDiv(`${b} * ${highest}`, String(firstBuildBatches));
  return `${number} > ${bound(batch)} and ${number} <= ${bound(batch + 1)}`;
}

/**
 * First-build post-operation: insert batches 1 to N-1 into `self`, one statement each (each ends with ";"), from
 * `query(batch)`; "" when not batched. Put before recordProgress in the same post-operation.
 */
export function insertRemainingBatches(self: string, query: (batch: number) => string): string {
  return Array.from({ length: firstBuildBatches - 1 }, (_, i) => `insert into ${self} by name select * from (${query(i + 1)});\n`).join("");
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

/**
 * For marts kept by request day or month: the earliest request day whose figures may have changed since `model`
 * last ran (recorded in classification_progress), i.e. the first day of the conversations refreshed since and of
 * those whose cutoff window closed since. A transfer's request is never before its conversation's start, so every
 * changed figure is on or after this day. NULL when nothing changed. Such a mart deletes its rows from this day (or
 * its month) on and computes them again from the transfers mart.
 */
export function firstChangedDay(conversationsRef: string, windowsRef: string, watermarksRef: string, progressRef: string, model: string): string {
  return (
    `(select min(changed_day) from (` +
    `select min(date(started_at)) as changed_day ${refreshedConversations(conversationsRef, processedSequence(progressRef, model))} ` +
    `union all ` +
    `select min(date(started_at)) as changed_day from ${windowsRef} where ${closedWindowCondition(watermarksRef, progressRef, model)}` +
    `) as changed_days)`
  );
}

/**
 * `column` (a timestamp, date_requested by default) on or after the start of `day` (a DATE): the comparison is on the
 * column itself, not on date(column), so that DuckDB skips the blocks of earlier requests.
 */
export function requestedSince(day: string, column = "date_requested"): string {
  return `${column} >= cast(${day} as ${sql.type("TIMESTAMP")})`;
}

/** firstChangedDay's month (its first day): for marts kept by month. NULL when nothing changed. */
export function firstChangedMonth(conversationsRef: string, windowsRef: string, watermarksRef: string, progressRef: string, model: string): string {
  return sql.dateTrunc(firstChangedDay(conversationsRef, windowsRef, watermarksRef, progressRef, model), "MONTH");
}

/** Windows whose closing the watermark passed since `model` last ran. */
function closedWindowCondition(watermarksRef: string, progressRef: string, model: string): string {
  return (
    `cutoff_days >= 0 ` +
    `and window_closes_at > coalesce(${processedWatermark(progressRef, model)}, ${sql.timestampAdd("timestamp '1900-01-01 00:00:00'", 0, "DAY")}) ` +
    `and window_closes_at <= ${dataWatermark(watermarksRef)}`
  );
}
