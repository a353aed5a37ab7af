import { describe, expect, it } from "vitest";
import { Random, WeightedTable } from "../../scripts/lib/generate/random";

const draw = (rng: Random, n: number) => Array.from({ length: n }, () => rng.uint32());

describe("Random", () => {
  it("repeats the same stream for the same seed and differs for another", () => {
    expect(draw(Random.fromSeed(1), 50)).toEqual(draw(Random.fromSeed(1), 50));
    expect(draw(Random.fromSeed(1), 50)).not.toEqual(draw(Random.fromSeed(2), 50));
  });

  it("derives forks from the labels only, independent of draws already made on the parent", () => {
    const parent = Random.fromSeed(9);
    const before = draw(parent.fork("day", "2024-03-04"), 10);
    draw(parent, 1000);
    expect(draw(parent.fork("day", "2024-03-04"), 10)).toEqual(before);
    expect(draw(parent.fork("day", "2024-03-05"), 10)).not.toEqual(before);
  });

  it("draws uniform values in [0, 1) with the right mean", () => {
    const rng = Random.fromSeed(3);
    let [sum, min, max] = [0, 1, 0];
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it("matches a log-normal distribution to a median and 90th percentile", () => {
    const rng = Random.fromSeed(4);
    const xs = Array.from({ length: 20_000 }, () => rng.fromPercentiles({ median: 15, p90: 86 })).sort((a, b) => a - b);
    expect(xs[10_000]).toBeGreaterThan(14);
    expect(xs[10_000]).toBeLessThan(16);
    expect(xs[18_000]).toBeGreaterThan(80);
    expect(xs[18_000]).toBeLessThan(92);
  });

  it("draws Poisson counts with the requested mean, small and large", () => {
    const rng = Random.fromSeed(5);
    for (const mean of [0.5, 8, 400]) {
      let sum = 0;
      for (let i = 0; i < 5000; i++) sum += rng.poisson(mean);
      expect(sum / 5000).toBeGreaterThan(mean * 0.95);
      expect(sum / 5000).toBeLessThan(mean * 1.05);
    }
  });

  it("makes upper-case version-4 UUID-shaped GUIDs", () => {
    const rng = Random.fromSeed(6);
    const guids = new Set(Array.from({ length: 1000 }, () => rng.guid()));
    expect(guids.size).toBe(1000);
    for (const g of guids) expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});

describe("WeightedTable", () => {
  it("samples in proportion to the weights and never picks a zero weight", () => {
    const table = new WeightedTable(["a", "b", "c", "never"], [1, 2, 7, 0]);
    const rng = Random.fromSeed(7);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, never: 0 };
    for (let i = 0; i < 50_000; i++) counts[table.sample(rng)]++;
    expect(counts.never).toBe(0);
    expect(counts.a / 50_000).toBeCloseTo(0.1, 1);
    expect(counts.c / 50_000).toBeCloseTo(0.7, 1);
  });

  it("refuses unusable weights", () => {
    expect(() => new WeightedTable(["a"], [0])).toThrow(/positive/);
    expect(() => new WeightedTable(["a", "b"], [1])).toThrow(/one weight per item/);
    expect(() => new WeightedTable(["a"], [-1])).toThrow(/non-negative/);
  });
});
