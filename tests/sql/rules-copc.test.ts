/**
 * The large-message (COPC) branch of the §5.2 decision list as SQL scenario tests on DuckDB: rules 4a-4e, where the
 * branch sits in the list (after integration and final error, before the fatal-sender check), which COPC messages
 * count (§3: by sender ASID), and the order of intermediate_error_codes (§4.2).
 * One conversation per case; cutoff 14.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { conversationRows, ExpectedOutcome, iso, Message, outcome, OUTCOME_COLUMNS, pick, transferAt } from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const day = "2024-03-04";
const t = (hms: string) => `${day} ${hms}`;
const at = (hms: string) => iso(t(hms));

/** Request at 09:00 acknowledged positively by the sending practice at 09:01. */
const requested: Message[] = [
  [t("09:00:00"), "REQ", "REQ", "R>S"],
  [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
];

interface Case {
  id: string;
  title: string;
  messages: Message[];
  expected: ExpectedOutcome;
}

const cases: Case[] = [
  // §5.2 rule 4a: a duplicate-12 ack, COPC messages and another core EHR without any ack: ambiguous
  {
    id: "COPC-01",
    title: "4a: duplicate ack, fragments, an unacknowledged core EHR",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "E2", "EHR", "S>R"],
      [t("10:10:00"), "A2", "ACK", "R>S", "E1", 12],
      [t("10:15:00"), "K1", "COPC", "R>S"],
      [t("10:20:00"), "F1", "COPC", "S>R"],
      [t("10:25:00"), "A3", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Unclassified failure", failure_reason: "Ambiguous COPC messages", decision_rule: "4a",
      sender_ack_count: 1, final_error_codes: [12], final_ack_count: 1, date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:20:00"),
    },
  },
  // §4.2 predicate of 4a needs a core EHR without acks: with the only EHR acked (12), all fragments acked OK: 4e
  {
    id: "COPC-02",
    title: "4a not met when every core EHR has an ack",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "A2", "ACK", "R>S", "E1", 12],
      [t("10:15:00"), "K1", "COPC", "R>S"],
      [t("10:20:00"), "F1", "COPC", "S>R"],
      [t("10:25:00"), "A3", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_ack_count: 1, final_error_codes: [12], final_ack_count: 1, date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:20:00"),
    },
  },
  // §5.2 rule 4a comes before 4c: a continue without fragments is still ambiguous when a 12 and an unacked EHR exist
  {
    id: "COPC-03",
    title: "4a before 4c",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "E2", "EHR", "S>R"],
      [t("10:10:00"), "A2", "ACK", "R>S", "E1", 12],
      [t("10:15:00"), "K1", "COPC", "R>S"],
    ],
    expected: {
      status: "Unclassified failure", failure_reason: "Ambiguous COPC messages", decision_rule: "4a",
      sender_ack_count: 1, final_error_codes: [12], final_ack_count: 1, date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:05:00"),
    },
  },
  // §5.2 rule 4b: a fragment error (29) with every fragment acknowledged
  {
    id: "COPC-04",
    title: "4b: COPC error, all fragments acknowledged",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:15:00"), "F2", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1", 29],
      [t("10:25:00"), "A3", "ACK", "R>S", "F2"],
    ],
    expected: {
      status: "Unclassified failure", failure_reason: "Transferred, not integrated, with error", decision_rule: "4b",
      sender_ack_count: 1, intermediate_error_codes: [29], date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:15:00"),
    },
  },
  // §5.2 rule 4c: the requester's COPC continue and no fragment from the sender
  {
    id: "COPC-05",
    title: "4c: continue without fragments",
    messages: [...requested, [t("10:00:00"), "E1", "EHR", "S>R"], [t("10:05:00"), "K1", "COPC", "R>S"]],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not sent", decision_rule: "4c",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §5.2 rule 4d: a fragment without any ack
  {
    id: "COPC-06",
    title: "4d: a fragment not acknowledged",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:15:00"), "F2", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not acknowledged", decision_rule: "4d",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:15:00"),
    },
  },
  // §5.2 rule 4b requires every fragment acked, so a COPC error plus an unacked fragment falls to 4d
  {
    id: "COPC-07",
    title: "4d: COPC error but a fragment unacknowledged",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:15:00"), "F2", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1", 29],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not acknowledged", decision_rule: "4d",
      sender_ack_count: 1, intermediate_error_codes: [29], date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:15:00"),
    },
  },
  // §5.2 rule 4e: all fragments acknowledged without error, no integration
  {
    id: "COPC-08",
    title: "4e: all fragments acknowledged, not integrated",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:15:00"), "F2", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1"],
      [t("10:25:00"), "A3", "ACK", "R>S", "F2"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:15:00"),
    },
  },
  // §5.2: the COPC branch comes before the fatal sender check: fatal 10 plus a COPC continue is "COPC(s) not sent"
  {
    id: "COPC-09",
    title: "fatal sender error plus a COPC continue",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 10],
      [t("09:05:00"), "K1", "COPC", "R>S"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not sent", decision_rule: "4c",
      sender_error_codes: [10], sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:01:00"),
    },
  },
  // §3: a COPC from a third ASID is ignored (its ack is no intermediate ack): no COPC branch, rule 9
  {
    id: "COPC-10",
    title: "COPC from a third ASID ignored",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "Z1", "COPC", "X>R"],
      [t("10:10:00"), "A2", "ACK", "R>X", "Z1", 29],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:00:00"),
    },
  },
  // §5.2 rules 1 before 4: integration beats an unacknowledged fragment
  {
    id: "COPC-11",
    title: "integration beats COPC problems",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1"],
    ],
    expected: {
      status: "Integrated on time", failure_reason: null, decision_rule: "1", sla_duration: 3600,
      sender_ack_count: 1, final_ack_count: 1, date_requested: at("09:00:00"), date_completed: at("11:00:00"),
      last_sender_message_timestamp: at("10:10:00"),
    },
  },
  // §5.2 rule 3 before 4: a final error beats an unacknowledged fragment
  {
    id: "COPC-12",
    title: "final error beats COPC problems",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("11:00:00"), "A2", "ACK", "R>S", "E1", 11],
    ],
    expected: {
      status: "Technical failure", failure_reason: "Final error", decision_rule: "3", sla_duration: 3600,
      sender_ack_count: 1, final_error_codes: [11], final_ack_count: 1, date_requested: at("09:00:00"),
      date_completed: at("11:00:00"), last_sender_message_timestamp: at("10:10:00"),
    },
  },
  // §5.2: COPC messages without any core EHR are still judged by the COPC branch (4e, not rule 7 "Core extract not sent")
  {
    id: "COPC-13",
    title: "acknowledged fragment without a core EHR",
    messages: [...requested, [t("09:30:00"), "F1", "COPC", "S>R"], [t("09:35:00"), "A2", "ACK", "R>S", "F1"]],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("09:30:00"),
    },
  },
  // §5.2: a continue without request ack or core EHR is 4c, not rule 6 "Request not acknowledged"
  {
    id: "COPC-14",
    title: "continue without a request ack",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:05:00"), "K1", "COPC", "R>S"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not sent", decision_rule: "4c",
      date_requested: at("09:00:00"), last_sender_message_timestamp: null,
    },
  },
  // §5.2: a non-fatal sender error (20) with acknowledged fragments is 4e, not rule 8 (with error)
  {
    id: "COPC-15",
    title: "non-fatal sender error and acknowledged fragments",
    messages: [
      [t("09:00:00"), "REQ", "REQ", "R>S"],
      [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 20],
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_error_codes: [20], sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:10:00"),
    },
  },
  // §4.2 intermediate_error_codes: non-null codes by fragment registration (F1, F2, F3), then ack time
  {
    id: "COPC-16",
    title: "intermediate error codes ordered by fragment then ack time",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:20:00"), "F2", "COPC", "S>R"],
      [t("10:30:00"), "F3", "COPC", "S>R"],
      [t("10:40:00"), "A2", "ACK", "R>S", "F3", 30],
      [t("10:50:00"), "A3", "ACK", "R>S", "F1", 29],
      [t("11:00:00"), "A4", "ACK", "R>S", "F2", 25],
      [t("11:10:00"), "A5", "ACK", "R>S", "F1", 31],
      [t("11:20:00"), "A6", "ACK", "R>S", "F2"],
    ],
    expected: {
      status: "Unclassified failure", failure_reason: "Transferred, not integrated, with error", decision_rule: "4b",
      sender_ack_count: 1, intermediate_error_codes: [29, 31, 25, 30], date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §4.1 step 6, §4.2: a re-sent fragment keeps its first place in registration order (F1 before F2) for the list
  {
    id: "COPC-17",
    title: "re-sent fragment keeps its registration place",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:20:00"), "F2", "COPC", "S>R"],
      [t("10:30:00"), "F1", "COPC", "S>R"],
      [t("10:40:00"), "A2", "ACK", "R>S", "F2", 25],
      [t("10:50:00"), "A3", "ACK", "R>S", "F1", 29],
    ],
    expected: {
      status: "Unclassified failure", failure_reason: "Transferred, not integrated, with error", decision_rule: "4b",
      sender_ack_count: 1, intermediate_error_codes: [29, 25], date_requested: at("09:00:00"),
      last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §4.1 step 6: a re-sent fragment forgets the ack received before it: 4d
  {
    id: "COPC-18",
    title: "re-sent fragment forgets its ack",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:20:00"), "A2", "ACK", "R>S", "F1"],
      [t("10:30:00"), "F1", "COPC", "S>R"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not acknowledged", decision_rule: "4d",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:30:00"),
    },
  },
  // §4.1 step 7: acks of the COPC continue are not used (its error 25 is no intermediate code); fragment acked: 4e
  {
    id: "COPC-19",
    title: "ack of the continue is not an intermediate ack",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:05:00"), "K1", "COPC", "R>S"],
      [t("10:06:00"), "A2", "ACK", "S>R", "K1", 25],
      [t("10:10:00"), "F1", "COPC", "S>R"],
      [t("10:15:00"), "A3", "ACK", "R>S", "F1"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "4e",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:10:00"),
    },
  },
  // §4.1 step 6: a fragment's only ack, timestamped before the fragment, is dropped: 4d
  {
    id: "COPC-20",
    title: "fragment ack timestamped before the fragment",
    messages: [
      ...requested,
      [t("10:00:00"), "E1", "EHR", "S>R"],
      [t("10:09:00"), "A2", "ACK", "R>S", "F1"],
      [t("10:10:00"), "F1", "COPC", "S>R"],
    ],
    expected: {
      status: "Technical failure", failure_reason: "COPC(s) not acknowledged", decision_rule: "4d",
      sender_ack_count: 1, date_requested: at("09:00:00"), last_sender_message_timestamp: at("10:10:00"),
    },
  },
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("rules-copc");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, c.messages)), "2024-03-04_spine_messages.csv.gz");
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

describe("COPC branch of the decision list (spec §5.2 rules 4a-4e)", () => {
  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const row = await transferAt(warehouse, c.id, 14);
    expect(pick(row, OUTCOME_COLUMNS)).toEqual(outcome(c.expected));
  });
});
