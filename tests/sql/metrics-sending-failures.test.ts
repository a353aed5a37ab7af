/**
 * SQL scenario tests on DuckDB of the per-practice marts behind the practice pages' breakdowns:
 * sending_practice_metrics_monthly (the transfers requested from a practice as the sending, previous practice),
 * practice_failure_reasons_monthly (a requesting practice's transfers not integrated on time, by status and reason)
 * and practice_error_codes_monthly (the error codes in a requesting practice's transfers, with their meanings).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countColumns } from "../../includes/metrics_sql";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { Outcome, transferRows } from "../support/transfers";
import { duckdbGraph, insertReference, insertSpineRows, openTestWarehouse, runGraph, SpineRow } from "../support/warehouse";

const MARTS = ["sending_practice_metrics_monthly", "practice_failure_reasons_monthly", "practice_error_codes_monthly"];
const ASID = { R1: "911111111111", R2: "922222222222", S1: "933333333333", S2: "944444444444", UNKNOWN: "955555555555" } as const;

/** Transfers from `sender` to `requester`, one minute apart from `at`, ids `${prefix}-1`, `${prefix}-2`, … */
function transfers(prefix: string, requester: string, sender: string, outcomes: readonly Outcome[], at: string): SpineRow[] {
  const start = Date.parse(`${at.replace(" ", "T")}Z`);
  return outcomes.flatMap((outcome, i) => transferRows(outcome, { id: `${prefix}-${i + 1}`, at: new Date(start + i * 60_000).toISOString(), requester, sender }));
}

const ROWS: SpineRow[] = [
  // March 2021: S1 is asked 9 times: on time 3, technical 3, process 2, unclassified 1
  ...transfers("S1R1", ASID.R1, ASID.S1, ["ON3", "ON8", "LATE", "TNI", "FINAL", "RNA", "TNIWE"], "2021-03-04 09:00"),
  ...transfers("S1R2", ASID.R2, ASID.S1, ["ON3", "FATAL"], "2021-03-05 09:00"),
  // S2 is asked once and the record is integrated on time
  ...transfers("S2R2", ASID.R2, ASID.S2, ["ON3"], "2021-03-06 09:00"),
  // a sender the reference data does not know: counted for the requesting practice only
  ...transfers("UNK", ASID.R1, ASID.UNKNOWN, ["CNS"], "2021-03-07 09:00"),
  // July: S1 once more (nothing from April to June); the data ends in July, so July is not final
  ...transfers("S1JUL", ASID.R2, ASID.S1, ["TNI"], "2021-07-05 09:00"),
];

let warehouse: Warehouse;
type Row = Record<string, unknown>;
let sending: Row[];
let reasons: Row[];
let codes: Row[];
let practiceMarch: Row[];

beforeAll(async () => {
  warehouse = await openTestWarehouse("metrics-sending-failures");
  await insertSpineRows(warehouse, ROWS, "2021-03-04_spine_messages.csv");
  const practices = (senderName: string) => [
    { odsCode: "R1", name: "Requester One", asids: [ASID.R1] },
    { odsCode: "R2", name: "Requester Two", asids: [ASID.R2] },
    { odsCode: "S1", name: senderName, asids: [ASID.S1] },
    { odsCode: "S2", name: "Sender Two", asids: [ASID.S2] },
  ];
  const sicbls = [
    { odsCode: "01A", name: "SICBL One", practices: ["R1", "R2", "S1"] },
    { odsCode: "02B", name: "SICBL Two", practices: ["S2"] },
  ];
  await insertReference(warehouse, "2021-01", practices("Sender One"), sicbls);
  await insertReference(warehouse, "2021-07", practices("Sender One Renamed"), sicbls);
  const graph = await duckdbGraph();
  const own = graph.assertions.filter((a) => a.parentAction && MARTS.includes(a.parentAction.name)).map((a) => a.target.name);
  expect(own.length, "each mart has its key, non-null and row assertions").toBeGreaterThanOrEqual(MARTS.length * 2);
  await runGraph(warehouse, { selection: { actions: [...MARTS, ...own], includeDependencies: true, includeTests: false } });
  sending = await warehouse.rows("select * from gp2gp_marts.sending_practice_metrics_monthly order by sending_practice_ods_code, metric_month");
  reasons = await warehouse.rows("select * from gp2gp_marts.practice_failure_reasons_monthly order by practice_ods_code, metric_month, status, failure_reason");
  codes = await warehouse.rows("select * from gp2gp_marts.practice_error_codes_monthly order by practice_ods_code, metric_month, error_location, error_code");
  practiceMarch = await warehouse.rows("select * from gp2gp_marts.practice_metrics_monthly where metric_month = date '2021-03-01' order by practice_ods_code");
});

afterAll(() => warehouse?.close());

const month = (r: Row) => String(r.metric_month).slice(0, 7);

