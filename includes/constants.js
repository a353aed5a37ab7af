"use strict";
/**
 * Domain constants of GP2GP (spec §3, §5.1, §5.4, §5.5). Pure data: models, tests and scripts all read these,
 * so a code, an interaction or a status string is written down exactly once.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.LIVE_WINDOW = exports.UNKNOWN_ERROR_CODE_NAME = exports.ERROR_CODES = exports.SLA = exports.FATAL_SENDER_ERROR_CODES = exports.ACK_CODE = exports.REASONS_BY_STATUS = exports.FAILURE_REASON = exports.STATUS = exports.CORE_EHR_INTERACTIONS = exports.UNKNOWN_INTERACTION = exports.INTERACTIONS = exports.INTERACTION_PREFIX = void 0;
exports.INTERACTION_PREFIX = "urn:nhs:names:services:gp2gp/";
/** Interaction short names (spec §3) keyed by the interaction code after the URN prefix. */
exports.INTERACTIONS = {
    RCMR_IN010000UK05: "REQ",
    RCMR_IN030000UK06: "EHR",
    RCMR_IN030000UK07: "EHR7",
    MCCI_IN010000UK13: "ACK",
    COPC_IN000001UK01: "COPC",
};
/** Short name given to any interaction ID that is not one of the five above. */
exports.UNKNOWN_INTERACTION = "UNKNOWN";
/** Interactions that count as the core EHR ("request completed") message: Decision 2. */
exports.CORE_EHR_INTERACTIONS = ["EHR", "EHR7"];
exports.STATUS = {
    INTEGRATED_ON_TIME: "Integrated on time",
    PROCESS_FAILURE: "Process failure",
    TECHNICAL_FAILURE: "Technical failure",
    UNCLASSIFIED_FAILURE: "Unclassified failure",
};
exports.FAILURE_REASON = {
    INTEGRATED_LATE: "Integrated late",
    TRANSFERRED_NOT_INTEGRATED: "Transferred, not integrated",
    FINAL_ERROR: "Final error",
    REQUEST_NOT_ACKNOWLEDGED: "Request not acknowledged",
    CORE_EXTRACT_NOT_SENT: "Core extract not sent",
    CONTAINS_FATAL_SENDER_ERROR: "Contains fatal sender error",
    COPC_NOT_SENT: "COPC(s) not sent",
    COPC_NOT_ACKNOWLEDGED: "COPC(s) not acknowledged",
    TRANSFERRED_NOT_INTEGRATED_WITH_ERROR: "Transferred, not integrated, with error",
    AMBIGUOUS_COPC: "Ambiguous COPC messages",
};
/** Which failure reasons each status allows (spec §5.1); null means "no failure reason". */
exports.REASONS_BY_STATUS = {
    [exports.STATUS.INTEGRATED_ON_TIME]: [null],
    [exports.STATUS.PROCESS_FAILURE]: [exports.FAILURE_REASON.INTEGRATED_LATE, exports.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED],
    [exports.STATUS.TECHNICAL_FAILURE]: [
        exports.FAILURE_REASON.FINAL_ERROR,
        exports.FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED,
        exports.FAILURE_REASON.CORE_EXTRACT_NOT_SENT,
        exports.FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR,
        exports.FAILURE_REASON.COPC_NOT_SENT,
        exports.FAILURE_REASON.COPC_NOT_ACKNOWLEDGED,
    ],
    [exports.STATUS.UNCLASSIFIED_FAILURE]: [exports.FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR, exports.FAILURE_REASON.AMBIGUOUS_COPC],
};
/** Acknowledgement codes with a meaning of their own in classification (spec §5.4). */
exports.ACK_CODE = { DUPLICATE_EHR: 12, SUPPRESSED: 15 };
/** Sender (request acknowledgement) codes that make a transfer a technical failure (spec §5.4). */
exports.FATAL_SENDER_ERROR_CODES = [6, 7, 10, 14, 23, 24, 30, 99];
/** Service levels (spec §5.3 and Decision 5), in seconds. */
exports.SLA = {
    INTEGRATION_ON_TIME_SECONDS: 8 * 24 * 3600,
    INTEGRATION_WITHIN_3_DAYS_SECONDS: 3 * 24 * 3600,
    CORE_EHR_SENT_SECONDS: 20 * 60,
    NO_ACTIVITY_SECONDS: 24 * 3600,
};
/** GP2GP error codes (spec §5.5): short name used in reports and the description from the GP2GP specification. */
exports.ERROR_CODES = [
    { code: 6, shortName: "Not at surgery", description: "Patient not at surgery" },
    { code: 7, shortName: "GP2GP disabled", description: "GP2GP Messaging is not enabled on this system" },
    { code: 9, shortName: "Unexpected EHR", description: "EHR Extract received without corresponding request" },
    { code: 10, shortName: "Failed to generate", description: "Failed to successfully generate EHR Extract" },
    { code: 11, shortName: "Failed to integrate", description: "Failed to successfully integrate EHR Extract" },
    { code: 12, shortName: "Duplicate EHR", description: "Duplicate EHR Extract received" },
    { code: 13, shortName: "Config issue", description: "The system's configuration prevents it from processing this message" },
    { code: 14, shortName: "Req not LM compliant", description: "Message not sent because requesting practice is not Large Message compliant" },
    { code: 15, shortName: "ABA suppressed", description: "A-B-A EHR Extract Received and Stored As Suppressed Record" },
    { code: 17, shortName: "ABA wrong patient", description: "A-B-A EHR Extract Received and rejected due to wrong record or wrong patient" },
    { code: 18, shortName: "Req malformed", description: "Request message not well-formed or not able to be processed" },
    { code: 19, shortName: "Unauthorised req", description: "Sender check indicates that Requester is not the patient's current healthcare provider" },
    { code: 20, shortName: "Spine error", description: "Spine system responded with an error" },
    { code: 21, shortName: "Extract malformed", description: "EHR Extract message not well-formed or not able to be processed" },
    { code: 23, shortName: "Sender not LM compliant", description: "Message not sent because sending practice is not Large Message compliant" },
    { code: 24, shortName: "SDS lookup", description: "SDS lookup provided zero or more than one result to the query for each interaction" },
    { code: 25, shortName: "Timeout", description: "Large messages rejected due to timeout duration reached of overall transfer" },
    { code: 26, shortName: "Filed as attachment", description: "Returning Patient EHR Extract Received and filed as an attachment" },
    { code: 28, shortName: "Wrong patient", description: "Non A-B-A EHR Extract Received and rejected due to wrong record or wrong patient" },
    { code: 29, shortName: "LM reassembly", description: "Large Message Re-assembly failure" },
    { code: 30, shortName: "LM general failure", description: "Large Message general failure" },
    { code: 31, shortName: "Missing LM", description: "The overall EHR Extract has been rejected because one or more attachments via Large Messages were not received" },
    { code: 99, shortName: "Unexpected", description: "Unexpected condition" },
];
exports.UNKNOWN_ERROR_CODE_NAME = "Unknown error code";
/** Internal marker for the "live" classification window (all messages so far, no cutoff). */
exports.LIVE_WINDOW = -1;
