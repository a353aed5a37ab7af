/**
 * The publish gate: the assertions tagged "gate" (compiled disabled, so ordinary runs skip them) evaluated by
 * checkPublishGate, passing and failing with a message that names each failed check; and run with the graph when
 * gate_in_run is true.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { checkPublishGate, describeGate } from "../../scripts/lib/gate";
import { graphWithVars, runWithVars, TransferSpec, V, warehouseWith, watermarkRow } from "../support/report-transfers";

const JANUARY: TransferSpec[] = [
  { id: "jan-1", at: "2024-01-08 09:00:00", outcome: { kind: "on_time" } },
  { id: "jan-2", at: "2024-01-09 09:00:00", outcome: { kind: "not_integrated" } },
  { id: "jan-3", at: "2024-01-10 09:00:00", outcome: { kind: "request_not_acknowledged" } },
  { id: "jan-4", at: "2024-01-11 09:00:00", requester: V, outcome: { kind: "on_time" } },
  { id: "jan-5", at: "2024-01-12 09:00:00", requester: V, outcome: { kind: "final_error", codes: [11] } },
];
const FINAL = { referenceMonth: "2024-01", extraRows: [watermarkRow("2024-02-20 00:00:00")] };
const DEMO = { gate_min_national_transfers: "5" };
/** The gate compiled with the demo threshold (compiled once: checkPublishGate({ vars }) compiles on each call). */
const demo = async () => ({ graph: await graphWithVars(DEMO) });

let complete: Warehouse; // January final, every practice mapped
let provisional: Warehouse; // no month final yet
let unmapped: Warehouse; // January final, practice C33333 in no SICBL

beforeAll(async () => {
  complete = await warehouseWith("gate-complete", JANUARY, FINAL);
  provisional = await warehouseWith("gate-provisional", JANUARY, { referenceMonth: "2024-01" });
  unmapped = await warehouseWith("gate-unmapped", JANUARY, { ...FINAL, unmapped: [V] });
  for (const warehouse of [complete, provisional, unmapped]) await runWithVars(warehouse);
});
afterAll(() => [complete, provisional, unmapped].forEach((w) => w?.close()));

const failedChecks = (result: Awaited<ReturnType<typeof checkPublishGate>>) => result.failures.map((f) => f.check);

describe("publish gate", () => {
  it("passes on a final month with enough transfers (threshold lowered by a var, as for a demo)", async () => {
    const result = await checkPublishGate(complete, { vars: DEMO });
    expect(result).toEqual({
      ok: true,
      failures: [],
      checks: ["gate__latest_final_month_missing_for_practices", "gate__national_transfers_below_minimum", "gate__practices_without_sicbl", "gate__provisional_month_presented_as_final"],
    });
    expect(describeGate(result)).toBe("Publish gate passed (4 checks).");
  });

  it("fails below gate_min_national_transfers (150 000 by default), naming the check", async () => {
    const result = await checkPublishGate(complete, { graph: await graphWithVars() });
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([
      {
        check: "gate__national_transfers_below_minimum",
        message: "national transfers in 2024-01 (the latest final month): 5, below gate_min_national_transfers = 150000",
      },
    ]);
    expect(describeGate(result)).toMatch(/^Publish gate failed \(1 of 4 checks\):\n  gate__national_transfers_below_minimum: national transfers in 2024-01/);
  });

  it("fails when no month is final yet", async () => {
    const result = await checkPublishGate(provisional, await demo());
    expect(failedChecks(result)).toEqual(["gate__latest_final_month_missing_for_practices", "gate__national_transfers_below_minimum"]);
    expect(result.failures[1]!.message).toMatch(/^no metric month is final yet/);
  });

  it("fails for each practice of the latest final month that is not mapped to a Sub-ICB location", async () => {
    const result = await checkPublishGate(unmapped, await demo());
    expect(result.failures).toEqual([
      { check: "gate__practices_without_sicbl", message: "practice C33333 (2 transfers in 2024-01) is not mapped to a Sub-ICB location (1 such practices, more than gate_max_practices_without_sicbl = 0)" },
    ]);
    // A tolerance for the few unmapped practices real reference data has.
    expect((await checkPublishGate(unmapped, { graph: await graphWithVars({ ...DEMO, gate_max_practices_without_sicbl: "1" }) })).ok).toBe(true);
  });

  it("fails when a provisional month is presented as final", async () => {
    await provisional.run("update gp2gp_marts.national_metrics_monthly set is_final = true");
    try {
      const result = await checkPublishGate(provisional, await demo());
      const failure = result.failures.find((f) => f.check === "gate__provisional_month_presented_as_final");
      expect(failure?.message).toBe("national_metrics_monthly presents 2024-01 as final (1 rows) but the loaded data does not yet run past its end plus the 14-day cutoff");
    } finally {
      await provisional.run("update gp2gp_marts.national_metrics_monthly set is_final = false");
    }
  });

  it("fails when transfers of a complete month are still marked provisional (a stale partial run)", async () => {
    await complete.run("update gp2gp_marts.transfers set is_final = false where conversation_id = 'jan-1' and cutoff_days = 14");
    try {
      const result = await checkPublishGate(complete, await demo());
      expect(result.failures).toContainEqual({
        check: "gate__provisional_month_presented_as_final",
        message: "2024-01 is complete in the loaded data but 1 of its transfers at the 14-day cutoff are still marked provisional: run the graph again before publishing",
      });
    } finally {
      await complete.run("update gp2gp_marts.transfers set is_final = true where conversation_id = 'jan-1' and cutoff_days = 14");
    }
  });

  it("says which check could not be evaluated when the marts are missing", async () => {
    await unmapped.run("alter table gp2gp_marts.impact_monthly rename to impact_monthly_away");
    try {
      const result = await checkPublishGate(unmapped, await demo());
      expect(result.failures.find((f) => f.check === "gate__provisional_month_presented_as_final")?.message).toMatch(/^could not be evaluated/);
    } finally {
      await unmapped.run("alter table gp2gp_marts.impact_monthly_away rename to impact_monthly");
    }
  });

  it("is left out of ordinary runs, and runs with the graph when gate_in_run is true", async () => {
    const ordinary = await graphWithVars();
    expect(ordinary.assertions.filter((a) => a.tags?.includes("gate")).every((a) => a.disabled)).toBe(true);
    await expect(runWithVars(complete, { gate_in_run: "true", ...DEMO })).resolves.toMatchObject({ ok: true });
    await expect(runWithVars(complete, { gate_in_run: "true" })).rejects.toThrow(/gate__national_transfers_below_minimum: assertion failed/);
  });
});
