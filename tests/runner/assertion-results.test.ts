/**
 * The runner's record of assertion results (gp2gp_marts.run_assertion_results): statuses, failing row counts and
 * samples of a run on DuckDB, retention of the last runs, no record from a dry run, a write failure that warns
 * without failing the run, and the statements the BigQuery executor sends.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { Catalog, typeOf, ZetaSqlAnalyzer } from "../support/zetasql";
import { ASSERTION_RESULT_COLUMNS, AssertionRecord, assertionResultsStatements, RETAINED_RUNS } from "../../scripts/lib/runner/assertion-results";
import { BigQueryClientLike, BigQueryExecutor, QueryJobConfig } from "../../scripts/lib/runner/bigquery";
import { DuckDBExecutor } from "../../scripts/lib/runner/duckdb";
import { buildActions, selectActions } from "../../scripts/lib/runner/graph";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import { runActions } from "../../scripts/lib/runner/runner";
import type { CompiledGraph } from "../../scripts/lib/compile";
import type { Executor } from "../../scripts/lib/runner/types";
import { makeGraph, ref } from "../support/graph";
import { tempDir } from "../support/warehouse";

const open: Warehouse[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

async function newWarehouse(): Promise<Warehouse> {
  const warehouse = await Warehouse.open(path.join(tempDir("assertion-results"), "w.duckdb"));
  open.push(warehouse);
  return warehouse;
}

function run(graph: CompiledGraph, executor: Executor, dryRun = false) {
  return runActions(selectActions(buildActions(graph), {}), executor, { fullRefresh: false, dryRun }, new SilentReporter());
}

/** A source of 10 rows, a passing and a failing check of it, and a check of a table that waits for the failing one. */
const checkedGraph = () =>
  makeGraph(
    [
      { name: "source", query: "select * from range(10) as t(x)" },
      { name: "downstream", query: `select count(*) as n from ${ref("work", "source")}`, dependsOn: ["work.source", "checks.no_big_values"] },
    ],
    [
      { name: "no_negative_values", query: `select x from ${ref("work", "source")} where x < 0`, dependsOn: ["work.source"] },
      { name: "no_big_values", query: `select x from ${ref("work", "source")} where x > 6`, dependsOn: ["work.source"] },
      { name: "downstream_not_empty", query: `select * from ${ref("work", "downstream")} where n = 0`, dependsOn: ["work.downstream"] },
    ],
  );

const RESULTS = "gp2gp_marts.run_assertion_results";