describe("sending_practice_metrics_monthly", () => {
  it("counts the transfers requested from each known sending practice, by month, with no empty months", () => {
    expect(sending.map((r) => [r.sending_practice_ods_code, month(r), r.requested_count])).toEqual([
      ["S1", "2021-03", 9],
      ["S1", "2021-07", 1],
      ["S2", "2021-03", 1],
    ]);
  });

  it("splits paper fallback into technical, process and unclassified failures, with 1 dp percentages of requested", () => {
    const r = sending[0]!;
    expect({
      onTime: [r.integrated_on_time_count, r.integrated_on_time_percent],
      paper: [r.paper_fallback_count, r.paper_fallback_percent],
      technical: [r.technical_failure_count, r.technical_failure_percent],
      process: [r.process_failure_count, r.process_failure_percent, r.integrated_late_count, r.transferred_not_integrated_count],
      unclassified: [r.unclassified_failure_count, r.unclassified_failure_percent],
    }).toEqual({
      onTime: [3, 33.3],
      paper: [6, 66.7],
      technical: [3, 33.3],
      process: [2, 22.2, 1, 1],
      unclassified: [1, 11.1],
    });
    const clean = sending[2]!;
    expect([clean.paper_fallback_count, clean.paper_fallback_percent, clean.technical_failure_percent]).toEqual([0, 0, 0]);
  });

  it("names the practice and its Sub ICB Location from the latest transfer requested from it, on every row", () => {
    expect(sending.filter((r) => r.sending_practice_ods_code === "S1").map((r) => [r.sending_practice_name, r.sending_practice_sicbl_ods_code])).toEqual([
      ["Sender One Renamed", "01A"],
      ["Sender One Renamed", "01A"],
    ]);
    expect(sending[2]!.sending_practice_sicbl_name).toBe("SICBL Two");
  });

  it("is final only for a month the data has run past by the cutoff, with no provisional transfer", () => {
    expect(sending.map((r) => [month(r), r.is_final, r.provisional_count])).toEqual([
      ["2021-03", true, 0],
      ["2021-07", false, 1],
      ["2021-03", true, 0],
    ]);
  });

  it("leaves out transfers whose sending practice is unknown", () => {
    expect(sending.reduce((sum, r) => sum + Number(r.requested_count), 0)).toBe(11);
    expect(sending.some((r) => r.sending_practice_ods_code === null)).toBe(false);
  });
});

describe("practice_failure_reasons_monthly", () => {
  it("lists every transfer of a requesting practice not integrated on time, by status and reason, with its share of requested", () => {
    const r1 = reasons.filter((r) => r.practice_ods_code === "R1" && month(r) === "2021-03");
    expect(r1.map((r) => [r.status, r.failure_reason, r.transfer_count, r.requested_count, r.percent_of_requested])).toEqual([
      ["Process failure", "Integrated late", 1, 8, 12.5],
      ["Process failure", "Transferred, not integrated", 1, 8, 12.5],
      ["Technical failure", "Core extract not sent", 1, 8, 12.5],
      ["Technical failure", "Final error", 1, 8, 12.5],
      ["Technical failure", "Request not acknowledged", 1, 8, 12.5],
      ["Unclassified failure", "Transferred, not integrated, with error", 1, 8, 12.5],
    ]);
    expect(r1.every((r) => r.sicbl_ods_code === "01A" && r.is_final === true)).toBe(true);
  });

  it("adds up to the practice metrics' technical, unclassified and process failures", () => {
    for (const practice of practiceMarch) {
      const of = (status: string) =>
        reasons.filter((r) => r.practice_ods_code === practice.practice_ods_code && month(r) === "2021-03" && r.status === status).reduce((sum, r) => sum + Number(r.transfer_count), 0);
      expect([of("Technical failure"), of("Unclassified failure"), of("Process failure")], String(practice.practice_ods_code)).toEqual([
        practice.technical_failure_count,
        practice.unclassified_failure_count,
        practice.process_failure_count,
      ]);
    }
    expect(practiceMarch.map((p) => p.practice_ods_code)).toEqual(["R1", "R2"]);
  });

  it("has no row for transfers integrated on time", () => {
    expect(reasons.some((r) => r.status === "Integrated on time")).toBe(false);
    expect(reasons.filter((r) => r.practice_ods_code === "R2" && month(r) === "2021-03").map((r) => r.failure_reason)).toEqual(["Contains fatal sender error"]);
  });
});

describe("practice_error_codes_monthly", () => {
  it("gives each requesting practice's error codes with where they were seen, their meaning and the failures they came with", () => {
    expect(codes.map((r) => [r.practice_ods_code, month(r), r.error_location, r.error_code, r.short_name, r.description, r.is_known_code, r.transfer_count, r.technical_failure_count, r.unclassified_failure_count])).toEqual([
      ["R1", "2021-03", "final", 28, "Wrong patient", "Non A-B-A EHR Extract Received and rejected due to wrong record or wrong patient", true, 1, 1, 0],
      ["R1", "2021-03", "sender", 20, "Spine error", "Spine system responded with an error", true, 1, 0, 1],
      ["R2", "2021-03", "sender", 10, "Failed to generate", "Failed to successfully generate EHR Extract", true, 1, 1, 0],
    ]);
  });
});

describe("countColumns", () => {
  it("counts only the columns named, in the order named, and refuses a name it does not count", () => {
    expect(countColumns("", ["provisional_count", "requested_count"]).split(",\n").map((item) => item.split(" as ")[1])).toEqual(["provisional_count", "requested_count"]);
    expect(() => countColumns("", ["paper_fallback_count"])).toThrow(/"paper_fallback_count" is not one of the counted columns/);
  });
});
