/**
 * technical_failure_rate_daily (the daily technical failure rate, its trailing-median baseline and the alert flag)
 * and impact_monthly (paper fallbacks, staff time and cost, technical failures against a baseline) on a
 * constructed series, with the alert and impact vars set for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { Outcome, runWithVars, TransferSpec, V, warehouseWith, watermarkRow } from "../support/report-transfers";

const VARS = {
  alert_technical_failure_percent: "50",
  alert_baseline_margin_points: "15",
  alert_min_daily_transfers: "5",
  alert_baseline_days: "7",
  alert_baseline_min_days: "3",
  impact_baseline_months: "2024-01..2024-01",
  impact_hours_per_paper_record: "1.5",
  impact_cost_per_hour_gbp: "30",
};

/** EMIS→TPP: per January day, [transfers, technical failures]. */
const SERIES: readonly [day: string, transfers: number, technical: number][] = [
  ["2024-01-01", 10, 1], // 10 %
  ["2024-01-02", 10, 2], // 20 %
  ["2024-01-03", 10, 0], // 0 %
  ["2024-01-04", 10, 2], // 20 %
  ["2024-01-05", 10, 4], // 40 %
  ["2024-01-06", 10, 3], // 30 %
  ["2024-01-07", 2, 2], // 100 %, a tiny day
  ["2024-01-08", 10, 6], // 60 %
  ["2024-01-09", 10, 1], // 10 %
];

function day(date: string, transfers: number, technical: number, prefix = "", sender?: typeof V, late: Outcome = { kind: "on_time" }): TransferSpec[] {
  return Array.from({ length: transfers }, (_, i) => ({
    id: `${prefix}${date}-${i}`,
    at: `${date} ${String(9 + Math.floor(i / 6)).padStart(2, "0")}:${String((i % 6) * 10).padStart(2, "0")}:00`,
    sender,
    outcome: i < technical ? { kind: "request_not_acknowledged" } : late,
  }));
}

const specs: TransferSpec[] = [
  ...SERIES.flatMap(([date, n, technical]) => day(date, n, technical)),
  // A second pathway on 2024-01-08: ten on time (EMIS→Vision), so the 'All' rate that day is 6 of 20.
  ...day("2024-01-08", 10, 0, "rv-", V),
  // February: 9 transfers: 1 technical failure, 2 not integrated, 6 on time.
  ...day("2024-02-05", 7, 1),
  ...day("2024-02-06", 3, 0, "feb-", undefined, { kind: "not_integrated" }).slice(0, 2),
];

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await warehouseWith("alerts-impact", specs, { referenceMonth: "2024-01", extraRows: [watermarkRow("2024-03-20 00:00:00")] });
  await runWithVars(warehouse, VARS);
});
afterAll(() => warehouse?.close());

describe("technical_failure_rate_daily", () => {
  const pathway = (requesting: string, sending: string, cutoff = 0) =>
    warehouse.rows(
      `select cast(request_date as varchar) as day, transfer_count, technical_failure_count, technical_failure_percent, baseline_percent, baseline_day_count,
              is_above_threshold, is_above_baseline, is_alert
       from gp2gp_marts.technical_failure_rate_daily
       where cutoff_days = ${cutoff} and requesting_supplier = '${requesting}' and sending_supplier = '${sending}' and request_date < date '2024-02-01'
       order by request_date`,
    );

  it("has the cutoffs 0 and 2 only, and an 'All' row per day", async () => {
    const cutoffs = await warehouse.rows("select distinct cutoff_days from gp2gp_marts.technical_failure_rate_daily order by 1");
    expect(cutoffs.map((r) => r.cutoff_days)).toEqual([0, 2]);
    const days = await warehouse.scalar("select count(distinct request_date) from gp2gp_marts.technical_failure_rate_daily where requesting_supplier = 'All'");
    expect(days).toBe(11);
  });

  it("takes the baseline as the median of the earlier days in the window (mean of the two middle values when even) and flags alerts", async () => {
    const row = (d: string, n: number, t: number, rate: number, baseline: number | null, days: number, threshold: boolean, above: boolean, alert: boolean) => ({
      day: d,
      transfer_count: n,
      technical_failure_count: t,
      technical_failure_percent: rate,
      baseline_percent: baseline,
      baseline_day_count: days,
      is_above_threshold: threshold,
      is_above_baseline: above,
      is_alert: alert,
    });
    const expected = [
      row("2024-01-01", 10, 1, 10, null, 0, false, false, false),
      row("2024-01-02", 10, 2, 20, null, 1, false, false, false),
      row("2024-01-03", 10, 0, 0, null, 2, false, false, false), // two earlier days: fewer than alert_baseline_min_days
      row("2024-01-04", 10, 2, 20, 10, 3, false, false, false), // median of 10, 20, 0
      row("2024-01-05", 10, 4, 40, 15, 4, false, true, true), // (10 + 20) / 2 of 0, 10, 20, 20; 40 > 15 + 15
      row("2024-01-06", 10, 3, 30, 20, 5, false, false, false), // median of 0, 10, 20, 20, 40
      row("2024-01-07", 2, 2, 100, 20, 6, true, true, false), // (20 + 20) / 2 of 0, 10, 20, 20, 30, 40; above both, but 2 transfers < alert_min_daily_transfers
      row("2024-01-08", 10, 6, 60, 20, 7, true, true, true), // median of 0, 10, 20, 20, 30, 40, 100
      row("2024-01-09", 10, 1, 10, 30, 7, false, false, false), // window 01-02..01-08: 0, 20, 20, 30, 40, 60, 100
    ];
    expect(await pathway("EMIS", "TPP")).toEqual(expected);
    expect(await pathway("EMIS", "TPP", 2)).toEqual(expected);
  });

  it("counts every pathway together on the 'All' rows", async () => {
    const all = await pathway("All", "All");
    expect(all.find((r) => r.day === "2024-01-08")).toEqual({
      day: "2024-01-08",
      transfer_count: 20,
      technical_failure_count: 6,
      technical_failure_percent: 30,
      baseline_percent: 20,
      baseline_day_count: 7,
      is_above_threshold: false,
      is_above_baseline: false,
      is_alert: false,
    });
    const vision = await pathway("EMIS", "Vision");
    expect(vision).toEqual([expect.objectContaining({ day: "2024-01-08", transfer_count: 10, technical_failure_percent: 0, baseline_percent: null, is_alert: false })]);
  });

  it("shows the alert vars it used", async () => {
    const vars = await warehouse.rows(
      "select distinct alert_threshold_percent, alert_baseline_margin_points, alert_min_daily_transfers from gp2gp_marts.technical_failure_rate_daily",
    );
    expect(vars).toEqual([{ alert_threshold_percent: 50, alert_baseline_margin_points: 15, alert_min_daily_transfers: 5 }]);
  });
});

