/**
 * The live view's rules (Decision 5): which transfers are ongoing, the stage each one waits at, the flag its stage
 * raises, who should act and why, and the urgency order of the list of transfers to chase. Declared once here as
 * data; transfers_live renders them into SQL, the operations pages and README describe them, and
 * tests/sql/live-view.test.ts has a scenario for each.
 *
 * - Ongoing (is_live): open, and the data watermark is still inside the metrics cutoff window (metrics_cutoff_days,
 *   14 days after the conversation's first message). After it no message changes the transfer's published outcome:
 *   it is an outcome (on the outcome pages), not a live transfer.
 * - Flags follow the stage. "No activity for 24 hours" applies only to the stages that wait on a system or on the
 *   sending side (request acknowledgement, core EHR, large-message fragments); a transfer awaiting integration waits
 *   on the registering practice, and is measured against the 8-day rule from the core EHR (Decision 8), with a
 *   warning from day 6.
 * - Urgency: breaches before warnings, then the least time left (to the breach, for a warning; to the end of the
 *   window, for a breach), then the oldest request, then the conversation id.
 */
import { vars } from "./config";
import { SLA } from "./constants";
import { sql } from "./engine";

/** Where a transfer waits now (transfers_live.stage). */
export const STAGE = {
  REQUEST_ACK: "Awaiting request acknowledgement",
  CORE_EHR: "Awaiting core EHR",
  FRAGMENTS: "Awaiting large-message fragments or their acknowledgements",
  INTEGRATION: "Awaiting integration",
  CLOSED: "Closed",
} as const;
export type Stage = (typeof STAGE)[keyof typeof STAGE];

/** The stages that wait on a system or on the sending side: the only ones "no activity for 24 hours" applies to. */
export const SYSTEM_OR_SENDER_STAGES: readonly Stage[] = [STAGE.REQUEST_ACK, STAGE.CORE_EHR, STAGE.FRAGMENTS];

/** Days after the conversation's first message during which a transfer is ongoing: the metrics cutoff. */
export const LIVE_WINDOW_DAYS: number = vars.metrics_cutoff_days;

/** A transfer awaiting integration gets a warning this long after its core EHR (day 6 of the 8-day rule). */
export const INTEGRATION_WARNING_SECONDS = 6 * 24 * 3600;

export const FLAG = {
  NO_ACTIVITY: "No activity for 24 hours",
  CORE_EHR_LATE: "Core record not sent within 20 minutes",
  INTEGRATION_OVERDUE: "Not integrated within 8 days",
  INTEGRATION_DUE: "Integration due by day 8",
} as const;

export const LEVEL = { BREACH: "Breach", WARNING: "Warning" } as const;
export type Level = (typeof LEVEL)[keyof typeof LEVEL];

export const WHO_ACTS = {
  REQUESTING_PRACTICE: "Requesting practice",
  SENDING_PRACTICE: "Sending practice",
  SUPPLIER: "Supplier",
  SERVICE_DESK: "Service desk",
} as const;

/**
 * Columns the rules read, from the relation they are rendered over: stage, is_live, quiet_micros (watermark − latest
 * message), since_request_micros (watermark − date_requested), since_core_ehr_micros (watermark − first core EHR),
 * is_missing_copc, first_core_ehr_at, last_message_at, window_ends_at, requesting_supplier, sending_supplier.
 */
export interface AttentionRule {
  stage: Stage;
  flag: (typeof FLAG)[keyof typeof FLAG];
  level: Level;
  /** Plain-language condition, for the pages and README. */
  when: string;
  /** SQL condition, within the stage. */
  condition: string;
  whoActs: (typeof WHO_ACTS)[keyof typeof WHO_ACTS];
  /** SQL expression of the sentence saying why (and what to do). */
  reason: string;
  /** SQL: when the flag was raised (the moment its condition first held). */
  flaggedAt: string;
  /** SQL: when a warning becomes a breach, or, for a breach, when the window ends and action no longer helps. */
  dueAt: string;
}

