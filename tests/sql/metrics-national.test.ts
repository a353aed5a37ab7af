/**
 * Spec §7.4 national metric scenarios N1-N7 as SQL scenario tests on DuckDB: national_metrics_monthly has every
 * month, so scenarios N1-N4 and N6 take a month each in one warehouse with N5; N7 shares N5's months and has a
 * warehouse of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { Outcome, R, runMetricGraph, transferRows, transfersOf } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse } from "../support/warehouse";

const X = "555555555555"; // not in the reference data: no practice ODS code

async function warehouseWith(name: string, rows: ReturnType<typeof transfersOf>): Promise<Warehouse> {
  const warehouse = await openTestWarehouse(name);
  await insertSpineRows(warehouse, rows, "spine_messages.csv");
  await insertReference(
    warehouse,
    "2019-01",
    [
      { odsCode: "A11111", name: "Requesting Practice", asids: [R] },
      { odsCode: "C33333", name: "Practice In No SICBL", asids: ["333333333333"] },
    ],
    [{ odsCode: "01A", name: "SICBL One", practices: ["A11111"] }],
  );
  await runMetricGraph(warehouse);
  return warehouse;
}

const on3At = (id: string, at: string) => transferRows("ON3", { id, at });

let main: Warehouse;
let boundary: Warehouse;

beforeAll(async () => {
  const list = (...items: [Outcome, number][]) => items.flatMap(([o, n]) => Array<Outcome>(n).fill(o));
  main = await warehouseWith("metrics-national", [
    // 2019-05: a known practice, an unknown ASID and a practice in no SICBL all count nationally
    ...transfersOf("U1", ["ON3"], "2019-05-02 09:00"),
    ...transfersOf("U2", ["RNA"], "2019-05-03 09:00", X),
    ...transfersOf("U3", ["TNI"], "2019-05-04 09:00", "333333333333"),
    ...transfersOf("N1", list(["ON3", 1], ["ON8", 2], ["TNIWE", 1], ["RNA", 1], ["CNS", 1], ["COPCNS", 2], ["COPCNA", 1], ["FATAL", 1], ["FINAL", 1], ["LATE", 3], ["TNI", 1]), "2019-06-03 09:00"),
    ...transfersOf("N2", ["ON3", "ON3", "FINAL"], "2019-07-03 09:00"),
    ...transfersOf("N3", ["LATE", "LATE", "TNI", "ON3"], "2019-08-03 09:00"),
    ...transfersOf("N4", ["TNIWE", "ON3", "ON3", "ON3"], "2019-09-03 09:00"),
    // N6: no transfers in 2019-10
    // N5: requested 2019-12-14, 2019-11-10, 2020-01-04
    ...on3At("N5-DEC", "2019-12-14 09:00"),
    ...on3At("N5-NOV", "2019-11-10 09:00"),
    ...on3At("N5-JAN", "2020-01-04 09:00"),
  ]);
  boundary = await warehouseWith("metrics-national-n7", [
    ...on3At("N7-NOV", "2019-11-30T23:59:59Z"),
    ...on3At("N7-DEC", "2019-12-01T00:00:00Z"),
    ...on3At("N7-JAN", "2020-01-01T00:00:00Z"),
  ]);
});

afterAll(() => {
  main?.close();
  boundary?.close();
});

async function month(warehouse: Warehouse, first: string): Promise<Record<string, unknown>> {
  const rows = await warehouse.rows(`select * from gp2gp_marts.national_metrics_monthly where metric_month = date '${first}'`);
  expect(rows, first).toHaveLength(1);
  return rows[0]!;
}

/** transferCount, then count (percent) of: integrated on time, paper fallback, technical, integrated late, transferred not integrated, unclassified. */
const figures = (r: Record<string, unknown>) => [
  r.transfer_count,
  [r.integrated_on_time_count, r.integrated_on_time_percent],
  [r.paper_fallback_count, r.paper_fallback_percent],
  [r.technical_failure_count, r.technical_failure_percent],
  [r.process_failure_integrated_late_count, r.process_failure_integrated_late_percent],
  [r.process_failure_transferred_not_integrated_count, r.process_failure_transferred_not_integrated_percent],
  [r.unclassified_failure_count, r.unclassified_failure_percent],
];

describe("national metrics (N1-N7)", () => {
  it.each([
    ["N1", "2019-06-01", [15, [3, 20.0], [12, 80.0], [7, 46.67], [3, 20.0], [1, 6.67], [1, 6.67]]],
    ["N2", "2019-07-01", [3, [2, 66.67], [1, 33.33], [1, 33.33], [0, 0.0], [0, 0.0], [0, 0.0]]],
    ["N3", "2019-08-01", [4, [1, 25.0], [3, 75.0], [0, 0.0], [2, 50.0], [1, 25.0], [0, 0.0]]],
    ["N4", "2019-09-01", [4, [3, 75.0], [1, 25.0], [0, 0.0], [0, 0.0], [0, 0.0], [1, 25.0]]],
    ["N5: only the transfer requested in December", "2019-12-01", [1, [1, 100.0], [0, 0.0], [0, 0.0], [0, 0.0], [0, 0.0], [0, 0.0]]],
    ["N6: a month without transfers", "2019-10-01", [0, [0, null], [0, null], [0, null], [0, null], [0, null], [0, null]]],
  ] as const)("%s", async (_id, first, expected) => {
    expect(figures(await month(main, first))).toEqual(expected);
  });

  it("N7: month boundaries are UTC and end-exclusive (23:59:59 on 30 Nov and 00:00 on 1 Jan are not December)", async () => {
    expect(figures(await month(boundary, "2019-12-01"))).toEqual([1, [1, 100.0], [0, 0.0], [0, 0.0], [0, 0.0], [0, 0.0], [0, 0.0]]);
    expect((await month(boundary, "2019-11-01")).transfer_count).toBe(1);
    expect((await month(boundary, "2020-01-01")).transfer_count).toBe(1);
  });

  it("counts every transfer, those with an unknown practice or a practice in no SICBL included", async () => {
    expect((await month(main, "2019-05-01")).transfer_count).toBe(3);
    const practices = await main.rows<{ requested_count: number }>(
      "select sum(requested_count) as requested_count from gp2gp_marts.practice_metrics_monthly where metric_month = date '2019-05-01'",
    );
    expect(practices[0]!.requested_count).toBe(2);
  });

  it("has every month from the first to the latest month in the data, latest not final", async () => {
    const rows = await main.rows<{ metric_month: string; is_final: boolean }>("select metric_month, is_final from gp2gp_marts.national_metrics_monthly order by metric_month");
    expect(rows.map((r) => r.metric_month.slice(0, 7))).toEqual(["2019-05", "2019-06", "2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12", "2020-01"]);
    // The latest message is 2020-01-07: November is over + 14 days, December is not.
    expect(rows.map((r) => r.is_final)).toEqual([true, true, true, true, true, true, true, false, false]);
  });

  it("paper fallback = technical + process (late + not integrated) + unclassified, every month", async () => {
    const broken = await main.rows(
      `select * from gp2gp_marts.national_metrics_monthly
       where paper_fallback_count != technical_failure_count + process_failure_integrated_late_count + process_failure_transferred_not_integrated_count + unclassified_failure_count
          or transfer_count != integrated_on_time_count + paper_fallback_count`,
    );
    expect(broken).toEqual([]);
  });
});
