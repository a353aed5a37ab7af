/**
 * Spec §7.4 practice metric scenarios M1-M17 as SQL scenario tests on DuckDB: Spine rows that classify into the
 * scenario's outcomes go in, practice_metrics_monthly comes out. Each scenario has a practice of its own, so one
 * warehouse and one graph run serve them all. Also: the nearest-rank percentiles, the zero-filled months, the
 * organisation attribution and is_final.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { integrated, OUTCOMES, Outcome, runMetricGraph, transfersOf } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse, SpineRow } from "../support/warehouse";

const MARCH = "2021-03-04 09:00";
const DAY = 86_400;

/** Practice ODS code → the transfers it requests (all in March 2021 unless the builder says otherwise). */
const PRACTICES: Record<string, (asid: string) => SpineRow[]> = {};
const asidOf = (ods: string) => `9${String(Object.keys(PRACTICES).indexOf(ods) + 1).padStart(11, "0")}`;

function practice(ods: string, build: (asid: string) => SpineRow[]): void {
  PRACTICES[ods] = build;
}
const outcomes = (ods: string, list: Outcome[], at = MARCH) => practice(ods, (asid) => transfersOf(ods, list, at, asid));
const slas = (ods: string, seconds: number[], extra: Outcome[] = []) =>
  practice(ods, (asid) => [
    ...seconds.flatMap((sla, i) => integrated({ id: `${ods}-${i + 1}`, at: `2021-03-0${1 + (i % 9)} 09:00`, requester: asid }, sla)),
    ...transfersOf(`${ods}-x`, extra, "2021-03-20 09:00", asid),
  ]);

// M1-M5: one integrated transfer each, at the band boundaries
slas("M01", [259_199]);
slas("M02", [259_200]);
slas("M03", [259_201]);
slas("M04", [691_200]);
slas("M05", [691_201]);
// M6: band counts over several durations; a null sla (TNI) counts in no band
slas("M06A", [1 * DAY, 2 * DAY, 4 * DAY], ["TNI"]);
slas("M06B", [2 * DAY, 4 * DAY, 5 * DAY, 9 * DAY]);
slas("M06C", [4 * DAY, 9 * DAY, 10 * DAY]);
outcomes("M07", ["ON3", "ON8", "ON8", "FINAL", "RNA", "CNS", "TNI", "LATE", "TNIWE"]);
outcomes("M08", ["ON3", "ON3", "ON3", "ON8", "FINAL", "RNA", "CNS", "TNI", "LATE", "TNIWE"]);
outcomes("M09", ["ON8", "FINAL", "RNA", "CNS", "TNI", "LATE", "TNIWE"]);
outcomes("M10", ["ON3", "FINAL", "RNA", "CNS", "COPCNS", "COPCNS", "COPCNA", "FATAL", "TNI", "TNIWE"]);
outcomes("M11", ["ON3", "FINAL", "TNIWE"]);
outcomes("M12", ["ON3"], "2021-02-10 09:00"); // nothing in March
outcomes("M13", ["ON3"]);
outcomes("M14", ["ON3", "ON3", "TNI", "TNI", "TNI"]);
outcomes("M15", ["ON3", "ON8", "LATE", "TNI", "FINAL", "RNA", "CNS", "FATAL", "COPCNS", "COPCNA", "TNIWE", "AMB"]);
practice("M16", (asid) => [...transfersOf("M16-JUL", ["LATE"], "2021-07-05 09:00", asid), ...transfersOf("M16-AUG", ["ON3", "LATE"], "2021-08-02 09:00", asid)]);
// M17: 1, 3 and 5 of 16 received
outcomes("M17A", [...Array<Outcome>(1).fill("TNI"), ...Array<Outcome>(15).fill("RNA")]);
outcomes("M17B", [...Array<Outcome>(3).fill("TNI"), ...Array<Outcome>(13).fill("RNA")]);
outcomes("M17C", [...Array<Outcome>(5).fill("TNI"), ...Array<Outcome>(11).fill("RNA")]);
// percentiles: integrated durations (one late), plus a final error (which has an sla) and a TNI, neither counted
slas("PCT4", [300, 100, 691_201, 200], ["FINAL", "TNI"]);
slas("PCT10", [7000, 3000, 10000, 1000, 5000, 2000, 9000, 4000, 8000, 6000]);
slas("PCT1", [777]);
// attribution: a transfer in March (January reference data) and a later one (August reference data: renamed, moved)
practice("ORG", (asid) => [...transfersOf("ORG-MAR", ["ON3"], MARCH, asid), ...transfersOf("ORG-AUG", ["TNI"], "2021-08-01 09:00", asid)]);
// a practice in no SICBL: kept, flagged
outcomes("NOSICBL", ["ON3"]);

