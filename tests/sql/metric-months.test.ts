/**
 * The month series of the metric marts on DuckDB: it runs from the first to the last month with transfers (a
 * practice's from its own first month), whatever the span, never as a fixed number of months; the data watermark
 * decides which months are final but never adds a month. Message times a loader would refuse (1900-01-01,
 * 9999-12-31) are inserted straight into the raw table, as a load that bypasses the loader would. And the two
 * assertions on the series: national_metrics__miss_a_month_with_transfers and final_months__lie_after_the_watermark,
 * each passing on a good warehouse and failing on a crafted bad one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { runMetricGraph, transferRows, transfersOf, watermarkRow } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph, SpineRow } from "../support/warehouse";

const A = "711111111111";
const B = "722222222222";

/** The real data: practice A in January and March 2021, practice B in March (from A); the data runs to 20 March. */
const REAL: SpineRow[] = [
  ...transfersOf("JAN", ["ON3", "TNI"], "2021-01-11 09:00", A),
  ...transfersOf("MAR-A", ["ON3", "FINAL", "LATE"], "2021-03-02 09:00", A),
  ...transferRows("ON8", { id: "MAR-B-1", at: "2021-03-03 09:00", requester: B, sender: A }),
  watermarkRow("2021-03-20 00:00:00"),
];
/** A lone request (no reply) at 1900-01-01 and one at 9999-12-31, from practice A: each a transfer of its own. */
const REQUEST_1900 = transfersOf("BOGUS-1900", ["RNA"], "1900-01-01 00:00", A);
const REQUEST_9999 = transfersOf("BOGUS-9999", ["RNA"], "9999-12-31 00:00", A);

const REAL_MONTHS = ["2021-01", "2021-02", "2021-03"];

async function warehouseWith(name: string, extra: SpineRow[]): Promise<Warehouse> {
  const warehouse = await openTestWarehouse(name);
  await insertSpineRows(warehouse, REAL, "2021-03-20_spine_messages.csv");
  if (extra.length > 0) await insertSpineRows(warehouse, extra, "2021-03-21_spine_messages.csv");
  // 1900-01 too, so that the 1900 request is practice A's (later months fall back to the latest earlier month loaded)
  for (const month of ["1900-01", "2021-01", "2021-03"]) {
    await insertReference(
      warehouse,
      month,
      [
        { odsCode: "A11111", name: "Practice A", asids: [A] },
        { odsCode: "B22222", name: "Practice B", asids: [B] },
      ],
      [{ odsCode: "01A", name: "SICBL One", practices: ["A11111", "B22222"] }],
    );
  }
  // every metric mart and the assertions on them; a failing assertion fails the run
  await runMetricGraph(warehouse);
  return warehouse;
}

type NationalMonth = {
  month: string;
  transfer_count: number;
  integrated_on_time_count: number;
  paper_fallback_count: number;
  is_final: boolean;
};

const national = (warehouse: Warehouse, where = "true") =>
  warehouse.rows<NationalMonth>(
    `select strftime(metric_month, '%Y-%m') as month, transfer_count, integrated_on_time_count, paper_fallback_count, is_final
     from gp2gp_marts.national_metrics_monthly where ${where} order by metric_month`,
  );
const count = (warehouse: Warehouse, table: string, where = "true") => warehouse.scalar<number>(`select count(*) from gp2gp_marts.${table} where ${where}`);
const practiceMonths = (warehouse: Warehouse, practice: string) =>
  warehouse.scalar<string>(
    `select min(strftime(metric_month, '%Y-%m')) || '..' || max(strftime(metric_month, '%Y-%m')) || ' ' || count(*)
     from gp2gp_marts.practice_metrics_monthly where practice_ods_code = '${practice}'`,
  );
/** Months from `first` to `last` (YYYY-MM), both included. */
const monthsFromTo = (first: string, last: string) => {
  const [fy, fm] = first.split("-").map(Number) as [number, number];
  const [ly, lm] = last.split("-").map(Number) as [number, number];
  return 12 * (ly - fy) + lm - fm + 1;
};

let clean: Warehouse; // the real data only
let old: Warehouse; // + a lone request at 1900-01-01
let future: Warehouse; // + a message at 9999-12-31 that is not a transfer (it only moves the watermark)
let both: Warehouse; // + lone requests at 1900-01-01 and 9999-12-31

