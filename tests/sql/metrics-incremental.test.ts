/**
 * The monthly metric marts kept by month (practice_month_counts), as SQL scenario tests on DuckDB: a daily run
 * computes again only the months whose transfers may have changed, and the marts built from the kept rows still give
 * each practice its latest organisation and its zero-filled months. A kept row is marked (its
 * month_first_requested_at set to a sentinel) between runs: the mark survives while the month is left alone and is
 * gone once the month is computed again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { runMetricGraph, S, transfersOf, watermarkRow } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const P1 = "900000000001";
const P2 = "900000000002";
const P3 = "900000000003";
const UNKNOWN = "900000000099";
const MARKED_P90 = 999_999;
const SENTINEL = "2000-01-01 00:00:00";

type Row = Record<string, unknown>;
let warehouse: Warehouse;
const snapshots: Record<string, { counts: Row[]; practices: Row[]; national: Row[]; sending: Row[]; areas: Row[] }> = {};

const month = (value: unknown) => String(value).slice(0, 7);

async function snapshot(name: string): Promise<void> {
  snapshots[name] = {
    counts: await warehouse.rows(
      "select practice_role, practice_ods_code, metric_month, requested_count, month_first_requested_at from gp2gp_marts.practice_month_counts order by all",
    ),
    practices: await warehouse.rows(
      "select practice_ods_code, metric_month, practice_name, sicbl_ods_code, requested_count, month_first_requested_at, latest_requested_at from gp2gp_marts.practice_metrics_monthly order by all",
    ),
    national: await warehouse.rows("select metric_month, transfer_count, integrated_on_time_count, is_final from gp2gp_marts.national_metrics_monthly order by all"),
    sending: await warehouse.rows("select sending_practice_ods_code, metric_month, requested_count from gp2gp_marts.sending_practice_metrics_monthly order by all"),
    areas: await warehouse.rows(
      "select area_level, area_ods_code, metric_month, sla_duration_p90_seconds, area_practices from gp2gp_marts.area_integration_times order by all",
    ),
  };
}

/** Marks every kept January row, so that a later run shows whether it computed January again. */
async function markJanuary(): Promise<void> {
  await warehouse.run(`update gp2gp_marts.practice_month_counts set month_first_requested_at = timestamp '${SENTINEL}' where metric_month = date '2021-01-01'`);
  await warehouse.run(`update gp2gp_marts.area_integration_times set sla_duration_p90_seconds = ${MARKED_P90} where metric_month = date '2021-01-01'`);
}

beforeAll(async () => {
  warehouse = await openTestWarehouse("metrics-incremental");
  await insertReference(
    warehouse,
    "2021-01",
    [
      { odsCode: "A1", name: "Practice One", asids: [P1] },
      { odsCode: "A2", name: "Practice Two", asids: [P2] },
      { odsCode: "A3", name: "Practice Three", asids: [P3] },
      { odsCode: "SND", name: "Sender", asids: [S] },
    ],
    [
      { odsCode: "01A", name: "SICBL One", practices: ["A1", "A2", "SND"] },
      { odsCode: "03C", name: "SICBL Three", practices: ["A3"] },
    ],
  );
  await insertReference(
    warehouse,
    "2021-03",
    [
      { odsCode: "A1", name: "Practice One Renamed", asids: [P1] },
      { odsCode: "A2", name: "Practice Two", asids: [P2] },
      { odsCode: "A3", name: "Practice Three", asids: [P3] },
      { odsCode: "SND", name: "Sender", asids: [S] },
    ],
    [
      { odsCode: "01A", name: "SICBL One", practices: ["A2", "SND"] },
      { odsCode: "02B", name: "SICBL Two", practices: ["A1"] },
      { odsCode: "03C", name: "SICBL Three", practices: ["A3"] },
    ],
  );

  // day 1: January transfers of both practices; the data runs to 1 March, so January is final
  await insertSpineRows(
    warehouse,
    [...transfersOf("JAN1", ["ON3", "TNI"], "2021-01-05 09:00", P1), ...transfersOf("JAN2", ["RNA"], "2021-01-06 09:00", P2), ...transfersOf("JANX", ["ON3"], "2021-01-07 09:00", UNKNOWN),
      ...transfersOf("JAN3", ["ON3"], "2021-01-08 09:00", P3),
      watermarkRow("2021-03-01 00:00:00")],
    "2021-03-01_spine_messages.csv",
  );
  await runMetricGraph(warehouse);
  await snapshot("first");

  // day 2: a March transfer of practice one (renamed and moved to another SICBL by the March reference data)
  await markJanuary();
  await insertSpineRows(warehouse, transfersOf("MAR1", ["ON3"], "2021-03-02 09:00", P1), "2021-03-02_spine_messages.csv");
  await runMetricGraph(warehouse);
  await snapshot("second");

  // day 3: a late message of a January conversation refreshes it, so January is computed again
  await markJanuary();
  const late = transfersOf("JAN1", ["ON3"], "2021-01-05 09:00", P1).map((r) => ({ ...r, _time: "2021-03-03 10:00:00.000 UTC", GUID: "LATE-COPY" }));
  await insertSpineRows(warehouse, [late.at(-1)!], "2021-03-03_spine_messages.csv");
  await runMetricGraph(warehouse);
  await snapshot("third");
});

