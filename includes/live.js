"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ATTENTION_RULES = exports.WHO_ACTS = exports.LEVEL = exports.FLAG = exports.INTEGRATION_WARNING_SECONDS = exports.LIVE_WINDOW_DAYS = exports.SYSTEM_OR_SENDER_STAGES = exports.STAGE = void 0;
exports.attentionRule = attentionRule;
exports.ruleProperty = ruleProperty;
exports.stage = stage;
exports.levelOrder = levelOrder;
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
const config_1 = require("./config");
const constants_1 = require("./constants");
const engine_1 = require("./engine");
/** Where a transfer waits now (transfers_live.stage). */
exports.STAGE = {
    REQUEST_ACK: "Awaiting request acknowledgement",
    CORE_EHR: "Awaiting core EHR",
    FRAGMENTS: "Awaiting large-message fragments or their acknowledgements",
    INTEGRATION: "Awaiting integration",
    CLOSED: "Closed",
};
/** The stages that wait on a system or on the sending side: the only ones "no activity for 24 hours" applies to. */
exports.SYSTEM_OR_SENDER_STAGES = [exports.STAGE.REQUEST_ACK, exports.STAGE.CORE_EHR, exports.STAGE.FRAGMENTS];
/** Days after the conversation's first message during which a transfer is ongoing: the metrics cutoff. */
exports.LIVE_WINDOW_DAYS = config_1.vars.metrics_cutoff_days;
/** A transfer awaiting integration gets a warning this long after its core EHR (day 6 of the 8-day rule). */
exports.INTEGRATION_WARNING_SECONDS = 6 * 24 * 3600;
exports.FLAG = {
    NO_ACTIVITY: "No activity for 24 hours",
    CORE_EHR_LATE: "Core record not sent within 20 minutes",
    INTEGRATION_OVERDUE: "Not integrated within 8 days",
    INTEGRATION_DUE: "Integration due by day 8",
};
exports.LEVEL = { BREACH: "Breach", WARNING: "Warning" };
exports.WHO_ACTS = {
    REQUESTING_PRACTICE: "Requesting practice",
    SENDING_PRACTICE: "Sending practice",
    SUPPLIER: "Supplier",
    SERVICE_DESK: "Service desk",
};
const micros = (seconds) => seconds * 1000000;
const quiet = `quiet_micros > ${micros(constants_1.SLA.NO_ACTIVITY_SECONDS)}`;
const coreEhrLate = `since_request_micros > ${micros(constants_1.SLA.CORE_EHR_SENT_SECONDS)}`;
const supplier = (column) => `coalesce(nullif(${column}, ''), 'supplier not known')`;
/** A sentence with the supplier named in it: `before` + supplier + `after`. */
const withSupplier = (before, column, after) => `${engine_1.sql.stringLiteral(before)} || ${supplier(column)} || ${engine_1.sql.stringLiteral(after)}`;
const text = (sentence) => engine_1.sql.stringLiteral(sentence);
const windowEnds = "window_ends_at";
const escalatesAfterQuiet = engine_1.sql.timestampAdd("last_message_at", constants_1.SLA.NO_ACTIVITY_SECONDS, "SECOND");
const quietSince = escalatesAfterQuiet;
const coreEhrLateSince = engine_1.sql.timestampAdd("date_requested", constants_1.SLA.CORE_EHR_SENT_SECONDS, "SECOND");
const afterCoreEhr = (seconds) => engine_1.sql.timestampAdd("first_core_ehr_at", seconds, "SECOND");
/** The rules in order: within a stage the first that holds gives the transfer's flag (a breach before a warning). */
exports.ATTENTION_RULES = [
    {
        stage: exports.STAGE.REQUEST_ACK,
        flag: exports.FLAG.NO_ACTIVITY,
        level: exports.LEVEL.BREACH,
        when: "no message for more than 24 hours",
        condition: quiet,
        whoActs: exports.WHO_ACTS.SERVICE_DESK,
        reason: withSupplier("The sending practice's system has not acknowledged the request for over 24 hours: check that the request reached it over the Spine (the sending ASID and its directory entry) and raise it with the sending supplier (", "sending_supplier", ")."),
        flaggedAt: quietSince,
        dueAt: windowEnds,
    },
    {
        stage: exports.STAGE.REQUEST_ACK,
        flag: exports.FLAG.CORE_EHR_LATE,
        level: exports.LEVEL.WARNING,
        when: "more than 20 minutes since the request",
        condition: coreEhrLate,
        whoActs: exports.WHO_ACTS.SERVICE_DESK,
        reason: text("The request has not been acknowledged 20 minutes after it was sent, when it usually takes seconds: check that the sending practice's system is reachable before it has been quiet for 24 hours."),
        flaggedAt: coreEhrLateSince,
        dueAt: escalatesAfterQuiet,
    },
    {
        stage: exports.STAGE.CORE_EHR,
        flag: exports.FLAG.NO_ACTIVITY,
        level: exports.LEVEL.BREACH,
        when: "no message for more than 24 hours",
        condition: quiet,
        whoActs: exports.WHO_ACTS.SENDING_PRACTICE,
        reason: withSupplier("The sending practice acknowledged the request but has sent no record for over 24 hours: the sending practice checks the request in its system and sends the record, or raises it with its supplier (", "sending_supplier", ")."),
        flaggedAt: quietSince,
        dueAt: windowEnds,
    },
    {
        stage: exports.STAGE.CORE_EHR,
        flag: exports.FLAG.CORE_EHR_LATE,
        level: exports.LEVEL.WARNING,
        when: "more than 20 minutes since the request",
        condition: coreEhrLate,
        whoActs: exports.WHO_ACTS.SENDING_PRACTICE,
        reason: text("The sending practice acknowledged the request but has not sent the core record within 20 minutes, when it usually takes seconds: the sending practice checks the request in its system."),
        flaggedAt: coreEhrLateSince,
        dueAt: escalatesAfterQuiet,
    },
    {
        stage: exports.STAGE.FRAGMENTS,
        flag: exports.FLAG.NO_ACTIVITY,
        level: exports.LEVEL.BREACH,
        when: "no message for more than 24 hours, with no fragment sent",
        condition: `${quiet} and is_missing_copc`,
        whoActs: exports.WHO_ACTS.SUPPLIER,
        reason: withSupplier("The registering practice's system asked for the large-message fragments over 24 hours ago and none has arrived: raise it with the sending practice's supplier (", "sending_supplier", "), quoting the conversation ID."),
        flaggedAt: quietSince,
        dueAt: windowEnds,
    },
    {
        stage: exports.STAGE.FRAGMENTS,
        flag: exports.FLAG.NO_ACTIVITY,
        level: exports.LEVEL.BREACH,
        when: "no message for more than 24 hours, with a fragment not acknowledged",
        condition: quiet,
        whoActs: exports.WHO_ACTS.SUPPLIER,
        reason: withSupplier("A large-message fragment has waited over 24 hours for the registering practice's system to acknowledge it: raise it with the requesting practice's supplier (", "requesting_supplier", "), quoting the conversation ID."),
        flaggedAt: quietSince,
        dueAt: windowEnds,
    },
    {
        stage: exports.STAGE.INTEGRATION,
        flag: exports.FLAG.INTEGRATION_OVERDUE,
        level: exports.LEVEL.BREACH,
        when: "more than 8 days since the core EHR",
        condition: `since_core_ehr_micros > ${micros(constants_1.SLA.INTEGRATION_ON_TIME_SECONDS)}`,
        whoActs: exports.WHO_ACTS.REQUESTING_PRACTICE,
        reason: text("The record arrived over 8 days ago and is still not integrated: the requesting practice integrates or rejects it now; it already counts as late, and the sending practice is due to print a paper copy."),
        flaggedAt: afterCoreEhr(constants_1.SLA.INTEGRATION_ON_TIME_SECONDS),
        dueAt: windowEnds,
    },
    {
        stage: exports.STAGE.INTEGRATION,
        flag: exports.FLAG.INTEGRATION_DUE,
        level: exports.LEVEL.WARNING,
        when: "6 to 8 days since the core EHR",
        condition: `since_core_ehr_micros >= ${micros(exports.INTEGRATION_WARNING_SECONDS)}`,
        whoActs: exports.WHO_ACTS.REQUESTING_PRACTICE,
        reason: text("The record arrived 6 or more days ago and is not yet integrated: the requesting practice integrates or rejects it before day 8, after which the sending practice must print a paper copy."),
        flaggedAt: afterCoreEhr(exports.INTEGRATION_WARNING_SECONDS),
        dueAt: afterCoreEhr(constants_1.SLA.INTEGRATION_ON_TIME_SECONDS),
    },
];
/** SQL: the 1-based number of the attention rule that holds for a live transfer, NULL when none (or not live). */
function attentionRule() {
    const branches = exports.ATTENTION_RULES.map((rule, i) => `    when stage = ${engine_1.sql.stringLiteral(rule.stage)} and ${rule.condition} then ${i + 1}`);
    return `case\n    when not is_live then null\n${branches.join("\n")}\n  end`;
}
/** SQL: a property of the rule numbered by `ruleColumn` (NULL when it is NULL). */
function ruleProperty(ruleColumn, value) {
    return `case ${ruleColumn}\n${exports.ATTENTION_RULES.map((rule, i) => `    when ${i + 1} then ${value(rule)}`).join("\n")}\n  end`;
}
/** SQL: the stage of a transfer (the columns of transfer_outcomes). */
function stage(t) {
    return `case
      when ${t}.is_integrated or ${t}.has_concluded_with_failure then ${engine_1.sql.stringLiteral(exports.STAGE.CLOSED)}
      -- the sending practice answered the request with an error and sent nothing: nothing more will come
      when ${t}.core_ehr_count = 0 and array_length(${t}.sender_error_codes) > 0 then ${engine_1.sql.stringLiteral(exports.STAGE.CLOSED)}
      when ${t}.core_ehr_count = 0 and ${t}.sender_ack_count = 0 then ${engine_1.sql.stringLiteral(exports.STAGE.REQUEST_ACK)}
      when ${t}.core_ehr_count = 0 then ${engine_1.sql.stringLiteral(exports.STAGE.CORE_EHR)}
      when ${t}.contains_copc_fragments and (${t}.is_missing_copc or ${t}.is_missing_copc_ack) then ${engine_1.sql.stringLiteral(exports.STAGE.FRAGMENTS)}
      else ${engine_1.sql.stringLiteral(exports.STAGE.INTEGRATION)}
    end`;
}
/** SQL: the order of an attention level (1 breach, 2 warning). */
function levelOrder(levelColumn) {
    return `case ${levelColumn} when ${engine_1.sql.stringLiteral(exports.LEVEL.BREACH)} then 1 when ${engine_1.sql.stringLiteral(exports.LEVEL.WARNING)} then 2 end`;
}