beforeAll(async () => {
  clean = await warehouseWith("metric-months-clean", []);
  old = await warehouseWith("metric-months-1900", REQUEST_1900);
  future = await warehouseWith("metric-months-future-watermark", [watermarkRow("9999-12-31 00:00:00")]);
  both = await warehouseWith("metric-months-1900-9999", [...REQUEST_1900, ...REQUEST_9999]);
}, 300_000);

afterAll(() => [clean, old, future, both].forEach((w) => w?.close()));

describe("the month series runs from the first to the last month with transfers", () => {
  it("on the real data: January to March, February without transfers, March provisional", async () => {
    expect(await national(clean)).toEqual([
      { month: "2021-01", transfer_count: 2, integrated_on_time_count: 1, paper_fallback_count: 1, is_final: true },
      { month: "2021-02", transfer_count: 0, integrated_on_time_count: 0, paper_fallback_count: 0, is_final: true },
      { month: "2021-03", transfer_count: 4, integrated_on_time_count: 2, paper_fallback_count: 2, is_final: false },
    ]);
    expect(await practiceMonths(clean, "A11111")).toBe("2021-01..2021-03 3");
    expect(await practiceMonths(clean, "B22222")).toBe("2021-03..2021-03 1");
  });

  it("a lone request at 1900-01-01 starts the series in 1900 and keeps every real month: 1 455 months, not a fixed 1 000", async () => {
    const rows = await national(old);
    expect(rows).toHaveLength(monthsFromTo("1900-01", "2021-03"));
    expect(rows).toHaveLength(1455);
    expect(rows[0]).toEqual({ month: "1900-01", transfer_count: 1, integrated_on_time_count: 0, paper_fallback_count: 1, is_final: true });
    // the real months are there with the real figures; the months between have no transfers
    expect(rows.slice(-3)).toEqual(await national(clean));
    expect(rows.slice(1, -3).every((r) => r.transfer_count === 0)).toBe(true);
    // practice A's series starts at its own first month with a transfer; B's is untouched
    expect(await practiceMonths(old, "A11111")).toBe("1900-01..2021-03 1455");
    expect(await practiceMonths(old, "B22222")).toBe("2021-03..2021-03 1");
    expect(await count(old, "sicbl_metrics_monthly")).toBe(1455);
  });

  it("a far-future message that is not a transfer adds no month: the watermark only decides which months are final", async () => {
    // The series is the real months'. The watermark (9999-12-31) covers March, so March is final by the rule the
    // marts and final_months__lie_after_the_watermark share: keeping such a row out is the loader's work.
    expect(await national(future)).toEqual((await national(clean)).map((r) => ({ ...r, is_final: true })));
    expect(await count(future, "practice_metrics_monthly")).toBe(4);
  });

  it("lone requests at 1900-01-01 and 9999-12-31 bound the series at both ends, every real month kept", async () => {
    const rows = await national(both);
    expect(rows).toHaveLength(monthsFromTo("1900-01", "9999-12"));
    expect(rows[0]!.month).toBe("1900-01");
    expect(rows.at(-1)).toEqual({ month: "9999-12", transfer_count: 1, integrated_on_time_count: 0, paper_fallback_count: 1, is_final: false });
    expect(await national(both, "metric_month between date '2021-01-01' and date '2021-03-01'")).toEqual(
      (await national(clean)).map((r) => ({ ...r, is_final: true })),
    );
    expect(await count(both, "national_metrics_monthly", "transfer_count > 0")).toBe(4);
    // every practice's series runs from its own first month to the last month with transfers
    expect(await practiceMonths(both, "A11111")).toBe(`1900-01..9999-12 ${monthsFromTo("1900-01", "9999-12")}`);
    expect(await practiceMonths(both, "B22222")).toBe(`2021-03..9999-12 ${monthsFromTo("2021-03", "9999-12")}`);
  });
});

/** Runs one assertion; its status and the rows its view gives. */
async function check(warehouse: Warehouse, assertion: string, columns: string): Promise<{ ok: boolean; rows: Record<string, unknown>[] }> {
  const summary = await runGraph(warehouse, { selection: { actions: [assertion], includeTests: false }, allowFailures: true });
  const outcome = summary.outcomes.find((o) => o.action.name.endsWith(assertion))!;
  expect(outcome.status, assertion).not.toBe("skipped");
  const rows = await warehouse.rows(`select ${columns} from gp2gp_assertions.${assertion} order by all`);
  return { ok: outcome.status !== "failed", rows };
}