describe("assertion results recorded by the runner", () => {
  it("records passed, failed (with failing rows and a sample) and skipped assertions of a run", async () => {
    const w = await newWarehouse();
    const summary = await run(checkedGraph(), new DuckDBExecutor(w, datasets.marts));
    expect(summary.ok).toBe(false);
    expect(summary.assertionResultsError).toBeUndefined();
    const rows = await w.rows<Record<string, unknown>>(
      `select assertion_dataset, assertion_name, checked_table, status, failing_rows, sample_rows_json, error_message from ${RESULTS} order by assertion_name`,
    );
    expect(rows).toEqual([
      {
        assertion_dataset: "checks",
        assertion_name: "downstream_not_empty",
        checked_table: "work.downstream",
        status: "skipped",
        failing_rows: null,
        sample_rows_json: null,
        error_message: "skipped: depends on work.downstream, which was skipped",
      },
      {
        assertion_dataset: "checks",
        assertion_name: "no_big_values",
        checked_table: "work.source",
        status: "failed",
        failing_rows: 3,
        sample_rows_json: '[{"x":7},{"x":8},{"x":9}]',
        error_message: "assertion failed: 3 row(s)",
      },
      {
        assertion_dataset: "checks",
        assertion_name: "no_negative_values",
        checked_table: "work.source",
        status: "passed",
        failing_rows: 0,
        sample_rows_json: null,
        error_message: null,
      },
    ]);
    const runs = await w.rows<{ runs: number; ordered: boolean }>(
      `select count(distinct run_id) as runs, bool_and(run_started_at <= run_finished_at) as ordered from ${RESULTS}`,
    );
    expect(runs).toEqual([{ runs: 1, ordered: true }]);
  });

  it("appends each run, keeping only the last runs", async () => {
    const w = await newWarehouse();
    await run(checkedGraph(), new DuckDBExecutor(w, datasets.marts));
    await run(checkedGraph(), new DuckDBExecutor(w, datasets.marts));
    expect(await w.scalar(`select count(distinct run_id) from ${RESULTS}`)).toBe(2);
    expect(await w.scalar(`select count(*) from ${RESULTS}`)).toBe(6);

    const executor = new DuckDBExecutor(w, datasets.marts);
    const record = (day: number): AssertionRecord => ({
      run_id: `run-${day}`,
      run_started_at: new Date(Date.UTC(2020, 0, day, 6)),
      run_finished_at: new Date(Date.UTC(2020, 0, day, 7)),
      assertion_name: "it's_checked", // a quote, written as text
      assertion_dataset: "checks",
      checked_table: null,
      status: "passed",
      failing_rows: 0,
      sample_rows_json: null,
      error_message: null,
      seconds: 0.5,
    });
    // Older runs than the two above, written oldest first: each write drops what is beyond the retained runs.
    for (let day = 1; day <= RETAINED_RUNS + 1; day++) await executor.recordAssertionResults([record(day)]);
    const kept = await w.rows<{ run_id: string }>(`select distinct run_id from ${RESULTS} order by run_started_at desc`);
    expect(kept).toHaveLength(RETAINED_RUNS);
    // The two real runs are the newest; of the 31 older ones, the 28 newest stay.
    expect(kept.map((r) => r.run_id).filter((id) => id.startsWith("run-"))).toEqual(
      Array.from({ length: RETAINED_RUNS - 2 }, (_, i) => `run-${RETAINED_RUNS + 1 - i}`),
    );
    expect(await w.scalar(`select assertion_name from ${RESULTS} where run_id = 'run-31'`)).toBe("it's_checked");
  });

  it("records nothing for a dry run, nor for a run of unit tests only", async () => {
    const dry = await newWarehouse();
    await run(checkedGraph(), new DuckDBExecutor(dry, datasets.marts), true);
    expect(await dry.tableExists("gp2gp_marts", "run_assertion_results")).toBe(false);

    const w = await newWarehouse();
    const testsOnly = makeGraph([], [], [{ name: "passes", testQuery: "select 1 as a", expectedOutputQuery: "select 1 as a" }]);
    const summary = await run(testsOnly, new DuckDBExecutor(w, datasets.marts));
    expect(summary.ok).toBe(true);
    expect(await w.scalar(`select count(*) from ${RESULTS}`)).toBe(0);
  });

  it("keeps a passing run passing when the results cannot be written, and says why", async () => {
    const w = await newWarehouse();
    class Unwritable extends DuckDBExecutor {
      override async recordAssertionResults(): Promise<void> {
        throw new Error("disk full");
      }
    }
    const passing = makeGraph(
      [{ name: "source", query: "select 1 as x" }],
      [{ name: "no_negative_values", query: `select x from ${ref("work", "source")} where x < 0`, dependsOn: ["work.source"] }],
    );
    const summary = await run(passing, new Unwritable(w, datasets.marts));
    expect(summary.ok).toBe(true);
    expect(summary.assertionResultsError).toBe(
      "the assertion results of this run were not recorded: gp2gp_marts.run_assertion_results could not be written: disk full",
    );
  });
});

