/**
 * The report include (includes/reports.ts) and its vars: the error-code seed, the deterministic median, counts of
 * nullable conditions, and the impact baseline period; run on DuckDB where the SQL has a value to check.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { parseVars } from "../../includes/config";
import { ERROR_CODES } from "../../includes/constants";
import { alertCutoffs, baselineLabel, errorCodesSeed, impactBaseline, isBaselineMonth, medianOfPositions } from "../../includes/reports";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open(path.join(tempDir("reports-include"), "r.duckdb"), { datasets });
});
afterAll(() => warehouse?.close());

describe("reports include", () => {
  it("seeds the error code table from the constants", async () => {
    const rows = await warehouse.rows(`select * from (${errorCodesSeed()}) as seed order by code`);
    expect(rows).toHaveLength(ERROR_CODES.length);
    expect(rows[0]).toEqual({ code: 6, short_name: "Not at surgery", description: "Patient not at surgery" });
    expect(rows.find((r) => r.code === 13)?.description).toBe("The system's configuration prevents it from processing this message");
  });

  it("takes the middle value of an odd count and the mean of the two middle values of an even count", async () => {
    const median = async (values: number[]) =>
      warehouse.scalar(
        `select ${medianOfPositions("v", "position", "total")} from (
           select v, row_number() over (order by v, i) as position, count(*) over () as total
           from (select unnest([${values.join(", ")}]::double[]) as v, unnest(range(${values.length})) as i)
         ) as ranked`,
      );
    expect(await median([30, 10, 20])).toBe(20);
    expect(await median([40, 10, 20, 30])).toBe(25);
    expect(await median([7])).toBe(7);
    expect(await median([5.39, 5.42])).toBe((5.39 + 5.42) / 2);
  });

  it("reads the impact baseline var as a number of months or a month range", () => {
    expect(impactBaseline("3")).toEqual({ kind: "first_months", months: 3 });
    expect(baselineLabel(impactBaseline("1"))).toBe("first 1 month");
    expect(impactBaseline("2024-01..2024-03")).toEqual({ kind: "range", start: "2024-01", end: "2024-03" });
    expect(isBaselineMonth("m", "r", impactBaseline("2024-01..2024-03"))).toBe("(m between date '2024-01-01' and date '2024-03-01')");
    expect(isBaselineMonth("m", "r", impactBaseline("3"))).toBe("(r <= 3)");
    expect(parseVars({ engine: "duckdb" }).impact_baseline_months).toBe("3");
    expect(() => parseVars({ engine: "duckdb", impact_baseline_months: "2024-03..2024-01" })).toThrow(/var "impact_baseline_months": the range must not end before it starts/);
    expect(() => parseVars({ engine: "duckdb", impact_baseline_months: "Jan" })).toThrow(/var "impact_baseline_months": must be a number of months/);
  });

  it("alerts at the cutoffs 0 and 2 of the configured ones, and keeps the gate out of ordinary runs by default", () => {
    expect(alertCutoffs).toEqual([0, 2]);
    const vars = parseVars({ engine: "duckdb" });
    expect([vars.gate_in_run, vars.gate_max_practices_without_sicbl, vars.alert_min_daily_transfers, vars.alert_baseline_days, vars.alert_baseline_min_days]).toEqual([false, 0, 100, 28, 7]);
    expect(parseVars({ engine: "duckdb", gate_in_run: "true" }).gate_in_run).toBe(true);
    expect(() => parseVars({ engine: "duckdb", gate_in_run: "yes" })).toThrow(/var "gate_in_run"/);
  });
});