afterAll(() => warehouse?.close());

describe("practice_month_counts kept by month", () => {
  it("the first build counts January for both roles and keeps the unknown-practice row apart", () => {
    const counts = snapshots.first!.counts;
    expect(counts.map((r) => [r.practice_role, r.practice_ods_code, month(r.metric_month), r.requested_count])).toEqual([
      ["requesting", "A1", "2021-01", 2],
      ["requesting", "A2", "2021-01", 1],
      ["requesting", "A3", "2021-01", 1],
      ["requesting", null, "2021-01", 1],
      ["sending", "SND", "2021-01", 5],
    ]);
  });

  it("a run whose changes start in March leaves January's kept rows alone", () => {
    const january = snapshots.second!.counts.filter((r) => month(r.metric_month) === "2021-01");
    expect(january).toHaveLength(5);
    for (const r of january) expect(String(r.month_first_requested_at)).toMatch(/^2000-01-01/);
    const march = snapshots.second!.counts.filter((r) => month(r.metric_month) === "2021-03");
    expect(march.map((r) => [r.practice_role, r.practice_ods_code, r.requested_count])).toEqual([
      ["requesting", "A1", 1],
      ["sending", "SND", 1],
    ]);
  });

  it("a refreshed January conversation makes the run compute January again, with the same counts", () => {
    const january = snapshots.third!.counts.filter((r) => month(r.metric_month) === "2021-01");
    expect(january.map((r) => [r.practice_role, r.practice_ods_code, r.requested_count])).toEqual([
      ["requesting", "A1", 2],
      ["requesting", "A2", 1],
      ["requesting", "A3", 1],
      ["requesting", null, 1],
      ["sending", "SND", 5],
    ]);
    for (const r of january) expect(String(r.month_first_requested_at)).not.toMatch(/^2000-01-01/);
  });
});

describe("the marts built from the kept rows", () => {
  it("give practice one its latest organisation on every row, and zero months up to the latest month", () => {
    const practices = snapshots.third!.practices;
    const one = practices.filter((r) => r.practice_ods_code === "A1");
    expect(one.map((r) => [month(r.metric_month), r.practice_name, r.sicbl_ods_code, r.requested_count])).toEqual([
      ["2021-01", "Practice One Renamed", "02B", 2],
      ["2021-02", "Practice One Renamed", "02B", 0],
      ["2021-03", "Practice One Renamed", "02B", 1],
    ]);
    const two = practices.filter((r) => r.practice_ods_code === "A2");
    expect(two.map((r) => [month(r.metric_month), r.practice_name, r.sicbl_ods_code, r.requested_count])).toEqual([
      ["2021-01", "Practice Two", "01A", 1],
      ["2021-02", "Practice Two", "01A", 0],
      ["2021-03", "Practice Two", "01A", 0],
    ]);
  });

  it("count every transfer nationally and by sending practice, January final, February and March not yet (the data has not run past their end plus 14 days)", () => {
    expect(snapshots.third!.national.map((r) => [month(r.metric_month), r.transfer_count, r.integrated_on_time_count, r.is_final])).toEqual([
      ["2021-01", 5, 3, true],
      ["2021-02", 0, 0, false],
      ["2021-03", 1, 1, false],
    ]);
    expect(snapshots.third!.sending.map((r) => [r.sending_practice_ods_code, month(r.metric_month), r.requested_count])).toEqual([
      ["SND", "2021-01", 5],
      ["SND", "2021-03", 1],
    ]);
  });
});