describe("assertion results on BigQuery", () => {
  function fakeClient() {
    const jobs: QueryJobConfig[] = [];
    const client: BigQueryClientLike = {
      async createQueryJob(config) {
        jobs.push(config);
        return [{ id: "job", metadata: {}, getQueryResults: async () => [[]], getMetadata: async () => [{}] }];
      },
      async query() {
        return [[]];
      },
    };
    return { client, jobs };
  }

  it("creates the dataset and table at the start of a run, then inserts the results and drops older runs", async () => {
    const fake = fakeClient();
    const executor = new BigQueryExecutor({ client: fake.client, projectId: "job-proj", location: "europe-west2", marts: datasets.marts });
    await executor.prepare(selectActions(buildActions(makeGraph([{ schema: "gp2gp_marts", name: "m", query: "select 1 as x" }])), {}), {
      fullRefresh: false,
      dryRun: false,
    });
    fake.jobs.length = 0;
    await executor.prepareAssertionResults();
    await executor.recordAssertionResults([
      {
        run_id: "r1",
        run_started_at: new Date("2026-09-01T06:00:00.250Z"),
        run_finished_at: new Date("2026-09-01T06:10:00Z"),
        assertion_name: "a",
        assertion_dataset: "gp2gp_assertions",
        checked_table: "gp2gp_marts.m",
        status: "failed",
        failing_rows: 2,
        sample_rows_json: '[{"note":"it\'s"}]',
        error_message: null,
        seconds: 1.5,
      },
    ]);
    const table = "`test-project.gp2gp_marts.run_assertion_results`";
    expect(fake.jobs.map((j) => j.query)).toEqual([
      "create schema if not exists `test-project.gp2gp_marts` options(location='europe-west2')",
      `create table if not exists ${table} (run_id STRING, run_started_at TIMESTAMP, run_finished_at TIMESTAMP, assertion_name STRING, ` +
        "assertion_dataset STRING, checked_table STRING, status STRING, failing_rows INT64, sample_rows_json STRING, error_message STRING, seconds FLOAT64)",
      `insert into ${table} (run_id, run_started_at, run_finished_at, assertion_name, assertion_dataset, checked_table, status, failing_rows, sample_rows_json, error_message, seconds) values\n` +
        "('r1', timestamp '2026-09-01 06:00:00.250', timestamp '2026-09-01 06:10:00.000', 'a', 'gp2gp_assertions', 'gp2gp_marts.m', 'failed', 2, '[{\"note\":\"it\\'s\"}]', cast(null as STRING), 1.5)",
      `delete from ${table} where run_started_at < (select min(run_started_at) from (select distinct run_started_at from ${table} order by run_started_at desc limit 30) as kept_runs)`,
    ]);
    expect(fake.jobs.every((j) => j.location === "europe-west2" && !j.dryRun && j.labels.gp2gp_action === "gp2gp_marts_run_assertion_results")).toBe(true);
  });

  it("sends statements that type-check as BigQuery SQL", async () => {
    const table = "`p.gp2gp_marts.run_assertion_results`";
    const record: AssertionRecord = {
      run_id: "r1",
      run_started_at: new Date("2026-09-01T06:00:00Z"),
      run_finished_at: new Date("2026-09-01T06:10:00Z"),
      assertion_name: "a",
      assertion_dataset: "gp2gp_assertions",
      checked_table: null,
      status: "skipped",
      failing_rows: null,
      sample_rows_json: null,
      error_message: "skipped: depends on x",
      seconds: 0,
    };
    const { create, insert, prune } = assertionResultsStatements("bigquery", table, [record, record]);
    const catalog = new Catalog("p");
    catalog.addTable("p.gp2gp_marts.run_assertion_results", ASSERTION_RESULT_COLUMNS.map(([name, type]) => ({ name, type: typeOf(type) })));
    const analyzer = await ZetaSqlAnalyzer.start();
    try {
      for (const sql of [create, insert!, prune]) expect((await analyzer.analyze(sql, catalog)).error, sql).toBeUndefined();
      // The check can fail: a value of the wrong type for a column is refused.
      expect((await analyzer.analyze(insert!.replace("'r1'", "1"), catalog)).error).toBeDefined();
    } finally {
      await analyzer.close();
    }
  });
});
