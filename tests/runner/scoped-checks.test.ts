/**
 * Checks scoped to a run (includes/checks.ts, the assertion_scope var that the pipeline sets): after an incremental
 * run, the built-in checks of the incremental models and transfers__miss_a_cutoff read only the rows that run wrote,
 * so a bad row among them fails the check and a bad row elsewhere is found only with whole-table checks
 * (`gp2gp run --full-checks`, a full refresh, a first build).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { compileForWarehouse, runPipeline } from "../../scripts/lib/pipeline";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import { transfersOf, watermarkRow } from "../support/transfers";
import { insertSpineRows, openTestWarehouse } from "../support/warehouse";

const UNIQUE = "gp2gp_marts_transfers_assertions_uniqueKey_0";
const ROWS = "gp2gp_marts_transfers_assertions_rowConditions";
const CUTOFFS = "transfers__miss_a_cutoff";
const DAILY_UNIQUE = "gp2gp_marts_technical_failures_assertions_uniqueKey_0";
let warehouse: Warehouse;

/**
 * Runs the graph as the pipeline compiles it for this warehouse (the whole graph: a run checks whole tables while an
 * incremental table of the graph is missing, as on a first build).
 */
async function build(options: { fullRefresh?: boolean } = {}) {
  const summary = await runPipeline({
    engine: "duckdb",
    database: warehouse.path,
    warehouse,
    reporter: new SilentReporter(),
    fullRefresh: options.fullRefresh,
    selection: { includeTests: false },
  });
  expect(summary.outcomes.filter((o) => o.status === "failed").map((o) => `${o.action.name}: ${o.error}`)).toEqual([]);
  return summary;
}

/** Runs one assertion as `gp2gp run --actions <assertion> [--full-checks]` would: its status and failing rows. */
async function check(assertion: string, fullChecks = false): Promise<{ status: string; rows: number }> {
  const summary = await runPipeline({
    engine: "duckdb",
    database: warehouse.path,
    warehouse,
    reporter: new SilentReporter(),
    fullChecks,
    selection: { actions: [assertion], includeTests: false },
  });
  const outcome = summary.outcomes.find((o) => o.action.name.endsWith(assertion))!;
  return { status: outcome.status, rows: outcome.result?.rows ?? 0 };
}

/** A copy of `conversation`'s transfers row at `cutoff` (a repeated key). */
const repeatRow = (conversation: string, cutoff: number) =>
  warehouse.run(`insert into gp2gp_marts.transfers by name select * from gp2gp_marts.transfers where conversation_id = '${conversation}' and cutoff_days = ${cutoff}`);
const dropRepeats = (conversation: string, cutoff: number) =>
  warehouse.run(
    `delete from gp2gp_marts.transfers where conversation_id = '${conversation}' and cutoff_days = ${cutoff} and rowid > (select min(rowid) from gp2gp_marts.transfers where conversation_id = '${conversation}' and cutoff_days = ${cutoff})`,
  );

beforeAll(async () => {
  warehouse = await openTestWarehouse("scoped-checks");
  // A first build of transfers requested on 1 March, with data up to 20 March (every window of theirs closed), then
  // an incremental run of transfers requested on 21 March: it refreshes the B conversations and computes again the
  // days from 21 March only.
  await insertSpineRows(warehouse, [...transfersOf("A", ["ON3", "FINAL", "TNI"], "2021-03-01 09:00"), watermarkRow("2021-03-20 00:00:00")], "2021-03-20_spine_messages.csv");
  expect((await build()).assertionScope).toBe("table");
  await insertSpineRows(warehouse, [...transfersOf("B", ["ON3", "FINAL", "TNI"], "2021-03-21 09:00"), watermarkRow("2021-03-22 00:00:00")], "2021-03-22_spine_messages.csv");
  expect((await build()).assertionScope).toBe("run");
}, 600_000);

afterAll(() => warehouse?.close());

