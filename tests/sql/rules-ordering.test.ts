/**
 * Order-dependent rules of spec §4.1 (Decision 3) as SQL scenario tests on DuckDB: the conversation must start with
 * the request, the stable sort on (time, source file, row), GUID re-registration, acknowledgements that pair only
 * with earlier registered messages, ignored interactions, and which messages count as core EHRs.
 * One conversation per case; cutoff 14 (all of these conversations end within a day or two).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import {
  ASID,
  conversationRow,
  conversationRows,
  iso,
  liveRows,
  Message,
  outcome,
  ExpectedOutcome,
  OUTCOME_COLUMNS,
  pick,
  SUPPLIER,
  transferAt,
  transfersByCutoff,
} from "../support/scenarios";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const day = "2024-03-04";
const t = (hms: string) => `${day} ${hms}`;
const previousDay = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const at = (hms: string) => iso(t(hms));

interface Case {
  id: string;
  title: string;
  messages: Message[];
  /** Rows of the same conversation in the next export file (file order sorts after the main file). */
  nextFileMessages?: Message[];
  expected: ExpectedOutcome | { discarded: true; firstInteraction: string };
  /** Requesting side when not R (EMIS). */
  requesting?: { asid: string; supplier: string };
}

const cases: Case[] = [
  // §4.1 step 5, §8.1: an ack logged 1 s before the request (clock skew) makes the conversation start with an ack: discarded
  {
    id: "ORD-01",
    title: "clock skew: ack 1 s before the request",
    messages: [
      [t("08:59:59"), "A1", "ACK", "S>R", "REQ"],
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1"],
    ],
    expected: { discarded: true, firstInteraction: "ACK" },
  },
  // §4.1 step 1, §5.6, Decision 4: a message logged on the day before the request is in an export file the request
  // day's classification never reads, so the conversation is kept, and that message plays no part (not even as a sender message)
  {
    id: "ORD-01b",
    title: "clock skew across midnight: ack on the day before the request",
    messages: [
      [`${previousDay} 23:59:59`, "A1", "ACK", "S>R", "REQ"],
      [t("00:00:01"), "REQ", "REQ", "R>S"],
      [t("00:00:30"), "A2", "ACK", "S>R", "REQ"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_ack_count: 1, date_requested: at("00:00:01"), last_sender_message_timestamp: at("00:00:30"),
    },
  },
  // §4.1 step 5: a conversation whose first message is a core EHR (its request in a file not loaded) is discarded
  {
    id: "ORD-02",
    title: "first message is the core EHR",
    messages: [
      [t("08:00:00"), "E1", "EHR", "S>R"],
      [t("09:00:00"), "A1", "ACK", "R>S", "E1"],
    ],
    expected: { discarded: true, firstInteraction: "EHR" },
  },
  // §4.1 step 5 with §3: an unknown interaction before the request still makes the first message not the request
  {
    id: "ORD-03",
    title: "unknown interaction before the request",
    messages: [
      [t("08:00:00"), "U1", "UK08", "R>S"],
      [t("09:00:00"), "REQ", "REQ", "R>S"],
    ],
    expected: { discarded: true, firstInteraction: "UNKNOWN" },
  },
  // §4.1 steps 3 and 5: same timestamp, the ack row comes first in the file, so the stable sort puts it first: discarded
  {
    id: "ORD-04",
    title: "ack and request at the same time, ack row first",
    messages: [
      [t("09:00:00"), "A1", "ACK", "S>R", "REQ"],
      [t("09:00:00"), "REQ", "REQ", "R>S"],
    ],
    expected: { discarded: true, firstInteraction: "ACK" },
  },
  // §4.1 steps 3 and 6: same timestamp, request row first: the ack comes after the request and pairs with it
  {
    id: "ORD-05",
    title: "ack and request at the same time, request row first",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:00:00"), "A1", "ACK", "S>R", "REQ"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:00:00"),
    },
  },
  // §4.1 step 6, §8.1: a re-sent request row (same GUID) forgets the fatal sender ack received before it; date_requested moves to the copy
  {
    id: "ORD-06",
    title: "re-sent request forgets the earlier sender ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 6],
      [t("09:05:00"), "REQ", "REQ", "R>S"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
      date_requested: at("09:05:00"), last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // §4.1 step 6: after a re-sent request only the acks that follow the copy count (the fatal 6 is forgotten)
  {
    id: "ORD-07",
    title: "re-sent request, then a positive sender ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 6],
      [t("09:05:00"), "REQ", "REQ", "R>S"],
      [t("09:06:00"), "A2", "ACK", "S>R", "REQ"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_ack_count: 1, date_requested: at("09:05:00"), last_sender_message_timestamp: at("09:06:00"),
    },
  },
  // §4.1 step 6: a re-sent core EHR (same GUID) forgets its integration ack, so the transfer is not integrated
  {
    id: "ORD-08",
    title: "re-sent core EHR forgets its integration ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1"],
      [t("12:00:00"), "E1", "EHR", "S>R"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("12:00:00"),
    },
  },
  // §4.1 step 6, §8.1: a re-sent core EHR loses its duplicate-12 ack, so no 12 is left and 4a (ambiguous) cannot apply: 4e
  {
    id: "ORD-09",
    title: "re-sent core EHR forgets a duplicate-12 ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "A2", "ACK", "R>S", "E1", 12],
      [t("10:20:00"), "E2", "EHR", "S>R"],
      [t("10:30:00"), "E1", "EHR", "S>R"],
      [t("10:40:00"), "F1", "COPC", "S>R"],
      [t("10:50:00"), "A3", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:40:00"),
    },
  },
  // §4.1 step 6, §5.3: the replacing copy's time is the core EHR's time, so the SLA runs from the copy (30 min)
  {
    id: "ORD-10",
    title: "SLA measured from the re-sent core EHR copy",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:30:00"), "E1", "EHR", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 1800,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §4.1 step 6, §8.1: an ack timestamped before the message it acknowledges is dropped; the EHR looks unacknowledged
  {
    id: "ORD-11",
    title: "ack timestamped before its core EHR",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("09:59:00"), "A2", "ACK", "R>S", "E1"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §4.1 steps 3 and 6: an ack with the EHR's timestamp but an earlier row sorts before the EHR and is dropped
  {
    id: "ORD-12",
    title: "ack at the core EHR's time, earlier row",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "A2", "ACK", "R>S", "E1"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §4.1 steps 3 and 6, §4.2: an ack with the EHR's timestamp and a later row pairs with it: integrated, sla 0
  {
    id: "ORD-13",
    title: "ack at the core EHR's time, later row",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:00:00"), "A2", "ACK", "R>S", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 0,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("10:00:00"),
      last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §4.1 step 6: acks are never registered, so an ack of an ack (even fatal 10) is dropped; from the sender it still counts as its activity
  {
    id: "ORD-14",
    title: "ack of an ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("09:02:00"), "A2", "ACK", "S>R", "A1", 10],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:02:00"),
    },
  },
  // §4.2, §8.1: acks of unknown GUIDs are dropped but the sender's count for last_sender_message_timestamp (integrated: only up to the final ack)
  {
    id: "ORD-15",
    title: "acks of unknown GUIDs around an integration",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:30:00"), "A2", "ACK", "S>R", "NOPE", 99],
      [t("10:40:00"), "A3", "ACK", "R>S", "NOPE", 11],
      [t("11:00:00"), "A4", "ACK", "R>S", "E1"],
      [t("12:00:00"), "A5", "ACK", "S>R", "NOPE"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 3600,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §4.1 step 6, §4.2: the sender's fatal-coded ack of an unknown GUID is no sender ack (not fatal) but is its latest message
  {
    id: "ORD-16",
    title: "sender ack of an unknown GUID only",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:30:00"), "A1", "ACK", "S>R", "NOPE", 6],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
      date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:30:00"),
    },
  },
  // §4.1 step 3, §4.2: two sender acks with identical timestamps keep file order in sender_error_codes
  {
    id: "ORD-17",
    title: "identical ack times keep file order (19 then 20)",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 19],
      [t("09:01:00"), "A2", "ACK", "S>R", "REQ", 20],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_error_codes: [19, 20], sender_ack_count: 2, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // §4.1 step 3, §4.2: the same two acks in the other row order give the other order
  {
    id: "ORD-18",
    title: "identical ack times keep file order (20 then 19)",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A2", "ACK", "S>R", "REQ", 20],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 19],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_error_codes: [20, 19], sender_ack_count: 2, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // Decision 3: identical times sort by source file before row number (the next file's row 1 comes after this file's later row)
  {
    id: "ORD-19",
    title: "identical ack times across two files",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A2", "ACK", "S>R", "REQ", 20],
    ],
    nextFileMessages: [[t("09:01:00"), "A1", "ACK", "S>R", "REQ", 19]],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_error_codes: [20, 19], sender_ack_count: 2, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // §4.1 steps 3, 7, 8: two core EHRs at the same time register in file order (E2 first), which decides the list order and the effective pair
  {
    id: "ORD-20",
    title: "core EHRs with identical times register in file order",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E2", "EHR", "S>R"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:30:00"), "A2", "ACK", "R>S", "E1", 28],
      [t("11:00:00"), "A3", "ACK", "R>S", "E2", 11],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Final error", decision_rule: "3", sla_duration: 3600,
      sender_ack_count: 1, final_error_codes: [11, 28], final_ack_count: 2, date_requested: at("09:00:00"),
      date_completed: at("11:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §3, §4.1 step 7: a second request with a different GUID is ignored, and an ack of it is no sender ack
  {
    id: "ORD-21",
    title: "second request with a different GUID",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:05:00"), "R2", "REQ", "X>S"],
      [t("09:06:00"), "A1", "ACK", "S>X", "R2"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
      date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:06:00"),
    },
  },
  // §3, §4.1 step 7: RCMR_IN010000UK08 is ignored (its ack is no final ack), though it counts as the sender's activity
  {
    id: "ORD-22",
    title: "unknown interaction UK08 ignored",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "U1", "UK08", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "U1"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // Decision 2, §3: RCMR_IN030000UK07 is a core EHR like UK06: integrated 1 day later
  {
    id: "ORD-23",
    title: "UK07 core EHR integrated",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR7", "S>R"],
      ["2024-03-05 10:00:00", "A2", "ACK", "R>S", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 86400,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: iso("2024-03-05 10:00:00"),
      last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // Decision 2, §5.2 rule 3: a UK07 core EHR rejected with 28 is a final error
  {
    id: "ORD-24",
    title: "UK07 core EHR rejected",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR7", "S>R"],
      [t("12:00:00"), "A2", "ACK", "R>S", "E1", 28],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Final error", decision_rule: "3", sla_duration: 7200,
      sender_ack_count: 1, final_error_codes: [28], final_ack_count: 1, date_requested: at("09:00:00"),
      date_completed: at("12:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // Decision 2, §5.2 rules 7/9: an unacknowledged UK07 is a core EHR, so not "Core extract not sent" but transferred, not integrated
  {
    id: "ORD-25",
    title: "UK07 core EHR unacknowledged",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR7", "S>R"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // Decision 2, §4.1 step 8: UK06 acked as duplicate, UK07 integrated: the UK07 is the effective pair (sla 90 min)
  {
    id: "ORD-26",
    title: "UK06 duplicate then UK07 integrated",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:30:00"), "E2", "EHR7", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1", 12],
      [t("12:00:00"), "A3", "ACK", "R>S", "E2"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 5400,
      sender_ack_count: 1, final_error_codes: [12], final_ack_count: 2, date_requested: at("09:00:00"),
      date_completed: at("12:00:00"), last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §3, §8.1: a core EHR sent by a third ASID still counts; it is not the sending practice's activity
  {
    id: "ORD-27",
    title: "core EHR sent by a third ASID",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "X>R"],
      [t("11:00:00"), "A2", "ACK", "R>X", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 3600,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // §8.1: integrated without any request ack; the sending ASID's only message is after the final ack, so last_sender is null
  {
    id: "ORD-28",
    title: "third-party core EHR integrated, sender active only afterwards",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("10:00:00"), "E1", "EHR", "X>R"],
      [t("11:00:00"), "A2", "ACK", "R>X", "E1"],
      [t("12:00:00"), "U1", "UK08", "S>R"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 3600,
      final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: null,
    },
  },
  // §4.1 step 6, §8.1: duplicate ack rows (same GUID) are each kept
  {
    id: "ORD-29",
    title: "duplicate ack rows with the same GUID",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 19],
      [t("09:02:00"), "A1", "ACK", "S>R", "REQ", 19],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7",
      sender_error_codes: [19, 19], sender_ack_count: 2, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:02:00"),
    },
  },
  // §4.1 step 6: an ack in another conversation that refers to this request's GUID is not this request's ack
  {
    id: "ORD-30",
    title: "ack of this request's GUID from another conversation",
    messages: [[t("09:00:00"), "REQ", "REQ", "R>S"]],
    expected: {
      status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
      date_requested: at("09:00:00"), last_sender_message_timestamp: null,
    },
  },
  // §4.2: for an integrated transfer the sender's messages at the final ack's time count (at or before), even in a later row
  {
    id: "ORD-31",
    title: "sender message at the final ack's time counts",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1"],
      [t("11:00:00"), "U1", "UK08", "S>R"],
      [t("11:00:01"), "U2", "UK08", "S>R"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 3600,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: at("11:00:00"),
    },
  },
  // §4.1 steps 6-7, §4.2: a re-sent request's fields count: sent by X it makes X the requester, so R's COPC is ignored (rule 9, not 4c)
  {
    id: "ORD-32",
    title: "re-sent request from another ASID",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:05:00"), "REQ", "REQ", "X>S"],
      [t("09:06:00"), "A1", "ACK", "S>X", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>X"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:05:00"), last_sender_message_timestamp: at("10:00:00"),
    },
    requesting: { asid: ASID.X, supplier: SUPPLIER.X },
  },
  // §4.1 steps 6 and 8: a re-sent core EHR keeps its first place in registration order, so E1 (copy at 10:20) is scanned before E2 for the effective ack
  {
    id: "ORD-33",
    title: "re-sent core EHR keeps its place for the effective ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "E2", "EHR", "S>R"],
      [t("10:20:00"), "E1", "EHR", "S>R"],
      [t("10:30:00"), "A2", "ACK", "R>S", "E2"],
      [t("10:50:00"), "A3", "ACK", "R>S", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 1800,
      sender_ack_count: 1, final_ack_count: 2, date_requested: at("09:00:00"), date_completed: at("10:50:00"),
      last_sender_message_timestamp: at("10:20:00"),
    },
  },
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("rules-ordering");
  await insertSpineRows(
    warehouse,
    [
      ...cases.flatMap((c) => conversationRows(c.id, c.messages)),
      // ORD-30: the ack of ORD-30's request sits in conversation ORD-30-other (which starts with it, so is discarded)
      ...conversationRows("ORD-30-other", [[t("09:01:00"), "!ORD-30-A1", "ACK", "S>R", "!ORD-30"]]),
    ],
    "2024-03-04_spine_messages.csv.gz",
  );
  await insertSpineRows(
    warehouse,
    cases.flatMap((c) => conversationRows(c.id, c.nextFileMessages ?? [])),
    "2024-03-05_spine_messages.csv.gz",
  );
  await insertReference(
    warehouse,
    "2024-03",
    [
      { odsCode: "A11111", name: "Requesting Practice", asids: [ASID.R] },
      { odsCode: "B22222", name: "Sending Practice", asids: [ASID.S] },
    ],
    [{ odsCode: "01A", name: "SICBL One", practices: ["A11111"] }],
  );
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

describe("order-dependent rules (spec §4.1)", () => {
  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    if ("discarded" in c.expected) {
      expect((await transfersByCutoff(warehouse, c.id)).size).toBe(0);
      expect(await liveRows(warehouse, c.id)).toEqual([]);
      const conversation = await conversationRow(warehouse, c.id);
      expect(pick(conversation ?? {}, ["starts_with_request", "first_interaction"])).toEqual({
        starts_with_request: false,
        first_interaction: c.expected.firstInteraction,
      });
      return;
    }
    const row = await transferAt(warehouse, c.id, 14);
    expect({
      ...pick(row, OUTCOME_COLUMNS),
      ...pick(row, ["requesting_practice_asid", "sending_practice_asid", "requesting_supplier", "sending_supplier", "request_month"]),
    }).toEqual({
      ...outcome(c.expected),
      requesting_practice_asid: c.requesting?.asid ?? ASID.R,
      sending_practice_asid: ASID.S,
      requesting_supplier: c.requesting?.supplier ?? SUPPLIER.R,
      sending_supplier: SUPPLIER.S,
      request_month: "2024-03-01T00:00:00.000Z",
    });
  });
});