describe("impact_monthly", () => {
  it("estimates paper fallbacks, staff hours and cost from the vars, and compares technical failures with the baseline", async () => {
    const rows = await warehouse.rows(
      `select cast(metric_month as varchar) as month, cutoff_days, is_final, transfer_count, integrated_on_time_count, paper_fallback_count, technical_failure_count,
              is_baseline_month, baseline_period, cast(baseline_start_month as varchar) as baseline_start, cast(baseline_end_month as varchar) as baseline_end,
              baseline_technical_failure_percent, expected_technical_failures, technical_failures_vs_baseline,
              hours_per_paper_record, cost_per_hour_gbp, estimated_staff_hours, estimated_staff_cost_gbp
       from gp2gp_marts.impact_monthly order by metric_month`,
    );
    const common = { cutoff_days: 14, is_final: true, baseline_period: "2024-01..2024-01", baseline_start: "2024-01-01", baseline_end: "2024-01-01", baseline_technical_failure_percent: 22.83, hours_per_paper_record: 1.5, cost_per_hour_gbp: 30 };
    // January: 92 transfers, 21 technical failures (22.83 %), all others on time. February: 9 transfers, 1 technical, 2 not integrated.
    expect(rows).toEqual([
      { month: "2024-01", ...common, transfer_count: 92, integrated_on_time_count: 71, paper_fallback_count: 21, technical_failure_count: 21, is_baseline_month: true, expected_technical_failures: 21, technical_failures_vs_baseline: 0, estimated_staff_hours: 31.5, estimated_staff_cost_gbp: 945 },
      { month: "2024-02", ...common, transfer_count: 9, integrated_on_time_count: 6, paper_fallback_count: 3, technical_failure_count: 1, is_baseline_month: false, expected_technical_failures: 9 * (21 / 92), technical_failures_vs_baseline: 1 - 9 * (21 / 92), estimated_staff_hours: 4.5, estimated_staff_cost_gbp: 135 },
    ].map((r) => ({ ...r, month: `${r.month}-01` })));
  });

  it("takes the first N final months as the baseline, never a provisional month", async () => {
    const baseline = async () =>
      warehouse.rows(
        "select cast(metric_month as varchar) as month, is_baseline_month, baseline_period, cast(baseline_end_month as varchar) as baseline_end, baseline_technical_failure_percent from gp2gp_marts.impact_monthly order by 1",
      );
    const firstTwo = { ...VARS, impact_baseline_months: "2" };
    await runWithVars(warehouse, firstTwo, ["impact_monthly"]);
    expect(await baseline()).toEqual([
      { month: "2024-01-01", is_baseline_month: true, baseline_period: "first 2 months", baseline_end: "2024-02-01", baseline_technical_failure_percent: 21.78 }, // 22 of 101
      { month: "2024-02-01", is_baseline_month: true, baseline_period: "first 2 months", baseline_end: "2024-02-01", baseline_technical_failure_percent: 21.78 },
    ]);
    await warehouse.run("update gp2gp_marts.national_metrics_monthly set is_final = false where metric_month = date '2024-02-01'");
    await runWithVars(warehouse, firstTwo, ["impact_monthly"]);
    expect((await baseline()).map((r) => [r.month, r.is_baseline_month, r.baseline_end, r.baseline_technical_failure_percent])).toEqual([
      ["2024-01-01", true, "2024-01-01", 22.83],
      ["2024-02-01", false, "2024-01-01", 22.83],
    ]);
  });
});