describe("national_metrics__miss_a_month_with_transfers", () => {
  const ASSERTION = "national_metrics__miss_a_month_with_transfers";
  const columns = "strftime(metric_month, '%Y-%m') as month, transfer_count, problem";

  it("passes on every warehouse above", async () => {
    for (const warehouse of [clean, old, future, both]) expect(await check(warehouse, ASSERTION, columns)).toEqual({ ok: true, rows: [] });
  });

  it("fails for a month with transfers that has no national row, and for a national row outside the months with transfers (run last: it edits the marts)", async () => {
    await old.run("delete from gp2gp_marts.national_metrics_monthly where metric_month in (date '1900-01-01', date '2021-03-01')");
    await old.run("insert into gp2gp_marts.national_metrics_monthly by name select date '2021-04-01' as metric_month, 0 as transfer_count, 0 as integrated_on_time_count, 0 as paper_fallback_count, 0 as technical_failure_count, 0 as process_failure_integrated_late_count, 0 as process_failure_transferred_not_integrated_count, 0 as unclassified_failure_count, 0 as provisional_count, false as is_final");
    expect(await check(old, ASSERTION, columns)).toEqual({
      ok: false,
      rows: [
        { month: "1900-01", transfer_count: 1, problem: "holds transfers but has no national_metrics_monthly row" },
        { month: "2021-03", transfer_count: 4, problem: "holds transfers but has no national_metrics_monthly row" },
        { month: "2021-04", transfer_count: 0, problem: "national_metrics_monthly row outside the months from the first to the last month with transfers" },
      ],
    });
  });
});

describe("final_months__lie_after_the_watermark", () => {
  const ASSERTION = "final_months__lie_after_the_watermark";
  const columns = "relation, strftime(metric_month, '%Y-%m') as month, row_count, cast(data_watermark_at as varchar) as watermark, cast(final_from as varchar) as final_from";

  it("passes on every warehouse above, the far-future watermark included", async () => {
    for (const warehouse of [clean, old, future, both]) expect(await check(warehouse, ASSERTION, columns)).toEqual({ ok: true, rows: [] });
  });

  it("fails for each mart that marks a month final before the watermark has passed its end plus the cutoff (run last: it edits the marts)", async () => {
    await clean.run("update gp2gp_marts.national_metrics_monthly set is_final = true where metric_month = date '2021-03-01'");
    await clean.run("update gp2gp_marts.practice_metrics_monthly set is_final = true where metric_month = date '2021-03-01' and practice_ods_code = 'B22222'");
    expect(await check(clean, ASSERTION, columns)).toEqual({
      ok: false,
      rows: [
        { relation: "national_metrics_monthly", month: "2021-03", row_count: 1, watermark: "2021-03-20 00:00:00", final_from: "2021-04-15 00:00:00" },
        { relation: "practice_metrics_monthly", month: "2021-03", row_count: 1, watermark: "2021-03-20 00:00:00", final_from: "2021-04-15 00:00:00" },
      ],
    });
  });

  it("fails when the watermark moves back behind months the marts mark final, and passes once they are built again", async () => {
    // The far-future message is gone (its export replaced): the next staging build records the real watermark, and
    // until the marts are built again their March rows are final beyond it.
    await future.run("insert into gp2gp_staged.stg_watermarks values (timestamp '2021-03-20 00:00:00', timestamp '9999-12-31 00:00:00')");
    const stale = await check(future, ASSERTION, "relation, strftime(metric_month, '%Y-%m') as month, row_count");
    expect(stale.ok).toBe(false);
    expect(stale.rows).toEqual([
      { relation: "impact_monthly", month: "2021-03", row_count: 1 },
      { relation: "national_metrics_monthly", month: "2021-03", row_count: 1 },
      { relation: "practice_error_codes_monthly", month: "2021-03", row_count: 1 },
      { relation: "practice_failure_reasons_monthly", month: "2021-03", row_count: 2 },
      { relation: "practice_metrics_monthly", month: "2021-03", row_count: 2 },
      { relation: "sending_practice_metrics_monthly", month: "2021-03", row_count: 1 },
      { relation: "sicbl_metrics_monthly", month: "2021-03", row_count: 1 },
    ]);
    await runGraph(future, {
      selection: { actions: ["national_metrics_monthly", "practice_metrics_monthly", "sending_practice_metrics_monthly", ASSERTION], includeDependents: true, includeTests: false },
    });
    expect(await check(future, ASSERTION, columns)).toEqual({ ok: true, rows: [] });
    expect((await national(future)).map((r) => r.is_final)).toEqual([true, true, false]);
  });
});
