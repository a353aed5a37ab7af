/**
 * The incremental step of every classification step and mart kept incrementally, in one place: which conversations a
 * run recomputes (scope), what each step has processed (progress, in classification_progress), the data watermark
 * (stg_watermarks), and the batches of a first build. A model states only its own logic:
 *
 *   js { const step = increments.step(ref, "transfers"); }
 *   pre_operations { ${when(incremental(), step.deleteInScope(self()))} }
 *   post_operations { ${step.recordProgress()} }
 *   select … where ${step.inScope()}
 *
 * The step reads the tables it needs through the model's own `ref`, so the model depends on them as before.
 */
import { UNSIZED_FIRST_BUILD_BATCHES, vars } from "./config";
import { sql } from "./engine";

/** A model's `ref` (Dataform's: the SQL name of a dataset's table, recorded as a dependency). */
export type Ref = (name: string) => string;

const CONVERSATIONS = "conversations";
const PROGRESS = "classification_progress";
const WATERMARKS = "stg_watermarks";
const WINDOWS = "conversation_windows";

/** The incremental step of one model (`model`: its name in classification_progress). */
export interface IncrementalStep {
  /** The model's name in classification_progress. */
  readonly model: string;
  /** The first pre-operation of an incremental run: drop the rows of the conversations it recomputes (see deleteInScope). */
  deleteInScope(self: string, key?: ScopeKey): string;
  /** The conversations the run recomputes, as a condition on a table carrying conversation_number (see inScope). */
  inScope(alias?: string, key?: ScopeKey): string;
  /** inScope for the staged messages (see messagesInScope). */
  messagesInScope(alias?: string): string;
  /** The latest refresh_sequence the model has processed (see processedSequence). */
  processedSequence(): string;
  /** The post-operation of every build: record the latest refresh processed, and the data watermark. */
  recordProgress(): string;
  /** For marts kept by request day: the first day whose figures may have changed (see firstChangedDay). */
  firstChangedDay(): string;
  /** firstChangedDay's month (its first day), for marts kept by month. */
  firstChangedMonth(): string;
  /**
   * The rows the model's latest recorded run wrote, as a condition on a table carrying conversation_number: the
   * conversations refreshed after the refresh the model had processed before that run (see writtenInLatestRun).
   */
  writtenInLatestRun(alias?: string): string;
  /** For marts kept by day or month: firstChangedDay as the model's latest recorded run computed it (see firstChangedDay). */
  latestRunFirstChangedDay(): string;
  /** latestRunFirstChangedDay's month (its first day). */
  latestRunFirstChangedMonth(): string;
  /** The condition keeping batch `batch` of a batched first build (see batchFilter); "" when not batched. */
  batchFilter(batch: number, keyword: "where" | "and", alias?: string): string;
  /** batchFilter for the staged messages (see messagesBatchFilter). */
  messagesBatchFilter(batch: number, keyword: "where" | "and", alias?: string): string;
}

/**
 * The incremental step of `model`, reading its tables through the model's `ref`; `self`, the model's own table, when
 * the step reads it (conversations reads its own refresh sequence).
 */