const micros = (seconds: number) => seconds * 1_000_000;
const quiet = `quiet_micros > ${micros(SLA.NO_ACTIVITY_SECONDS)}`;
const coreEhrLate = `since_request_micros > ${micros(SLA.CORE_EHR_SENT_SECONDS)}`;
const supplier = (column: string) => `coalesce(nullif(${column}, ''), 'supplier not known')`;
/** A sentence with the supplier named in it: `before` + supplier + `after`. */
const withSupplier = (before: string, column: string, after: string) =>
  `${sql.stringLiteral(before)} || ${supplier(column)} || ${sql.stringLiteral(after)}`;
const text = (sentence: string) => sql.stringLiteral(sentence);
const windowEnds = "window_ends_at";
const escalatesAfterQuiet = sql.timestampAdd("last_message_at", SLA.NO_ACTIVITY_SECONDS, "SECOND");
const quietSince = escalatesAfterQuiet;
const coreEhrLateSince = sql.timestampAdd("date_requested", SLA.CORE_EHR_SENT_SECONDS, "SECOND");
const afterCoreEhr = (seconds: number) => sql.timestampAdd("first_core_ehr_at", seconds, "SECOND");

/** The rules in order: within a stage the first that holds gives the transfer's flag (a breach before a warning). */
export const ATTENTION_RULES: readonly AttentionRule[] = [
  {
    stage: STAGE.REQUEST_ACK,
    flag: FLAG.NO_ACTIVITY,
    level: LEVEL.BREACH,
    when: "no message for more than 24 hours",
    condition: quiet,
    whoActs: WHO_ACTS.SERVICE_DESK,
    reason: withSupplier(
      "The sending practice's system has not acknowledged the request for over 24 hours: check that the request reached it over the Spine (the sending ASID and its directory entry) and raise it with the sending supplier (",
      "sending_supplier",
      ").",
    ),
    flaggedAt: quietSince,
    dueAt: windowEnds,
  },
  {
    stage: STAGE.REQUEST_ACK,
    flag: FLAG.CORE_EHR_LATE,
    level: LEVEL.WARNING,
    when: "more than 20 minutes since the request",
    condition: coreEhrLate,
    whoActs: WHO_ACTS.SERVICE_DESK,
    reason: text(
      "The request has not been acknowledged 20 minutes after it was sent, when it usually takes seconds: check that the sending practice's system is reachable before it has been quiet for 24 hours.",
    ),
    flaggedAt: coreEhrLateSince,
    dueAt: escalatesAfterQuiet,
  },
  {
    stage: STAGE.CORE_EHR,
    flag: FLAG.NO_ACTIVITY,
    level: LEVEL.BREACH,
    when: "no message for more than 24 hours",
    condition: quiet,
    whoActs: WHO_ACTS.SENDING_PRACTICE,
    reason: withSupplier(
      "The sending practice acknowledged the request but has sent no record for over 24 hours: the sending practice checks the request in its system and sends the record, or raises it with its supplier (",
      "sending_supplier",
      ").",
    ),
    flaggedAt: quietSince,
    dueAt: windowEnds,
  },
  {
    stage: STAGE.CORE_EHR,
    flag: FLAG.CORE_EHR_LATE,
    level: LEVEL.WARNING,
    when: "more than 20 minutes since the request",
    condition: coreEhrLate,
    whoActs: WHO_ACTS.SENDING_PRACTICE,
    reason: text(
      "The sending practice acknowledged the request but has not sent the core record within 20 minutes, when it usually takes seconds: the sending practice checks the request in its system.",
    ),
    flaggedAt: coreEhrLateSince,
    dueAt: escalatesAfterQuiet,
  },
  {
    stage: STAGE.FRAGMENTS,
    flag: FLAG.NO_ACTIVITY,
    level: LEVEL.BREACH,
    when: "no message for more than 24 hours, with no fragment sent",
    condition: `${quiet} and is_missing_copc`,
    whoActs: WHO_ACTS.SUPPLIER,
    reason: withSupplier(
      "The registering practice's system asked for the large-message fragments over 24 hours ago and none has arrived: raise it with the sending practice's supplier (",
      "sending_supplier",
      "), quoting the conversation ID.",
    ),
    flaggedAt: quietSince,
    dueAt: windowEnds,
  },
  {
    stage: STAGE.FRAGMENTS,
    flag: FLAG.NO_ACTIVITY,
    level: LEVEL.BREACH,
    when: "no message for more than 24 hours, with a fragment not acknowledged",
    condition: quiet,
    whoActs: WHO_ACTS.SUPPLIER,
    reason: withSupplier(
      "A large-message fragment has waited over 24 hours for the registering practice's system to acknowledge it: raise it with the requesting practice's supplier (",
      "requesting_supplier",
      "), quoting the conversation ID.",
    ),
    flaggedAt: quietSince,
    dueAt: windowEnds,
  },
  {
    stage: STAGE.INTEGRATION,
    flag: FLAG.INTEGRATION_OVERDUE,
    level: LEVEL.BREACH,
    when: "more than 8 days since the core EHR",
    condition: `since_core_ehr_micros > ${micros(SLA.INTEGRATION_ON_TIME_SECONDS)}`,
    whoActs: WHO_ACTS.REQUESTING_PRACTICE,
    reason: text(
      "The record arrived over 8 days ago and is still not integrated: the requesting practice integrates or rejects it now; it already counts as late, and the sending practice is due to print a paper copy.",
    ),
    flaggedAt: afterCoreEhr(SLA.INTEGRATION_ON_TIME_SECONDS),
    dueAt: windowEnds,
  },
  {
    stage: STAGE.INTEGRATION,
    flag: FLAG.INTEGRATION_DUE,
    level: LEVEL.WARNING,
    when: "6 to 8 days since the core EHR",
    condition: `since_core_ehr_micros >= ${micros(INTEGRATION_WARNING_SECONDS)}`,
    whoActs: WHO_ACTS.REQUESTING_PRACTICE,
    reason: text(
      "The record arrived 6 or more days ago and is not yet integrated: the requesting practice integrates or rejects it before day 8, after which the sending practice must print a paper copy.",
    ),
    flaggedAt: afterCoreEhr(INTEGRATION_WARNING_SECONDS),
    dueAt: afterCoreEhr(SLA.INTEGRATION_ON_TIME_SECONDS),
  },
];

