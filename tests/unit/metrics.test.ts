/**
 * Python-compatible rounding of percentages (spec §6.2, §7.4 M17), checked on DuckDB against known Python results
 * and against a reference built from JavaScript's exact toFixed with ties sent to even.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { percentage, pythonRound } from "../../includes/metrics";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open(path.join(tempDir("metrics"), "m.duckdb"), { datasets });
});
afterAll(() => warehouse.close());

/** Python's round(x, d) for x ≥ 0: toFixed rounds the exact binary value half up; exact ties go to even instead. */
function pythonRoundReference(x: number, digits: number): number {
  const up = Number(x.toFixed(digits));
  const scaled = x * 2 ** (digits + 1); // exact: a power-of-two multiple
  const isExactTie = Number.isInteger(scaled) && scaled % 2 === 1 && Math.abs(x * 10 ** digits - Math.floor(x * 10 ** digits) - 0.5) < 1e-9;
  if (!isExactTie) return up;
  const floor = Math.floor(x * 10 ** digits);
  return (floor % 2 === 0 ? floor : floor + 1) / 10 ** digits;
}

describe("percentage rounding", () => {
  it("matches Python's round() on the spec's ties and near-ties", async () => {
    // Values printed by Python 3 for round(p / d * 100, 1) and round(p / d * 100, 2).
    const cases: [number, number, number, number][] = [
      [1, 16, 6.2, 6.25], [3, 16, 18.8, 18.75], [5, 16, 31.2, 31.25], [1, 80, 1.2, 1.25], [3, 40, 7.5, 7.5],
      [1, 3, 33.3, 33.33], [2, 3, 66.7, 66.67], [5, 9, 55.6, 55.56], [7, 12, 58.3, 58.33], [1, 8, 12.5, 12.5],
      [1, 2000, 0.1, 0.05], [3, 2000, 0.1, 0.15], [7, 2000, 0.4, 0.35], [11, 40, 27.5, 27.5],
    ];
    const select = cases.map(([p, d], i) => `${percentage(String(p), String(d), 1)} as a${i}, ${percentage(String(p), String(d), 2)} as b${i}`).join(", ");
    const [row] = await warehouse.rows(`select ${select}`);
    cases.forEach(([p, d, one, two], i) => {
      expect(row![`a${i}`], `${p}/${d} to 1 dp`).toBe(one);
      expect(row![`b${i}`], `${p}/${d} to 2 dp`).toBe(two);
    });
  });

  it("gives NULL on a zero denominator and 0.0 on a zero portion", async () => {
    expect(await warehouse.scalar(`select ${percentage("0", "0", 1)}`)).toBe(null);
    expect(await warehouse.scalar(`select ${percentage("0", "7", 1)}`)).toBe(0);
    expect(await warehouse.scalar(`select ${pythonRound("null", 1)}`)).toBe(null);
  });

  it("agrees with the reference for every portion of every denominator up to 400", async () => {
    const rows = await warehouse.rows<{ p: number; d: number; one: number; two: number; x: number }>(`
      select p, d, (cast(p as double) / d) * 100 as x, ${percentage("p", "d", 1)} as one, ${percentage("p", "d", 2)} as two
      from range(1, 401) as ds(d), range(0, 401) as ps(p) where p <= d`);
    expect(rows.length).toBeGreaterThan(80_000);
    const wrong = rows.filter((r) => r.one !== pythonRoundReference(r.x, 1) || r.two !== pythonRoundReference(r.x, 2)).slice(0, 5);
    expect(wrong).toEqual([]);
  });
});