export function step(ref: Ref, model: string, self?: string): IncrementalStep {
  const table: Ref = (name) => (name === model && self !== undefined ? self : ref(name));
  return {
    model,
    deleteInScope: (target, key) => deleteInScope(target, table(CONVERSATIONS), table(PROGRESS), model, key),
    inScope: (alias, key) => inScope(table(CONVERSATIONS), table(PROGRESS), model, alias, key),
    messagesInScope: (alias) => messagesInScope(table(CONVERSATIONS), table(PROGRESS), model, alias),
    processedSequence: () => processedSequence(table(PROGRESS), model),
    recordProgress: () => recordProgress(table(PROGRESS), table(CONVERSATIONS), table(WATERMARKS), model),
    firstChangedDay: () => firstChangedDay(table(CONVERSATIONS), table(WINDOWS), table(WATERMARKS), table(PROGRESS), model),
    firstChangedMonth: () => firstChangedMonth(table(CONVERSATIONS), table(WINDOWS), table(WATERMARKS), table(PROGRESS), model),
    writtenInLatestRun: (alias) =>
      inScope(table(CONVERSATIONS), table(PROGRESS), model, alias, "conversation_number", processedSequence(table(PROGRESS), model, "latest")),
    latestRunFirstChangedDay: () => firstChangedDay(table(CONVERSATIONS), table(WINDOWS), table(WATERMARKS), table(PROGRESS), model, "latest"),
    latestRunFirstChangedMonth: () => firstChangedMonth(table(CONVERSATIONS), table(WINDOWS), table(WATERMARKS), table(PROGRESS), model, "latest"),
    batchFilter: (batch, keyword, alias) => batchFilter(table(CONVERSATIONS), batch, keyword, alias),
    messagesBatchFilter: (batch, keyword, alias) => messagesBatchFilter(table(CONVERSATIONS), batch, keyword, alias),
  };
}