describe("the graph a run compiles", () => {
  it("checks whole tables on a first build, a full refresh and with full checks, and the rows written otherwise", async () => {
    const scoped = async (...args: Parameters<typeof compileForWarehouse>) =>
      (await compileForWarehouse(...args)).assertions.find((a) => a.target.name === UNIQUE)!.query.includes("classification_progress");
    expect(await scoped(warehouse, {})).toBe(true);
    expect(await scoped(warehouse, {}, true)).toBe(false);
    expect(await scoped(warehouse, {}, false, true)).toBe(false);
    expect(await scoped(warehouse, { assertion_scope: "table" })).toBe(false);
    const empty = await openTestWarehouse("scoped-checks-first-build");
    try {
      expect(await scoped(empty, {})).toBe(false);
    } finally {
      await empty.close();
    }
  });
});

describe("checks scoped to the rows a run wrote", () => {
  it("pass on the rows the incremental run wrote", async () => {
    for (const assertion of [UNIQUE, ROWS, CUTOFFS, DAILY_UNIQUE]) expect(await check(assertion), assertion).toEqual({ status: "passed", rows: 0 });
  });

  it("fail on a repeated key among the rows the run wrote", async () => {
    await repeatRow("B-2", 14);
    try {
      expect(await check(UNIQUE)).toEqual({ status: "failed", rows: 1 });
      expect((await check(CUTOFFS)).status).toBe("failed");
    } finally {
      await dropRepeats("B-2", 14);
    }
  });

  it("fail on a row breaking a row condition among the rows the run wrote", async () => {
    await warehouse.run("update gp2gp_marts.transfers set failure_reason = 'Final error' where conversation_id = 'B-1' and cutoff_days = 14");
    try {
      expect(await check(ROWS)).toEqual({ status: "failed", rows: 1 });
    } finally {
      await warehouse.run("update gp2gp_marts.transfers set failure_reason = null where conversation_id = 'B-1' and cutoff_days = 14");
    }
  });

  it("find a bad row outside the run's rows only with full checks", async () => {
    await repeatRow("A-2", 14);
    await warehouse.run("update gp2gp_marts.transfers set failure_reason = 'Final error' where conversation_id = 'A-1' and cutoff_days = 2");
    try {
      expect(await check(UNIQUE)).toEqual({ status: "passed", rows: 0 });
      expect(await check(ROWS)).toEqual({ status: "passed", rows: 0 });
      expect((await check(CUTOFFS)).status).toBe("passed");
      expect(await check(UNIQUE, true)).toEqual({ status: "failed", rows: 1 });
      expect(await check(ROWS, true)).toEqual({ status: "failed", rows: 1 });
      expect((await check(CUTOFFS, true)).status).toBe("failed");
    } finally {
      await dropRepeats("A-2", 14);
      await warehouse.run("update gp2gp_marts.transfers set failure_reason = null where conversation_id = 'A-1' and cutoff_days = 2");
    }
  });

  it("on a mart kept by day, read the days the run computed again", async () => {
    const repeat = (conversation: string) =>
      warehouse.run(`insert into gp2gp_marts.technical_failures by name select * from gp2gp_marts.technical_failures where conversation_id = '${conversation}' and cutoff_days = 14`);
    const drop = (conversation: string) =>
      warehouse.run(
        `delete from gp2gp_marts.technical_failures where conversation_id = '${conversation}' and cutoff_days = 14 and rowid > (select min(rowid) from gp2gp_marts.technical_failures where conversation_id = '${conversation}' and cutoff_days = 14)`,
      );
    await repeat("A-2");
    try {
      expect((await check(DAILY_UNIQUE)).status).toBe("passed");
      expect((await check(DAILY_UNIQUE, true)).status).toBe("failed");
    } finally {
      await drop("A-2");
    }
    await repeat("B-2");
    try {
      expect((await check(DAILY_UNIQUE)).status).toBe("failed");
    } finally {
      await drop("B-2");
    }
  });

  it("a full refresh rewrites every row, and its checks read whole tables", async () => {
    expect((await build({ fullRefresh: true })).assertionScope).toBe("table");
    for (const assertion of [UNIQUE, ROWS, CUTOFFS]) expect(await check(assertion, true), assertion).toEqual({ status: "passed", rows: 0 });
  }, 300_000);
});
