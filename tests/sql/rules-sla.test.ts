/**
 * sla_duration (spec §4.2, §5.3, Decision 8) as SQL scenario tests on DuckDB: seconds from the effective core EHR to
 * its decisive ack, rounded half to even from millisecond timestamps, the on-time rule compared on the unrounded
 * duration (≤ 8 days), and never negative. One conversation per case; cutoff 14.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { DAY, conversationRows, ExpectedOutcome, iso, Message, outcome, OUTCOME_COLUMNS, pick, plusMs, transferAt } from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const requestedAt = "2024-03-04 09:00:00.000";
const ehrAt = "2024-03-04 10:00:00.000";

/** "YYYY-MM-DD HH:MM:SS.mmm" of the core EHR time plus `ms`. */
const afterEhr = (ms: number) => plusMs(iso(ehrAt), ms).replace("T", " ").replace("Z", "");

interface Case {
  id: string;
  title: string;
  messages: Message[];
  expected: ExpectedOutcome;
}

/** Request, positive sender ack, core EHR at 10:00:00.000 and one final ack `ms` after it with `code`. */
function acked(id: string, title: string, ms: number, code: number | null, expected: Omit<ExpectedOutcome, "date_requested" | "last_sender_message_timestamp">): Case {
  const ackedAt = afterEhr(ms);
  return {
    id,
    title,
    messages: [
      [requestedAt, "REQ", "REQ", "R>S"],
      ["2024-03-04 09:01:00.000", "A1", "ACK", "S>R", "REQ"],
      [ehrAt, "E1", "EHR", "S>R"],
      [ackedAt, "A2", "ACK", "R>S", "E1", code],
    ],
    expected: {
      sender_ack_count: 1,
      final_ack_count: 1,
      final_error_codes: code === null ? [] : [code],
      date_requested: iso(requestedAt),
      date_completed: iso(ackedAt),
      last_sender_message_timestamp: iso(ehrAt),
      ...expected,
    },
  };
}

const onTime = { status: "Integrated on time", failure_reason: null, decision_rule: "1" } as const;
const late = { status: "Process failure", failure_reason: "Integrated late", decision_rule: "2" } as const;

const cases: Case[] = [
  // §4.2: round half to even: 2.5 s → 2
  acked("SLA-01", "2.5 s rounds down to 2", 2_500, null, { ...onTime, sla_duration: 2 }),
  // §4.2: round half to even: 3.5 s → 4
  acked("SLA-02", "3.5 s rounds up to 4", 3_500, null, { ...onTime, sla_duration: 4 }),
  // §4.2: round half to even: 0.5 s → 0
  acked("SLA-03", "0.5 s rounds down to 0", 500, null, { ...onTime, sla_duration: 0 }),
  // §4.2: round half to even: 1.5 s → 2
  acked("SLA-04", "1.5 s rounds up to 2", 1_500, null, { ...onTime, sla_duration: 2 }),
  // §4.2: below the half rounds down: 2.499 s → 2
  acked("SLA-05", "2.499 s rounds to 2", 2_499, null, { ...onTime, sla_duration: 2 }),
  // §4.2: above the half rounds up: 2.501 s → 3
  acked("SLA-06", "2.501 s rounds to 3", 2_501, null, { ...onTime, sla_duration: 3 }),
  // §5.3: exactly 8 days is on time (inclusive)
  acked("SLA-07", "exactly 8 days is on time", 8 * DAY, null, { ...onTime, sla_duration: 691_200 }),
  // §5.3: 8 days + 0.4 s is late (unrounded comparison) but stored as 691 200
  acked("SLA-08", "8 days + 0.4 s is late, stored 691200", 8 * DAY + 400, null, { ...late, sla_duration: 691_200 }),
  // §5.3: 8 days + 1 ms is late, stored 691 200
  acked("SLA-09", "8 days + 1 ms is late", 8 * DAY + 1, null, { ...late, sla_duration: 691_200 }),
  // §5.3 and §4.2: 8 days + 0.5 s is late; 691 200.5 rounds to the even 691 200
  acked("SLA-10", "8 days + 0.5 s is late, stored 691200", 8 * DAY + 500, null, { ...late, sla_duration: 691_200 }),
  // §4.2: 8 days + 1.5 s rounds to the even 691 202
  acked("SLA-11", "8 days + 1.5 s stored 691202", 8 * DAY + 1_500, null, { ...late, sla_duration: 691_202 }),
  // §5.3 and §4.2: 8 days − 0.5 s is on time; 691 199.5 rounds to the even 691 200
  acked("SLA-12", "8 days − 0.5 s is on time, stored 691200", 8 * DAY - 500, null, { ...onTime, sla_duration: 691_200 }),
  // §5.3: suppression (15) is integration: 8 days + 0.4 s suppressed is late, stored 691 200
  acked("SLA-13", "suppressed 8 days + 0.4 s later is late", 8 * DAY + 400, 15, { ...late, sla_duration: 691_200 }),
  // §4.2: a final error also has an sla: 7.5 s rounds to the even 8
  acked("SLA-14", "final error after 7.5 s", 7_500, 11, {
    status: "Technical failure", failure_reason: "Final error", decision_rule: "3", sla_duration: 8,
  }),
  // §4.1 step 6, §8.1 "negative SLA": an ack 1 ms before the core EHR is dropped, so no pair and no negative sla
  {
    id: "SLA-15",
    title: "ack 1 ms before the core EHR: no sla, never negative",
    messages: [
      [requestedAt, "REQ", "REQ", "R>S"],
      ["2024-03-04 09:01:00.000", "A1", "ACK", "S>R", "REQ"],
      ["2024-03-04 09:59:59.999", "A2", "ACK", "R>S", "E1"],
      [ehrAt, "E1", "EHR", "S>R"],
    ],
    expected: {
      status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9",
      sender_ack_count: 1, date_requested: iso(requestedAt), last_sender_message_timestamp: iso(ehrAt),
    },
  },
  // §5.3: the clock starts at the effective core EHR (the second, integrated one), not the request or the first EHR: 2.5 s → 2
  {
    id: "SLA-16",
    title: "sla from the effective core EHR",
    messages: [
      [requestedAt, "REQ", "REQ", "R>S"],
      ["2024-03-04 09:01:00.000", "A1", "ACK", "S>R", "REQ"],
      [ehrAt, "E1", "EHR", "S>R"],
      ["2024-03-04 10:10:00.000", "A2", "ACK", "R>S", "E1", 12],
      ["2024-03-04 10:20:00.500", "E2", "EHR", "S>R"],
      ["2024-03-04 10:20:03.000", "A3", "ACK", "R>S", "E2"],
    ],
    expected: {
      ...onTime, sla_duration: 2, sender_ack_count: 1, final_error_codes: [12], final_ack_count: 2,
      date_requested: iso(requestedAt), date_completed: iso("2024-03-04 10:20:03.000"),
      last_sender_message_timestamp: iso("2024-03-04 10:20:00.500"),
    },
  },
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("rules-sla");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, c.messages)), "2024-03-04_spine_messages.csv.gz");
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

describe("sla_duration (spec §4.2, §5.3)", () => {
  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const row = await transferAt(warehouse, c.id, 14);
    expect(pick(row, OUTCOME_COLUMNS)).toEqual(outcome(c.expected));
  });

  // §8.1: a negative sla never happens, at any cutoff
  it("no transfer has a negative sla_duration", async () => {
    expect(await warehouse.scalar(`select count(*) from "${datasets.marts}".transfers where sla_duration < 0`)).toBe(0);
  });
});