/** SQL: the data watermark as stg_spine_messages last recorded it (NULL before its first run). */
export function dataWatermark(ref: Ref): string {
  return watermarkOf(ref(WATERMARKS));
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
function processedSequence(progressRef: string, model: string, frame: Frame = "next"): string {
  return `(select coalesce(max(refresh_sequence), 0) from ${progressRef} where ${recordsBefore(progressRef, model, frame)})`;
}

/** The data watermark recorded by the step's previous run (NULL before its first). */
function processedWatermark(progressRef: string, model: string, frame: Frame = "next"): string {
  return `(select max(data_watermark_at) from ${progressRef} where ${recordsBefore(progressRef, model, frame)})`;
}

/**
 * Which run of a step the bookkeeping describes. "next": the run about to happen, after every run recorded (the
 * step's own statements). "latest": the step's latest recorded run, after the runs recorded before it (its checks,
 * which run after the step has recorded its progress, to find the rows that run wrote).
 */
type Frame = "next" | "latest";

/** The classification_progress rows of `model` recorded before the run `frame` describes. */
function recordsBefore(progressRef: string, model: string, frame: Frame): string {
  const own = `model = '${model}'`;
  return frame === "next" ? own : `${own} and recorded_at < (select max(recorded_at) from ${progressRef} where ${own})`;
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
function inScope(
  conversationsRef: string,
  progressRef: string,
  model: string,
  alias = "",
  key: ScopeKey = "conversation_number",
  threshold = sequenceThreshold(progressRef, model),
): string {
  const name = key === "conversation_id" ? key : "conversation_number";
  const column = `${alias ? `${alias}.` : ""}${name}`;
  const refreshed = refreshedConversations(conversationsRef, threshold);
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
function messagesInScope(conversationsRef: string, progressRef: string, model: string, alias = ""): string {
  return (
    `${inScope(conversationsRef, progressRef, model, alias, "conversation_id")} ` +
    `and ${alias ? `${alias}.` : ""}load_id >= (select min(first_load_id) ${refreshedConversations(conversationsRef, sequenceThreshold(progressRef, model))})`
  );
}

/**
 * Incremental pre-operation, the first: drop the step's rows of the conversations it recomputes (they are inserted
 * again), after setting (DuckDB) the processed sequence that inScope and messagesInScope read in the step.
 */
function deleteInScope(self: string, conversationsRef: string, progressRef: string, model: string, key: ScopeKey = "conversation_number"): string {
  return (
    sql.setVariable(sequenceVariable(model), processedSequence(progressRef, model)) +
    `delete from ${self} where ${inScope(conversationsRef, progressRef, model, "", key)}`
  );
}

/** Post-operation of every build: record the latest refresh processed, and the data watermark. */
function recordProgress(progressRef: string, conversationsRef: string, watermarksRef: string, model: string): string {
  return (
    `insert into ${progressRef} (model, refresh_sequence, data_watermark_at, recorded_at) ` +
    `select '${model}', (select coalesce(max(refresh_sequence), 0) from ${conversationsRef}), ` +
    `${watermarkOf(watermarksRef)}, ${sql.currentTimestamp()}`
  );
}

/**
 * Post-operation of stg_spine_messages: record the data watermark, the latest message time in the staged messages
 * (`stagedRef`), in stg_watermarks once per run. Every later step and mart reads it with dataWatermark instead of
 * scanning every message's time.
 */
export function recordWatermark(ref: Ref, stagedRef: string): string {
  return `insert into ${ref(WATERMARKS)} (data_watermark_at, recorded_at) select max(message_at), ${sql.currentTimestamp()} from ${stagedRef}`;
}

/** SQL: the data watermark as stg_spine_messages last recorded it in `watermarksRef` (NULL before its first run). */
function watermarkOf(watermarksRef: string): string {
  return `(select data_watermark_at from ${watermarksRef} order by recorded_at desc limit 1)`;
}

/**
 * Incremental pre-operation of the transfers mart: rows whose cutoff window the data watermark has now passed become
 * final. Only is_final changes for them (their classification saw every message of the window already), so they are
 * updated in place instead of being classified and joined to the organisations again.
 */
export function finaliseClosedWindows(ref: Ref, self: string): string {
  return `update ${self} set is_final = true where not is_final and window_closes_at <= ${dataWatermark(ref)}`;
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
function batchFilter(conversationsRef: string, batch: number, keyword: "where" | "and", alias = ""): string {
  if (firstBuildBatches <= 1) return "";
  return `${keyword} ${inBatch(`${alias ? `${alias}.` : ""}conversation_number`, conversationsRef, batch)}`;
}

/**
 * batchFilter for the staged messages (load order, no conversation_number) of the messages a conversation counts
 * (from its first request's day on): only the loads from the earliest holding one of the batch's messages
 * (first_load_id) to the latest holding a counted one (last_load_id) are read; "" when not batched.
 */
function messagesBatchFilter(conversationsRef: string, batch: number, keyword: "where" | "and", alias = ""): string {
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
 * For marts kept by request day or month: the earliest request day whose figures may have changed since `model`
 * last ran (recorded in classification_progress), i.e. the first day of the conversations refreshed since and of
 * those whose cutoff window closed since. A transfer's request is never before its conversation's start, so every
 * changed figure is on or after this day. NULL when nothing changed. Such a mart deletes its rows from this day (or
 * its month) on and computes them again from the transfers mart.
 */
function firstChangedDay(conversationsRef: string, windowsRef: string, watermarksRef: string, progressRef: string, model: string, frame: Frame = "next"): string {
  return (
    `(select min(changed_day) from (` +
    `select min(date(started_at)) as changed_day ${refreshedConversations(conversationsRef, processedSequence(progressRef, model, frame))} ` +
    `union all ` +
    `select min(date(started_at)) as changed_day from ${windowsRef} where ${closedWindowCondition(watermarksRef, progressRef, model, frame)}` +
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
function firstChangedMonth(conversationsRef: string, windowsRef: string, watermarksRef: string, progressRef: string, model: string, frame: Frame = "next"): string {
  return sql.dateTrunc(firstChangedDay(conversationsRef, windowsRef, watermarksRef, progressRef, model, frame), "MONTH");
}

/** Windows whose closing the watermark passed since `model` last ran (frame "latest": in its latest recorded run). */
function closedWindowCondition(watermarksRef: string, progressRef: string, model: string, frame: Frame = "next"): string {
  return (
    `cutoff_days >= 0 ` +
    `and window_closes_at > coalesce(${processedWatermark(progressRef, model, frame)}, ${sql.timestampAdd("timestamp '1900-01-01 00:00:00'", 0, "DAY")}) ` +
    `and window_closes_at <= ${watermarkOf(watermarksRef)}`
  );
}
