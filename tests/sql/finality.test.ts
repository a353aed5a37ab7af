/**
 * is_final (Decision 4) just short of a day boundary, as SQL scenario tests on DuckDB: a cutoff-N row becomes final
 * only when the latest loaded message is at or past request day start + N + 1 days. Here the latest message (the
 * watermark) is 2020-06-21T23:59:59.999Z, 1 ms before a boundary, so the windows that close at 2020-06-22 are still
 * provisional. (rules-cutoffs.test.ts has a watermark exactly on a boundary.) One request-only conversation per case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { conversationRows, iso, Message, outcome, OUTCOME_COLUMNS, pick, transfersByCutoff } from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const WATERMARK = "2020-06-21 23:59:59.999";

interface Case {
  id: string;
  title: string;
  requestedAt: string;
  /** is_final and window_closes_at at cutoffs 0, 2 and 14. */
  final: [boolean, boolean, boolean];
  closes: [string, string, string];
}

const cases: Case[] = [
  // Decision 4: the watermark's own request (06-21): cutoff 0 closes 06-22 00:00, 1 ms after the watermark → provisional
  { id: "FIN-W", title: "requested at the watermark", requestedAt: WATERMARK, final: [false, false, false], closes: ["2020-06-22", "2020-06-24", "2020-07-06"] },
  // Decision 4: requested at the start of 06-21: cutoff 0 still 1 ms short
  { id: "FIN-01", title: "cutoff 0, 1 ms short", requestedAt: "2020-06-21 00:00:00.000", final: [false, false, false], closes: ["2020-06-22", "2020-06-24", "2020-07-06"] },
  // Decision 4: requested 06-20 23:59:59.999: cutoff 0 closed at 06-21 00:00 → final; cutoff 2 closes 06-23
  { id: "FIN-02", title: "cutoff 0 past its close", requestedAt: "2020-06-20 23:59:59.999", final: [true, false, false], closes: ["2020-06-21", "2020-06-23", "2020-07-05"] },
  // Decision 4: requested 06-19: cutoff 2 closes 06-22 00:00, 1 ms after the watermark → provisional
  { id: "FIN-03", title: "cutoff 2, 1 ms short", requestedAt: "2020-06-19 00:00:00.000", final: [true, false, false], closes: ["2020-06-20", "2020-06-22", "2020-07-04"] },
  // Decision 4: requested 06-18: cutoff 2 closed at 06-21 00:00 → final
  { id: "FIN-04", title: "cutoff 2 past its close", requestedAt: "2020-06-18 23:59:59.999", final: [true, true, false], closes: ["2020-06-19", "2020-06-21", "2020-07-03"] },
  // Decision 4: requested 06-07: cutoff 14 closes 06-22 00:00, 1 ms after the watermark → provisional
  { id: "FIN-05", title: "cutoff 14, 1 ms short", requestedAt: "2020-06-07 00:00:00.000", final: [true, true, false], closes: ["2020-06-08", "2020-06-10", "2020-06-22"] },
  // Decision 4: requested 06-06: cutoff 14 closed at 06-21 00:00 → final
  { id: "FIN-06", title: "cutoff 14 past its close", requestedAt: "2020-06-06 23:59:59.999", final: [true, true, true], closes: ["2020-06-07", "2020-06-09", "2020-06-21"] },
];

const messagesOf = (c: Case): Message[] => [[c.requestedAt, "REQ", "REQ", "R>S"]];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("finality");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, messagesOf(c))), "2020-06-21_spine_messages.csv.gz");
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

describe("is_final 1 ms before a window closes (Decision 4)", () => {
  it("the watermark is the latest message loaded", async () => {
    expect(await warehouse.scalar(`select max(message_at) from "${datasets.staged}".stg_spine_messages`)).toBe(iso(WATERMARK));
  });

  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const rows = await transfersByCutoff(warehouse, c.id);
    expect([...rows.keys()]).toEqual([0, 2, 14]);
    [0, 2, 14].forEach((cutoff, i) => {
      const row = rows.get(cutoff)!;
      expect({ cutoff, ...pick(row, [...OUTCOME_COLUMNS, "is_final", "window_closes_at"]) }).toEqual({
        cutoff,
        // §5.2 rule 6: a request alone is not acknowledged, at every cutoff
        ...outcome({
          status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
          date_requested: iso(c.requestedAt), last_sender_message_timestamp: null,
        }),
        is_final: c.final[i],
        window_closes_at: iso(`${c.closes[i]} 00:00:00`),
      });
    });
  });
});
