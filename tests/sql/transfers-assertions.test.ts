/**
 * transfers__miss_a_cutoff on DuckDB: it passes on a classified warehouse and names each conversation whose transfers
 * rows are not exactly one per configured cutoff (a row missing, a cutoff twice in place of another, a row for a
 * conversation that is not a transfer).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { transfersOf, watermarkRow } from "../support/transfers";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const ASSERTION = "transfers__miss_a_cutoff";
let warehouse: Warehouse;

async function check(): Promise<{ ok: boolean; rows: Record<string, unknown>[] }> {
  const summary = await runGraph(warehouse, { selection: { actions: [ASSERTION], includeTests: false }, allowFailures: true });
  const outcome = summary.outcomes.find((o) => o.action.name.endsWith(ASSERTION))!;
  const rows = await warehouse.rows(`select conversation_id, row_count, is_not_a_transfer from gp2gp_assertions.${ASSERTION} order by conversation_id`);
  return { ok: outcome.status !== "failed", rows };
}

beforeAll(async () => {
  warehouse = await openTestWarehouse("transfers-assertions");
  await insertSpineRows(warehouse, [...transfersOf("T", ["ON3", "TNI", "RNA"], "2021-03-01 09:00"), watermarkRow("2021-03-02 00:00:00")], "2021-03-02_spine_messages.csv");
  await runGraph(warehouse, { selection: { actions: ["transfers"], includeDependencies: true, includeTests: false } });
});

afterAll(() => warehouse?.close());

describe(ASSERTION, () => {
  it("passes when every transfer has one row per cutoff", async () => {
    expect(await check()).toEqual({ ok: true, rows: [] });
  });

  it("names a missing row, a cutoff in place of another and a row of a conversation that is not a transfer", async () => {
    await warehouse.run("delete from gp2gp_marts.transfers where conversation_id = 'T-1' and cutoff_days = 2");
    await warehouse.run("update gp2gp_marts.transfers set cutoff_days = 0 where conversation_id = 'T-2' and cutoff_days = 2");
    await warehouse.run(
      `insert into gp2gp_marts.transfers by name
       select * replace ((select conversation_id from gp2gp_correlated.conversations where not starts_with_request) as conversation_id,
                         (select conversation_number from gp2gp_correlated.conversations where not starts_with_request) as conversation_number)
       from gp2gp_marts.transfers where conversation_id = 'T-3' and cutoff_days = 14`,
    );
    const { ok, rows } = await check();
    expect(ok).toBe(false);
    expect(rows).toEqual([
      { conversation_id: "T-1", row_count: 2, is_not_a_transfer: false },
      { conversation_id: "T-2", row_count: 3, is_not_a_transfer: false },
      { conversation_id: "WATERMARK-2021-03-02 00:00:00", row_count: 1, is_not_a_transfer: true },
    ]);
  });
});
