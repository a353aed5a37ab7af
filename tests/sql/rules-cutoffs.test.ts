/**
 * Classification windows (spec §4.1 step 4, §5.6, §7.3 P6, Decision 4) and is_final as SQL scenario tests on
 * DuckDB, with the project's cutoffs (cutoff_days var, default 0, 2, 14): cutoff N > 0 sees messages at most N days
 * after the conversation's first message (exactly N days is visible, N days + 1 ms is not); cutoff 0 sees the
 * request's UTC day. A row is final once the latest loaded message is at or past request day start + N + 1 days.
 * The latest message loaded here (the watermark) is 2020-06-22T00:00:00.000Z, a day boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Warehouse } from "../../scripts/lib/duckdb";
import {
  conversationRows,
  DAY,
  ExpectedOutcome,
  iso,
  liveRows,
  Message,
  outcome,
  OUTCOME_COLUMNS,
  pick,
  plusMs,
  transfersByCutoff,
} from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const CUTOFFS = [0, 2, 14] as const;
type Cutoff = (typeof CUTOFFS)[number];

const WATERMARK = "2020-06-22 00:00:00.000";

interface Case {
  id: string;
  title: string;
  messages: Message[];
  byCutoff: Record<Cutoff, ExpectedOutcome>;
  /** Messages each window sees (conversation_windows.prefix_length). */
  prefix: Record<Cutoff, number>;
  final: Record<Cutoff, boolean>;
  /** The live window (transfers_live: every message, no cutoff). */
  live?: ExpectedOutcome;
}

/** Rule 6: only the request is visible (or no request ack). */
const notAcknowledged = (requested: string, lastSender: string | null = null): ExpectedOutcome => ({
  status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
  date_requested: iso(requested), last_sender_message_timestamp: lastSender && iso(lastSender),
});
/** Rule 7: the request acknowledged once, positively, and no core EHR. */
const noCoreEhr = (requested: string, lastSender: string): ExpectedOutcome => ({
  status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7", sender_ack_count: 1,
  date_requested: iso(requested), last_sender_message_timestamp: iso(lastSender),
});
/** Rule 9: core EHR sent, its ack not visible. */
const notIntegrated = (requested: string, lastSender: string): ExpectedOutcome => ({
  status: "Process failure", failure_reason: "Transferred, not integrated", decision_rule: "9", sender_ack_count: 1,
  date_requested: iso(requested), last_sender_message_timestamp: iso(lastSender),
});
const same = <T>(value: T): Record<Cutoff, T> => ({ 0: value, 2: value, 14: value });

/** Request 10:00, sender ack 10:01, core EHR 10:05 on 2020-06-06, and its positive ack at `ackedAt`. */
const integratedAt = (ackedAt: string): Message[] => [
  ["2020-06-06 10:00:00.000", "REQ", "REQ", "R>S"],
  ["2020-06-06 10:01:00.000", "A1", "ACK", "S>R", "REQ"],
  ["2020-06-06 10:05:00.000", "E1", "EHR", "S>R"],
  [ackedAt, "A2", "ACK", "R>S", "E1"],
];
const integrated = (ackedAt: string, sla: number, onTime: boolean): ExpectedOutcome => ({
  ...(onTime
    ? { status: "Integrated on time", failure_reason: null, decision_rule: "1" }
    : { status: "Process failure", failure_reason: "Integrated late", decision_rule: "2" }),
  sla_duration: sla, sender_ack_count: 1, final_ack_count: 1,
  date_requested: iso("2020-06-06 10:00:00.000"), date_completed: iso(ackedAt),
  last_sender_message_timestamp: iso("2020-06-06 10:05:00.000"),
});
const ehrNotIntegrated = notIntegrated("2020-06-06 10:00:00.000", "2020-06-06 10:05:00.000");