describe("area_integration_times kept by month and by the practices an area holds", () => {
  const rows = (name: string) => snapshots[name]!.areas.map((r) => [r.area_ods_code, month(r.metric_month), r.sla_duration_p90_seconds === MARKED_P90, r.area_practices]);

  it("the first build has a row for each area month with an integrated transfer, with the area's practices", () => {
    expect(rows("first")).toEqual([
      ["01A", "2021-01", false, "A1,A2"],
      ["03C", "2021-01", false, "A3"],
    ]);
  });

  it("a practice moving area computes both areas' months again; an area whose practices stayed keeps its earlier months", () => {
    // practice one's latest transfer (March) puts it in 02B: 01A now holds practice two only, which integrated nothing
    expect(rows("second")).toEqual([
      ["02B", "2021-01", false, "A1"],
      ["02B", "2021-03", false, "A1"],
      ["03C", "2021-01", true, "A3"],
    ]);
  });

  it("a changed January computes every area's January again", () => {
    expect(rows("third")).toEqual([
      ["02B", "2021-01", false, "A1"],
      ["02B", "2021-03", false, "A1"],
      ["03C", "2021-01", false, "A3"],
    ]);
  });
});

/**
 * delay_drivers_monthly kept by month: a run computes again only the months from its first changed request day, and
 * a month that becomes final in a run that changes only later months (no window of it closes) is marked final on its
 * kept rows, as a full rebuild marks it.
 */
describe("delay_drivers_monthly kept by month", () => {
  let drivers: Warehouse;
  const MARK = 999_999;
  const read = () =>
    drivers.rows<{ month: string; driver_kind: string; driver_value: string; transfers: number; is_final: boolean; marked: boolean }>(
      `select strftime(metric_month, '%Y-%m') as month, driver_kind, driver_value, transfers, is_final, median_integration_hours = ${MARK} as marked
       from gp2gp_marts.delay_drivers_monthly order by all`,
    );
  const run = () => runGraph(drivers, { selection: { actions: ["delay_drivers_monthly"], includeDependencies: true, includeTests: false } });

  beforeAll(async () => {
    drivers = await openTestWarehouse("delay-drivers-incremental");
    await insertReference(drivers, "2021-01", [{ odsCode: "A1", name: "Practice One", asids: [P1] }, { odsCode: "SND", name: "Sender", asids: [S] }], [
      { odsCode: "01A", name: "SICBL One", practices: ["A1", "SND"] },
    ]);
  });
  afterAll(() => drivers?.close());

  it("keeps February's rows through a run that changes only March, and marks them final when February becomes final", async () => {
    // February's transfers are final (their 14-day windows closed by 10 March); February is not (that takes 15 March)
    await insertSpineRows(drivers, [...transfersOf("FEB", ["ON3", "TNI"], "2021-02-10 09:00", P1), watermarkRow("2021-03-10 00:00:00")], "2021-03-10_spine_messages.csv");
    expect((await run()).ok).toBe(true);
    const first = await read();
    expect(first.length).toBeGreaterThan(0);
    expect(new Set(first.map((r) => [r.month, r.is_final].join()))).toEqual(new Set(["2021-02,false"]));
    expect(first.filter((r) => r.driver_kind === "supplier pathway").map((r) => r.transfers)).toEqual([2]);

    // a March transfer; the data now runs past 15 March, so February is final though none of its windows closed
    await drivers.run(`update gp2gp_marts.delay_drivers_monthly set median_integration_hours = ${MARK}`);
    await insertSpineRows(drivers, [...transfersOf("MAR", ["ON3"], "2021-03-01 09:00", P1), watermarkRow("2021-03-20 00:00:00")], "2021-03-20_spine_messages.csv");
    expect((await run()).ok).toBe(true);
    const national = await drivers.rows<{ month: string; is_final: boolean }>("select strftime(metric_month, '%Y-%m') as month, is_final from gp2gp_marts.national_metrics_monthly order by 1");
    expect(national).toEqual([
      { month: "2021-02", is_final: true },
      { month: "2021-03", is_final: false },
    ]);
    const second = await read();
    // February kept (still marked), now final; March's final transfer computed afresh
    expect(second.filter((r) => r.month === "2021-02")).toEqual(first.map((r) => ({ ...r, is_final: true, marked: true })));
    expect(second.filter((r) => r.month === "2021-03").every((r) => !r.is_final && !r.marked)).toBe(true);
    expect(second.filter((r) => r.month === "2021-03" && r.driver_kind === "supplier pathway").map((r) => r.transfers)).toEqual([1]);
  });
});