let warehouse: Warehouse;
type Row = Record<string, unknown>;
let rows: Row[];
const row = (ods: string, month = "2021-03-01") => {
  const found = rows.filter((r) => r.practice_ods_code === ods && String(r.metric_month).startsWith(month));
  expect(found, `${ods} ${month}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  warehouse = await openTestWarehouse("metrics-practice");
  const codes = Object.keys(PRACTICES);
  await insertSpineRows(warehouse, codes.flatMap((ods) => PRACTICES[ods]!(asidOf(ods))), "2021-03-04_spine_messages.csv");
  const reference = (renamed: boolean) =>
    codes.map((ods) => ({ odsCode: ods, name: ods === "ORG" && renamed ? "Practice Latest" : `Practice ${ods}`, asids: [asidOf(ods)] }));
  const members = (renamed: boolean) => codes.filter((c) => c !== "NOSICBL" && !(renamed && c === "ORG"));
  await insertReference(warehouse, "2021-01", reference(false), [{ odsCode: "01A", name: "SICBL One", practices: members(false) }]);
  await insertReference(warehouse, "2021-08", reference(true), [
    { odsCode: "01A", name: "SICBL One", practices: members(true) },
    { odsCode: "LATEST1", name: "SICBL Latest", practices: ["ORG"] },
  ]);
  await runMetricGraph(warehouse);
  rows = await warehouse.rows("select * from gp2gp_marts.practice_metrics_monthly order by practice_ods_code, metric_month");
});

afterAll(() => warehouse?.close());

/** requested, received, received%, w3, w3%, w8, w8%, not within 8, %, failures, % (the §7.4 column order). */
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

describe("test support", () => {
  it("builds transfers that classify into each §7.4 outcome", async () => {
    const kinds = ["ON3", "ON8", "LATE", "TNI", "FINAL", "RNA", "CNS", "FATAL", "COPCNS", "COPCNA", "TNIWE", "AMB"] as const;
    const classified = await warehouse.rows(
      "select conversation_id, status, failure_reason, sla_duration from gp2gp_marts.transfers where cutoff_days = 14 and conversation_id like 'M15-%' order by date_requested",
    );
    expect(classified).toEqual(kinds.map((kind, i) => ({ conversation_id: `M15-${i + 1}`, ...OUTCOMES[kind] })));
  });
});

describe("SLA bands (M1-M6)", () => {
  it.each([
    ["M1", "M01", 259_199, [1, 0, 0]],
    ["M2", "M02", 259_200, [1, 0, 0]],
    ["M3", "M03", 259_201, [0, 1, 0]],
    ["M4", "M04", 691_200, [0, 1, 0]],
    ["M5", "M05", 691_201, [0, 0, 1]],
  ] as const)("%s: sla %s s", (_id, ods, _sla, [w3, w8, beyond]) => {
    const r = row(ods);
    expect([r.integrated_within_3_days_count, r.integrated_within_8_days_count, r.integrated_late_count]).toEqual([w3, w8, beyond]);
    expect(r.integrated_total_count).toBe(1);
  });

  it("M6: 1d, 2d, 4d → within 3 days 2; 2d, 4d, 5d, 9d → within 3-8 days 2; 4d, 9d, 10d → beyond 8 days 2; a null sla in no band", () => {
    expect(row("M06A").integrated_within_3_days_count).toBe(2);
    expect(row("M06A").integrated_total_count).toBe(3);
    expect(row("M06A").requested_count).toBe(4);
    expect(row("M06B").integrated_within_8_days_count).toBe(2);
    expect(row("M06C").integrated_late_count).toBe(2);
    expect(row("M06C").integrated_total_count).toBe(3);
  });
});

describe("practice month metrics (M7-M15, M17)", () => {
  it.each([
    ["M7", "M07", [9, 5, 55.6, 1, 20.0, 2, 40.0, 2, 40.0, 4, 44.4]],
    ["M8", "M08", [10, 6, 60.0, 3, 50.0, 1, 16.7, 2, 33.3, 4, 40.0]],
    ["M9", "M09", [7, 3, 42.9, 0, 0.0, 1, 33.3, 2, 66.7, 4, 57.1]],
    ["M10", "M10", [10, 2, 20.0, 1, 50.0, 0, 0.0, 1, 50.0, 8, 80.0]],
    ["M11", "M11", [3, 1, 33.3, 1, 100.0, 0, 0.0, 0, 0.0, 2, 66.7]],
    ["M12", "M12", [0, 0, null, 0, null, 0, null, 0, null, 0, null]],
    ["M13", "M13", [1, 1, 100.0, 1, 100.0, 0, 0.0, 0, 0.0, 0, 0.0]],
    ["M14", "M14", [5, 5, 100.0, 2, 40.0, 0, 0.0, 3, 60.0, 0, 0.0]],
    ["M15", "M15", [12, 4, 33.3, 1, 25.0, 1, 25.0, 2, 50.0, 8, 66.7]],
  ] as const)("%s", (_id, ods, expected) => {
    expect(fields(row(ods))).toEqual(expected);
  });

  it("M10: technical 7, unclassified 1, with their failure reasons", () => {
    const r = row("M10");
    expect([r.technical_failure_count, r.unclassified_failure_count]).toEqual([7, 1]);
    expect([r.final_error_count, r.request_not_acknowledged_count, r.core_extract_not_sent_count, r.copc_not_sent_count, r.copc_not_acknowledged_count, r.contains_fatal_sender_error_count]).toEqual([1, 1, 1, 2, 1, 1]);
    expect(r.transferred_not_integrated_with_error_count).toBe(1);
  });

  it("M15: one of each status and failure reason column", () => {
    const r = row("M15");
    expect({
      on: r.integrated_on_time_count,
      process: r.process_failure_count,
      technical: r.technical_failure_count,
      unclassified: r.unclassified_failure_count,
      late: r.integrated_late_count,
      tni: r.transferred_not_integrated_count,
      final: r.final_error_count,
      rna: r.request_not_acknowledged_count,
      cns: r.core_extract_not_sent_count,
      fatal: r.contains_fatal_sender_error_count,
      copcns: r.copc_not_sent_count,
      copcna: r.copc_not_acknowledged_count,
      tniwe: r.transferred_not_integrated_with_error_count,
      amb: r.ambiguous_copc_count,
    }).toEqual({ on: 2, process: 2, technical: 6, unclassified: 2, late: 1, tni: 1, final: 1, rna: 1, cns: 1, fatal: 1, copcns: 1, copcna: 1, tniwe: 1, amb: 1 });
  });

  it("M17: 1/16, 3/16, 5/16 round half to even: 6.2, 18.8, 31.2 (and 15/16, 13/16, 11/16: 93.8, 81.2, 68.8)", () => {
    expect(["M17A", "M17B", "M17C"].map((ods) => row(ods).received_percent_of_requested)).toEqual([6.2, 18.8, 31.2]);
    expect(["M17A", "M17B", "M17C"].map((ods) => row(ods).failures_total_percent_of_requested)).toEqual([93.8, 81.2, 68.8]);
  });
});

describe("months", () => {
  it("M16: July: integrated total 1, within 3 days 0, beyond 8 days 1; August: integrated total 2, within 3 days 1, beyond 8 days 1", () => {
    const july = row("M16", "2021-07");
    const august = row("M16", "2021-08");
    expect([july.integrated_total_count, july.integrated_within_3_days_count, july.integrated_late_count]).toEqual([1, 0, 1]);
    expect([august.integrated_total_count, august.integrated_within_3_days_count, august.integrated_late_count]).toEqual([2, 1, 1]);
  });

  it("gives every practice a row for every month from its first month with a transfer to the latest month in the data", () => {
    const months = (ods: string) => rows.filter((r) => r.practice_ods_code === ods).map((r) => String(r.metric_month).slice(0, 7));
    expect(months("M12")).toEqual(["2021-02", "2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08"]);
    expect(months("M07")).toEqual(["2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08"]);
    expect(months("M16")).toEqual(["2021-07", "2021-08"]);
    const empty = row("M07", "2021-05");
    expect(fields(empty)).toEqual([0, 0, null, 0, null, 0, null, 0, null, 0, null]);
    expect([empty.sla_duration_median_seconds, empty.month_first_conversation_id, empty.month_latest_practice_name]).toEqual([null, null, null]);
  });

  it("is_final: FALSE while a transfer is provisional or the data has not run past the month's end + 14 days", () => {
    // The latest message is M16's August integration (2021-08-10): March is final; July's only transfer is final
    // but July is not over + 14 days; August's transfers are still provisional.
    expect(row("M07").is_final).toBe(true);
    expect(row("M07", "2021-05").is_final).toBe(true);
    const july = row("M16", "2021-07");
    expect([july.provisional_count, july.is_final]).toEqual([0, false]);
    const august = row("M16", "2021-08");
    expect([august.provisional_count, august.is_final]).toEqual([2, false]);
  });
});

describe("integration time percentiles (nearest rank)", () => {
  it.each([
    ["4 durations, one late; a final error and a TNI not counted", "PCT4", 200, 691_201],
    ["10 durations", "PCT10", 5000, 9000],
    ["1 duration", "PCT1", 777, 777],
    ["none integrated", "M12", null, null],
  ] as const)("%s", (_title, ods, median, p90) => {
    const r = row(ods);
    expect([r.sla_duration_median_seconds, r.sla_duration_p90_seconds]).toEqual([median, p90]);
  });
});

describe("organisation attribution", () => {
  it("names every row of a practice from its latest transfer in the data; the month columns keep each month's own", () => {
    for (const month of ["2021-03", "2021-08"]) {
      const r = row("ORG", month);
      expect([r.practice_name, r.sicbl_ods_code, r.sicbl_name, r.latest_transfer_lacks_sicbl]).toEqual(["Practice Latest", "LATEST1", "SICBL Latest", false]);
      expect(r.latest_requested_at).toBe("2021-08-01T09:00:00.000Z");
    }
    const march = row("ORG", "2021-03");
    expect([march.month_latest_practice_name, march.month_latest_sicbl_ods_code, march.month_first_conversation_id]).toEqual(["Practice ORG", "01A", "ORG-MAR-1"]);
  });

  it("keeps a practice whose latest transfer has no SICBL, flagged", () => {
    const r = row("NOSICBL");
    expect([r.requested_count, r.sicbl_ods_code, r.latest_transfer_lacks_sicbl]).toEqual([1, null, true]);
  });

  it("orders a month's first and latest transfer by date_requested, then conversation_id", async () => {
    const r = row("M07");
    expect([r.month_first_conversation_id, r.month_first_requested_at, r.month_latest_requested_at]).toEqual(["M07-1", "2021-03-04T09:00:00.000Z", "2021-03-04T09:08:00.000Z"]);
  });
});

describe("identities", () => {
  it("hold on every row: requested = received + failures; received = within 3 + within 3-8 + not within 8 days", () => {
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      const n = (c: string) => Number(r[c]);
      expect(n("requested_count"), String(r.practice_ods_code)).toBe(n("received_count") + n("failures_total_count"));
      expect(n("received_count")).toBe(n("integrated_within_3_days_count") + n("integrated_within_8_days_count") + n("not_integrated_within_8_days_total"));
    }
  });

  it("leaves out transfers whose practice has no ODS code", () => {
    expect(rows.every((r) => r.practice_ods_code !== null)).toBe(true);
  });
});