const cases: Case[] = [
  // §7.3 P6 with Decision 4: messages at 06-06, 06-07, 06-08 00:00: cutoff 0 sees [1]; cutoff 2 sees [1,2,3] (06-08 is exactly 2 days); 14 sees all
  {
    id: "CUT-P6",
    title: "P6: three messages a day apart",
    messages: [
      ["2020-06-06 00:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-07 00:00:00.000", "A1", "ACK", "S>R", "REQ"],
      ["2020-06-08 00:00:00.000", "E1", "EHR", "S>R"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-06-06 00:00:00.000"),
      2: notIntegrated("2020-06-06 00:00:00.000", "2020-06-08 00:00:00.000"),
      14: notIntegrated("2020-06-06 00:00:00.000", "2020-06-08 00:00:00.000"),
    },
    prefix: { 0: 1, 2: 3, 14: 3 },
    final: same(true),
  },
  // Decision 4: cutoff 0 sees the whole request day, up to 23:59:59.999
  {
    id: "CUT-01",
    title: "cutoff 0 sees the last millisecond of the request day",
    messages: [
      ["2020-06-06 10:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-06 23:59:59.999", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: same(noCoreEhr("2020-06-06 10:00:00.000", "2020-06-06 23:59:59.999")),
    prefix: same(2),
    final: same(true),
  },
  // Decision 4: cutoff 0 stops at the end of the request's UTC day; cutoff 2 sees the next day's ack
  {
    id: "CUT-02",
    title: "cutoff 0 does not see midnight after the request day",
    messages: [
      ["2020-06-06 10:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-07 00:00:00.000", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-06-06 10:00:00.000"),
      2: noCoreEhr("2020-06-06 10:00:00.000", "2020-06-07 00:00:00.000"),
      14: noCoreEhr("2020-06-06 10:00:00.000", "2020-06-07 00:00:00.000"),
    },
    prefix: { 0: 1, 2: 2, 14: 2 },
    final: same(true),
  },
  // Decision 4: cutoff 0 is the request's day, not 24 hours: an ack 90 s after a 23:59 request is not seen
  {
    id: "CUT-03",
    title: "cutoff 0 on a request one minute before midnight",
    messages: [
      ["2020-06-06 23:59:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-07 00:00:30.000", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-06-06 23:59:00.000"),
      2: noCoreEhr("2020-06-06 23:59:00.000", "2020-06-07 00:00:30.000"),
      14: noCoreEhr("2020-06-06 23:59:00.000", "2020-06-07 00:00:30.000"),
    },
    prefix: { 0: 1, 2: 2, 14: 2 },
    final: same(true),
  },
  // §4.1 step 4: an integration exactly 2 days after the request is visible to cutoff 2 (sla 2 d − 5 min)
  {
    id: "CUT-04",
    title: "cutoff 2 sees a message exactly 2 days after the first",
    messages: integratedAt("2020-06-08 10:00:00.000"),
    byCutoff: {
      0: ehrNotIntegrated,
      2: integrated("2020-06-08 10:00:00.000", 2 * 86_400 - 300, true),
      14: integrated("2020-06-08 10:00:00.000", 2 * 86_400 - 300, true),
    },
    prefix: { 0: 3, 2: 4, 14: 4 },
    final: same(true),
  },
  // §4.1 step 4: 2 days + 1 ms is outside cutoff 2 (transferred, not integrated) but inside 14
  {
    id: "CUT-05",
    title: "cutoff 2 does not see 2 days + 1 ms",
    messages: integratedAt("2020-06-08 10:00:00.001"),
    byCutoff: { 0: ehrNotIntegrated, 2: ehrNotIntegrated, 14: integrated("2020-06-08 10:00:00.001", 2 * 86_400 - 300, true) },
    prefix: { 0: 3, 2: 3, 14: 4 },
    final: same(true),
  },
  // §4.1 step 4, §5.6: an integration exactly 14 days after the request is visible to cutoff 14 (late: 14 d − 5 min)
  {
    id: "CUT-06",
    title: "cutoff 14 sees a message exactly 14 days after the first",
    messages: integratedAt("2020-06-20 10:00:00.000"),
    byCutoff: { 0: ehrNotIntegrated, 2: ehrNotIntegrated, 14: integrated("2020-06-20 10:00:00.000", 14 * 86_400 - 300, false) },
    prefix: { 0: 3, 2: 3, 14: 4 },
    final: same(true),
  },
  // §5.6, §8.1: 14 days + 1 ms is invisible to cutoff 14 (transferred, not integrated); the live view sees the late integration
  {
    id: "CUT-07",
    title: "cutoff 14 does not see 14 days + 1 ms",
    messages: integratedAt("2020-06-20 10:00:00.001"),
    byCutoff: same(ehrNotIntegrated),
    prefix: same(3),
    final: same(true),
    live: integrated("2020-06-20 10:00:00.001", 14 * 86_400 - 300, false),
  },
  // §4.1 step 4 counts from the first message, not the re-sent request (whose copy moves date_requested, §4.2)
  {
    id: "CUT-08",
    title: "window from the first message when the request is re-sent",
    messages: [
      ["2020-06-06 10:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-07 10:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-08 10:00:00.001", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-06-06 10:00:00.000"),
      2: notAcknowledged("2020-06-07 10:00:00.000"),
      14: noCoreEhr("2020-06-07 10:00:00.000", "2020-06-08 10:00:00.001"),
    },
    prefix: { 0: 1, 2: 2, 14: 3 },
    final: same(true),
  },
  // §4.1 step 4: cutoff 2 counts from the first message's time, not its day start: 23:00 + 2 days is visible
  {
    id: "CUT-09",
    title: "cutoff 2 measured from the request time",
    messages: [
      ["2020-06-06 23:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-08 23:00:00.000", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-06-06 23:00:00.000"),
      2: noCoreEhr("2020-06-06 23:00:00.000", "2020-06-08 23:00:00.000"),
      14: noCoreEhr("2020-06-06 23:00:00.000", "2020-06-08 23:00:00.000"),
    },
    prefix: { 0: 1, 2: 2, 14: 2 },
    final: same(true),
  },
  // Decision 4: requested 06-21: cutoff 0 closes 06-22 00:00 = watermark → final; 2 and 14 not yet
  {
    id: "CUT-F1",
    title: "is_final: cutoff 0 closes exactly at the watermark",
    messages: [["2020-06-21 12:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged("2020-06-21 12:00:00.000")),
    prefix: same(1),
    final: { 0: true, 2: false, 14: false },
  },
  // Decision 4: requested 06-19: cutoff 2 closes 06-22 00:00 = watermark → final; 14 not yet
  {
    id: "CUT-F2",
    title: "is_final: cutoff 2 closes exactly at the watermark",
    messages: [["2020-06-19 08:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged("2020-06-19 08:00:00.000")),
    prefix: same(1),
    final: { 0: true, 2: true, 14: false },
  },
  // Decision 4: requested 06-07: cutoff 14 closes 06-22 00:00 = watermark → final
  {
    id: "CUT-F3",
    title: "is_final: cutoff 14 closes exactly at the watermark",
    messages: [["2020-06-07 08:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged("2020-06-07 08:00:00.000")),
    prefix: same(1),
    final: same(true),
  },
  // Decision 4: requested 06-08 00:00: cutoff 14 closes 06-23, a day after the watermark → provisional
  {
    id: "CUT-F4",
    title: "is_final: cutoff 14 a day short",
    messages: [["2020-06-08 00:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged("2020-06-08 00:00:00.000")),
    prefix: same(1),
    final: { 0: true, 2: true, 14: false },
  },
  // Decision 4: requested 06-20 23:59:59.999: cutoff 0 closed 06-21 → final; cutoff 2 closes 06-23 → provisional
  {
    id: "CUT-F5",
    title: "is_final: a request in the last millisecond of its day",
    messages: [["2020-06-20 23:59:59.999", "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged("2020-06-20 23:59:59.999")),
    prefix: same(1),
    final: { 0: true, 2: false, 14: false },
  },
  // Decision 4: the request that is the watermark itself (06-22 00:00): even cutoff 0 closes only at 06-23 → provisional
  {
    id: "CUT-W",
    title: "is_final: requested at the watermark",
    messages: [[WATERMARK, "REQ", "REQ", "R>S"]],
    byCutoff: same(notAcknowledged(WATERMARK)),
    prefix: same(1),
    final: same(false),
  },
];

/** Start of the UTC day of the conversation's first message + N + 1 days (Decision 4). */
function closesAt(c: Case, cutoff: number): string {
  const first = c.messages.map((m) => iso(m[0])).sort()[0]!;
  return plusMs(`${first.slice(0, 10)}T00:00:00.000Z`, (cutoff + 1) * DAY);
}

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("rules-cutoffs");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, c.messages)), "2020-06-06_spine_messages.csv.gz");
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

describe("cutoff windows and is_final (spec §4.1 step 4, §7.3 P6, Decision 4)", () => {
  it("the watermark is the latest message loaded", async () => {
    expect(await warehouse.scalar(`select max(message_at) from "${datasets.staged}".stg_spine_messages`)).toBe(iso(WATERMARK));
  });

  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const rows = await transfersByCutoff(warehouse, c.id);
    expect([...rows.keys()]).toEqual([...CUTOFFS]);
    const windows = await warehouse.rows(
      `select cutoff_days, prefix_length from "${datasets.correlated}".conversation_windows where conversation_id = '${c.id}' and cutoff_days >= 0 order by cutoff_days`,
    );
    expect(Object.fromEntries(windows.map((w) => [w.cutoff_days, w.prefix_length]))).toEqual(c.prefix);
    for (const cutoff of CUTOFFS) {
      const row = rows.get(cutoff)!;
      expect({ cutoff, ...pick(row, [...OUTCOME_COLUMNS, "is_final", "window_closes_at"]) }).toEqual({
        cutoff,
        ...outcome(c.byCutoff[cutoff]),
        is_final: c.final[cutoff],
        window_closes_at: closesAt(c, cutoff),
      });
    }
    if (c.live) {
      const live = await liveRows(warehouse, c.id);
      expect(live).toHaveLength(1);
      const { sender_ack_count: _s, final_ack_count: _f, decision_rule: _d, ...liveColumns } = outcome(c.live);
      expect(pick(live[0]!, Object.keys(liveColumns))).toEqual(liveColumns);
    }
  });
});