/** SQL: the 1-based number of the attention rule that holds for a live transfer, NULL when none (or not live). */
export function attentionRule(): string {
  const branches = ATTENTION_RULES.map((rule, i) => `    when stage = ${sql.stringLiteral(rule.stage)} and ${rule.condition} then ${i + 1}`);
  return `case\n    when not is_live then null\n${branches.join("\n")}\n  end`;
}

/** SQL: a property of the rule numbered by `ruleColumn` (NULL when it is NULL). */
export function ruleProperty(ruleColumn: string, value: (rule: AttentionRule) => string): string {
  return `case ${ruleColumn}\n${ATTENTION_RULES.map((rule, i) => `    when ${i + 1} then ${value(rule)}`).join("\n")}\n  end`;
}

/** SQL: the stage of a transfer (the columns of transfer_outcomes). */
export function stage(t: string): string {
  return `case
      when ${t}.is_integrated or ${t}.has_concluded_with_failure then ${sql.stringLiteral(STAGE.CLOSED)}
      -- the sending practice answered the request with an error and sent nothing: nothing more will come
      when ${t}.core_ehr_count = 0 and array_length(${t}.sender_error_codes) > 0 then ${sql.stringLiteral(STAGE.CLOSED)}
      when ${t}.core_ehr_count = 0 and ${t}.sender_ack_count = 0 then ${sql.stringLiteral(STAGE.REQUEST_ACK)}
      when ${t}.core_ehr_count = 0 then ${sql.stringLiteral(STAGE.CORE_EHR)}
      when ${t}.contains_copc_fragments and (${t}.is_missing_copc or ${t}.is_missing_copc_ack) then ${sql.stringLiteral(STAGE.FRAGMENTS)}
      else ${sql.stringLiteral(STAGE.INTEGRATION)}
    end`;
}

/** SQL: the order of an attention level (1 breach, 2 warning). */
export function levelOrder(levelColumn: string): string {
  return `case ${levelColumn} when ${sql.stringLiteral(LEVEL.BREACH)} then 1 when ${sql.stringLiteral(LEVEL.WARNING)} then 2 end`;
}
