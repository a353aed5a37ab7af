/**
 * The SICBL, ICB and region roll-ups of the practice metrics: counts summed over the practices attributed to the
 * area, percentages recomputed from the sums (never averaged), percentiles over the area's transfers, practices
 * with no SICBL (or a SICBL with no ICB) left out of the levels they cannot reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { insertGeography, integrated, runMetricGraph, transfersOf, watermarkRow } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse } from "../support/warehouse";

const asid = (n: number) => `70000000000${n}`;
const MARCH = "2021-03-04 09:00";

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("metrics-areas");
  await insertSpineRows(
    warehouse,
    [
      ...transfersOf("P1", ["ON3", "ON8", "TNI", "FINAL"], MARCH, asid(1)),
      ...integrated({ id: "P2-1", at: MARCH, requester: asid(2) }, 100),
      ...transfersOf("P2-x", ["RNA", "LATE"], MARCH, asid(2)),
      ...transfersOf("P3", ["TNIWE", "ON3"], MARCH, asid(3)),
      ...transfersOf("P3-APR", ["TNI"], "2021-04-05 09:00", asid(3)),
      ...transfersOf("P4", ["ON8"], MARCH, asid(4)),
      ...transfersOf("P5", ["ON3"], MARCH, asid(5)),
      ...transfersOf("P6", ["ON3"], MARCH, asid(6)),
      ...transfersOf("UNKNOWN", ["RNA"], MARCH, "555555555555"),
      watermarkRow("2021-04-20 00:00"),
    ],
    "spine_messages.csv",
  );
  await insertReference(
    warehouse,
    "2021-03",
    [1, 2, 3, 4, 5, 6].map((n) => ({ odsCode: `P${n}`, name: `Practice ${n}`, asids: [asid(n)] })),
    [
      { odsCode: "01A", name: "SICBL One", practices: ["P1", "P2"] },
      { odsCode: "02B", name: "SICBL Two", practices: ["P3"] },
      { odsCode: "03C", name: "SICBL Three", practices: ["P4"] },
      { odsCode: "04D", name: "SICBL Four", practices: ["P5"] },
    ],
  );
  await insertGeography(warehouse, [
    { sicbl: "01A", sicblName: "SICBL One", icb: "Q1", icbName: "ICB One", region: "Y1", regionName: "Region One" },
    { sicbl: "02B", sicblName: "SICBL Two", icb: "Q1", icbName: "ICB One", region: "Y1", regionName: "Region One" },
    { sicbl: "03C", sicblName: "SICBL Three", icb: "Q2", icbName: "ICB Two", region: "Y1", regionName: "Region One" },
  ]);
  await runMetricGraph(warehouse);
});

afterAll(() => warehouse?.close());

type Row = Record<string, unknown>;
async function areaRow(level: "sicbl" | "icb" | "region", code: string, month = "2021-03-01"): Promise<Row> {
  const rows = await warehouse.rows(`select * from gp2gp_marts.${level}_metrics_monthly where ${level}_ods_code = '${code}' and metric_month = date '${month}'`);
  expect(rows, `${level} ${code} ${month}`).toHaveLength(1);
  return rows[0]!;
}

const fields = (r: Row) => [
  r.requested_count,
  r.received_count,
  r.received_percent_of_requested,
  r.integrated_within_3_days_count,
  r.integrated_within_3_days_percent_of_received,
  r.integrated_within_8_days_count,
  r.integrated_within_8_days_percent_of_received,
  r.not_integrated_within_8_days_total,
  r.not_integrated_within_8_days_percent_of_received,
  r.failures_total_count,
  r.failures_total_percent_of_requested,
];

describe("area roll-ups", () => {
  it("SICBL: sums its practices and recomputes the percentages from the sums (71.4, not the average 70.8)", async () => {
    const sicbl = await areaRow("sicbl", "01A");
    expect(fields(sicbl)).toEqual([7, 5, 71.4, 2, 40.0, 1, 20.0, 2, 40.0, 2, 28.6]);
    expect([sicbl.sicbl_name, sicbl.icb_ods_code, sicbl.icb_name, sicbl.region_ods_code, sicbl.region_name]).toEqual(["SICBL One", "Q1", "ICB One", "Y1", "Region One"]);
    expect([sicbl.practice_count, sicbl.requesting_practice_count]).toEqual([2, 2]);
    expect([sicbl.integrated_late_count, sicbl.transferred_not_integrated_count, sicbl.final_error_count, sicbl.request_not_acknowledged_count]).toEqual([1, 1, 1, 1]);
  });

  it("ICB and region: the same fields over their SICBLs' practices", async () => {
    expect(fields(await areaRow("icb", "Q1"))).toEqual([9, 6, 66.7, 3, 50.0, 1, 16.7, 2, 33.3, 3, 33.3]);
    expect(fields(await areaRow("icb", "Q2"))).toEqual([1, 1, 100.0, 0, 0.0, 1, 100.0, 0, 0.0, 0, 0.0]);
    const region = await areaRow("region", "Y1");
    expect(fields(region)).toEqual([10, 7, 70.0, 3, 42.9, 2, 28.6, 2, 28.6, 3, 30.0]);
    expect([region.region_name, region.practice_count]).toEqual(["Region One", 4]);
  });

  it("gives the integrated on time and paper fallback percentages of transfers requested, to 2 dp as England's, NULL when none was requested", async () => {
    const sicbl = await areaRow("sicbl", "01A"); // 7 requested, 3 integrated on time (ON3, ON8 and P2-1's)
    expect([sicbl.integrated_on_time_count, sicbl.integrated_on_time_percent, sicbl.paper_fallback_percent]).toEqual([3, 42.86, 57.14]);
    const region = await areaRow("region", "Y1"); // 10 requested, 5 on time
    expect([region.integrated_on_time_count, region.integrated_on_time_percent, region.paper_fallback_percent]).toEqual([5, 50.0, 50.0]);
    const april = await areaRow("sicbl", "01A", "2021-04-01");
    expect([april.integrated_on_time_percent, april.paper_fallback_percent]).toEqual([null, null]);
  });

  it("takes medians and 90th percentiles over the area's integrated transfers (nearest rank)", async () => {
    const sicbl = await areaRow("sicbl", "01A"); // 100, 259 200, 259 201, 691 201 (late)
    expect([sicbl.sla_duration_median_seconds, sicbl.sla_duration_p90_seconds]).toEqual([259_200, 691_201]);
    const icb = await areaRow("icb", "Q1"); // + 259 200 of P3
    expect([icb.sla_duration_median_seconds, icb.sla_duration_p90_seconds]).toEqual([259_200, 691_201]);
  });

  it("fills months without transfers with zero counts and NULL percentages; is_final needs every practice row final", async () => {
    const april = await areaRow("sicbl", "01A", "2021-04-01");
    expect(fields(april)).toEqual([0, 0, null, 0, null, 0, null, 0, null, 0, null]);
    expect([april.practice_count, april.requesting_practice_count, april.sla_duration_median_seconds, april.is_final]).toEqual([2, 0, null, false]);
    expect((await areaRow("sicbl", "02B", "2021-04-01")).requested_count).toBe(1);
    expect((await areaRow("sicbl", "01A")).is_final).toBe(true);
  });

  it("leaves practices out of the levels they cannot reach: no SICBL → none; a SICBL with no ICB → SICBL only", async () => {
    expect((await areaRow("sicbl", "04D")).requested_count).toBe(1);
    const icbs = await warehouse.rows<{ icb_ods_code: string }>("select distinct icb_ods_code from gp2gp_marts.icb_metrics_monthly order by 1");
    expect(icbs.map((r) => r.icb_ods_code)).toEqual(["Q1", "Q2"]);
    const sicbls = await warehouse.rows<{ sicbl_ods_code: string }>("select distinct sicbl_ods_code from gp2gp_marts.sicbl_metrics_monthly order by 1");
    expect(sicbls.map((r) => r.sicbl_ods_code)).toEqual(["01A", "02B", "03C", "04D"]);
    const national = await warehouse.scalar<number>("select transfer_count from gp2gp_marts.national_metrics_monthly where metric_month = date '2021-03-01'");
    const regional = await warehouse.scalar<number>("select requested_count from gp2gp_marts.region_metrics_monthly where metric_month = date '2021-03-01'");
    expect([national, regional]).toEqual([13, 10]);
  });

  it("holds the identities and equals the sum of its practices on every row (the metric assertions pass)", async () => {
    for (const level of ["sicbl", "icb", "region"] as const) {
      const broken = await warehouse.rows(
        `select * from gp2gp_marts.${level}_metrics_monthly
         where requested_count != received_count + failures_total_count
            or received_count != integrated_within_3_days_count + integrated_within_8_days_count + not_integrated_within_8_days_total`,
      );
      expect(broken, level).toEqual([]);
    }
    for (const assertion of ["area_metrics__do_not_add_up", "practice_metrics__do_not_add_up", "national_metrics__do_not_add_up", "metric_marts__repeat_a_key"]) {
      expect(await warehouse.scalar<number>(`select count(*) from gp2gp_assertions.${assertion}`), assertion).toBe(0);
    }
  });

  it("the assertions catch rows that do not add up (run last: it edits the marts)", async () => {
    await warehouse.run("update gp2gp_marts.practice_metrics_monthly set received_count = received_count + 1 where practice_ods_code = 'P1' and metric_month = date '2021-03-01'");
    await warehouse.run("update gp2gp_marts.national_metrics_monthly set paper_fallback_count = paper_fallback_count + 1 where metric_month = date '2021-04-01'");
    await warehouse.run("insert into gp2gp_marts.region_metrics_monthly select * from gp2gp_marts.region_metrics_monthly where metric_month = date '2021-04-01'");
    expect(await warehouse.rows("select practice_ods_code, metric_month from gp2gp_assertions.practice_metrics__do_not_add_up")).toEqual([
      { practice_ods_code: "P1", metric_month: "2021-03-01T00:00:00.000Z" },
    ]);
    // The SICBL, ICB and region rows of March no longer equal the sum of their practices (P1 was changed).
    const areas = await warehouse.rows<{ level: string; area_ods_code: string }>("select level, area_ods_code from gp2gp_assertions.area_metrics__do_not_add_up order by 1, 2");
    expect(areas.map((r) => `${r.level}: ${r.area_ods_code}`)).toEqual([
      "sum of practices by icb_ods_code: Q1",
      "sum of practices by region_ods_code: Y1",
      "sum of practices by sicbl_ods_code: 01A",
    ]);
    expect(await warehouse.scalar<number>("select count(*) from gp2gp_assertions.national_metrics__do_not_add_up")).toBe(1);
    expect(await warehouse.rows("select mart, key_code from gp2gp_assertions.metric_marts__repeat_a_key")).toEqual([{ mart: "region_metrics_monthly", key_code: "Y1" }]);
  });
});
