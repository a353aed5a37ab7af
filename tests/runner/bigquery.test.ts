/**
 * The BigQuery executor without BigQuery: the job configurations each action turns into (jobsFor), and the
 * executor's flow against an injected fake client that records every job and answers from canned results.
 */
import { describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { compiledGraphSchema } from "../../scripts/lib/compile";
import { BigQueryClientLike, BigQueryExecutor, formatBytes, jobsFor, labelValue, QueryJobConfig } from "../../scripts/lib/runner/bigquery";
import { ProtectedTableError } from "../../scripts/lib/runner/bigquery-sql";
import { compareResults } from "../../scripts/lib/runner/compare";
import { buildActions } from "../../scripts/lib/runner/graph";
import type { Action, ExecuteOptions, Row } from "../../scripts/lib/runner/types";

const P = "test-proj";
const t = (schema: string, name: string) => ({ database: P, schema, name });
const RUN: ExecuteOptions = { fullRefresh: false, dryRun: false };
const DRY: ExecuteOptions = { fullRefresh: false, dryRun: true };
const FULL: ExecuteOptions = { fullRefresh: true, dryRun: false };
const LOCATION = "europe-west2";

const graph = compiledGraphSchema.parse({
  projectConfig: { defaultDatabase: P, defaultSchema: "marts", assertionSchema: "checks", defaultLocation: LOCATION, vars: { engine: "bigquery", marts_dataset: "marts" } },
  declarations: [{ target: t("raw", "events"), fileName: "definitions/sources/raw.js" }],
  tables: [
    {
      type: "table",
      target: t("marts", "daily"),
      query: "select date(ts) as day, count(*) as n from `test-proj.raw.events` group by 1;\n",
      fileName: "definitions/daily.sqlx",
      dependencyTargets: [t("raw", "events")],
      actionDescriptor: { description: "Daily counts; it's \"daily\"", columns: [{ path: ["day"], description: "The day" }, { path: ["s", "x"], description: "nested" }] },
      bigquery: { partitionBy: "day", clusterBy: ["n"], requirePartitionFilter: true, partitionExpirationDays: 30, labels: { team: "gp2gp" } },
    },
    { type: "view", target: t("marts", "daily_view"), query: "select * from `test-proj.marts.daily`", fileName: "definitions/daily_view.sqlx", dependencyTargets: [t("marts", "daily")] },
    {
      type: "incremental",
      target: t("staged", "messages"),
      query: "select id, ts, body from `test-proj.raw.events`",
      incrementalQuery: "select id, ts, body from `test-proj.raw.events` where ts > (select max(ts) from `test-proj.staged.messages`)",
      preOps: ["select 'pre'"],
      postOps: ["select 'post'"],
      incrementalPreOps: ["delete from `test-proj.staged.messages` where false", "\n  -- nothing when not incremental\n"],
      incrementalPostOps: ["select 'incremental post'"],
      uniqueKey: ["id"],
      protected: true,
      bigquery: { partitionBy: "date(ts)", updatePartitionFilter: "ts > timestamp '2020-01-01'" },
      fileName: "definitions/messages.sqlx",
      dependencyTargets: [t("raw", "events")],
    },
    {
      type: "incremental",
      target: t("staged", "appended"),
      query: "select id from `test-proj.raw.events`",
      incrementalQuery: "select id from `test-proj.raw.events` where id > 10",
      fileName: "definitions/appended.sqlx",
      dependencyTargets: [t("raw", "events")],
    },
  ],
  operations: [{ target: t("marts", "housekeeping"), queries: ["delete from `test-proj.marts.daily` where n = 0", "  ", "select 1"], fileName: "definitions/housekeeping.sqlx" }],
  assertions: [{ target: t("checks", "daily_positive"), query: "select * from `test-proj.marts.daily` where n <= 0", fileName: "definitions/daily.sqlx", dependencyTargets: [t("marts", "daily")] }],
  tests: [{ name: "daily_counts", testQuery: "select 1 as n", expectedOutputQuery: "select 1 as n", fileName: "definitions/tests/daily.sqlx", target: t("marts", "daily_counts") }],
});

const actions = buildActions(graph);
function action<K extends Action["kind"]>(name: string): Action & { kind: K } {
  const found = actions.find((a) => a.name === name);
  if (!found) throw new Error(`no action ${name}`);
  return found as Action & { kind: K };
}
const queries = (jobs: { config: QueryJobConfig }[]) => jobs.map((j) => j.config.query);

describe("jobsFor", () => {
  it("builds a table with partitioning, clustering, options and labels, then sets column descriptions", () => {
    const jobs = jobsFor(action("marts.daily"), RUN, { location: LOCATION, labels: { app: "gp2gp" } });
    expect(jobs.map((j) => j.purpose)).toEqual(["create", "column-descriptions"]);
    const create = jobs[0].config.query;
    expect(create).toMatch(/^create or replace table `test-proj\.marts\.daily`\npartition by day\ncluster by n\noptions\(/);
    expect(create).toContain(`description='Daily counts; it\\'s "daily"'`);
    expect(create).toContain(`labels=[('team', 'gp2gp')]`);
    expect(create).toContain("partition_expiration_days=30");
    expect(create).toContain("require_partition_filter=true");
    // The trailing semicolon of the SQLX is dropped; the query follows AS unchanged.
    expect(create).toMatch(/\nas\nselect date\(ts\) as day, count\(\*\) as n from `test-proj\.raw\.events` group by 1$/);
    expect(jobs[1].config.query).toBe("alter table `test-proj.marts.daily`\n  alter column if exists `day` set options(description='The day')");
    for (const job of jobs) {
      expect(job.config).toMatchObject({ location: LOCATION, useLegacySql: false, labels: { app: "gp2gp", gp2gp_action: "marts_daily" } });
      expect(job.config.dryRun).toBeUndefined();
    }
  });

  it("creates a view, without storage options", () => {
    const jobs = jobsFor(action("marts.daily_view"), RUN, { location: LOCATION });
    expect(queries(jobs)).toEqual(["create or replace view `test-proj.marts.daily_view`\nas\nselect * from `test-proj.marts.daily`"]);
  });

  it("drops a relation of the other kind before creating", () => {
    const asTable = jobsFor(action("marts.daily_view"), RUN, { location: LOCATION, existing: { type: "TABLE", columns: ["day"] } });
    expect(asTable.map((j) => j.purpose)).toEqual(["drop", "create"]);
    expect(asTable[0].config.query).toBe("drop table if exists `test-proj.marts.daily_view`");
    const asView = jobsFor(action("marts.daily"), RUN, { location: LOCATION, existing: { type: "VIEW", columns: [] } });
    expect(asView[0].config.query).toBe("drop view if exists `test-proj.marts.daily`");
  });

  it("builds an incremental table like a table the first time, with its pre- and post-operations", () => {
    const jobs = jobsFor(action("staged.messages"), RUN, { location: LOCATION });
    expect(jobs.map((j) => j.purpose)).toEqual(["pre-op", "create", "post-op"]);
    expect(queries(jobs)).toEqual([
      "select 'pre'",
      "create or replace table `test-proj.staged.messages`\npartition by date(ts)\nas\nselect id, ts, body from `test-proj.raw.events`",
      "select 'post'",
    ]);
  });

  it("merges on the unique key on later runs, with incremental pre/post-operations and the update partition filter", () => {
    const jobs = jobsFor(action("staged.messages"), RUN, { location: LOCATION, existing: { type: "TABLE", columns: ["id", "ts", "body"] } });
    // The blank incremental pre-operation (only a comment) is not sent to BigQuery.
    expect(jobs.map((j) => j.purpose)).toEqual(["pre-op", "merge", "post-op"]);
    expect(jobs[0].config.query).toBe("delete from `test-proj.staged.messages` where false");
    expect(jobs[1].config.query).toBe(
      [
        "merge `test-proj.staged.messages` as DATAFORM_DEST",
        "using (",
        "select id, ts, body from `test-proj.raw.events` where ts > (select max(ts) from `test-proj.staged.messages`)",
        ") as DATAFORM_SOURCE",
        "on DATAFORM_DEST.`id` = DATAFORM_SOURCE.`id`",
        "  and DATAFORM_DEST.ts > timestamp '2020-01-01'",
        "when matched then",
        "  update set `id` = DATAFORM_SOURCE.`id`, `ts` = DATAFORM_SOURCE.`ts`, `body` = DATAFORM_SOURCE.`body`",
        "when not matched then",
        "  insert (`id`, `ts`, `body`) values (DATAFORM_SOURCE.`id`, DATAFORM_SOURCE.`ts`, DATAFORM_SOURCE.`body`)",
      ].join("\n"),
    );
    expect(jobs[2].config.query).toBe("select 'incremental post'");
  });

  it("inserts by column name when an incremental table has no unique key", () => {
    const jobs = jobsFor(action("staged.appended"), RUN, { location: LOCATION, existing: { type: "TABLE", columns: ["id"] } });
    expect(queries(jobs)).toEqual(["insert into `test-proj.staged.appended` (`id`)\nselect `id`\nfrom (\nselect id from `test-proj.raw.events` where id > 10\n) as insertions"]);
  });

  it("rebuilds an unprotected incremental table on a full refresh", () => {
    const jobs = jobsFor(action("staged.appended"), FULL, { location: LOCATION, existing: { type: "TABLE", columns: ["id"] } });
    expect(jobs.map((j) => j.purpose)).toEqual(["create"]);
  });

  it("refuses a full refresh of an existing protected table, and allows its first build", () => {
    const existing = { type: "TABLE" as const, columns: ["id", "ts", "body"] };
    expect(() => jobsFor(action("staged.messages"), FULL, { location: LOCATION, existing })).toThrow(ProtectedTableError);
    expect(() => jobsFor(action("staged.messages"), FULL, { location: LOCATION, existing })).toThrow(/is protected.*without --full-refresh/s);
    expect(jobsFor(action("staged.messages"), FULL, { location: LOCATION }).map((j) => j.purpose)).toContain("create");
  });

  it("runs an operation's non-blank queries in order", () => {
    const jobs = jobsFor(action("marts.housekeeping"), RUN, { location: LOCATION });
    expect(queries(jobs)).toEqual(["delete from `test-proj.marts.daily` where n = 0", "select 1"]);
    expect(jobs.every((j) => j.purpose === "operation")).toBe(true);
  });

  it("keeps an assertion as a view and counts and samples its rows", () => {
    const jobs = jobsFor(action("checks.daily_positive"), RUN, { location: LOCATION });
    expect(jobs.map((j) => j.purpose)).toEqual(["assertion-view", "assertion-count", "assertion-sample"]);
    expect(queries(jobs)).toEqual([
      "create or replace view `test-proj.checks.daily_positive` as\nselect * from `test-proj.marts.daily` where n <= 0",
      "select count(*) as failing_rows from (\nselect * from `test-proj.marts.daily` where n <= 0\n) as assertion_rows",
      "select * from (\nselect * from `test-proj.marts.daily` where n <= 0\n) as assertion_rows limit 10",
    ]);
  });

  it("runs a unit test's query and expected output", () => {
    const jobs = jobsFor(action("test:daily_counts"), RUN, { location: LOCATION });
    expect(jobs.map((j) => [j.purpose, j.config.query])).toEqual([
      ["test-query", "select 1 as n"],
      ["expected-output", "select 1 as n"],
    ]);
  });

  it("checks a declared source with a free dry run, in any mode", () => {
    const [job] = jobsFor(action("raw.events"), RUN, { location: LOCATION });
    expect(job).toMatchObject({ purpose: "check-source", config: { query: "select * from `test-proj.raw.events`", dryRun: true } });
  });

  it("marks every job as a dry run in a dry run and honours location, limits and labels", () => {
    const context = { location: "EU", labels: { app: "gp2gp", env: "test" }, jobTimeoutMs: 60_000, maximumBytesBilled: "1000000000" };
    for (const a of actions.filter((x) => x.kind !== "declaration")) {
      for (const job of jobsFor(a, DRY, context)) {
        expect(job.config).toMatchObject({ dryRun: true, location: "EU", jobTimeoutMs: 60_000, maximumBytesBilled: "1000000000" });
        expect(job.config.labels).toEqual({ app: "gp2gp", env: "test", gp2gp_action: labelValue(a.name) });
      }
    }
  });

  it("makes label values BigQuery accepts", () => {
    expect(labelValue("test:Daily.Counts")).toBe("test_daily_counts");
    expect(labelValue("x".repeat(80))).toHaveLength(63);
  });
});

/** A fake client: records every job, answers INFORMATION_SCHEMA, counts and samples from `state`. */
function fakeClient(state: { existing?: Record<string, { type: string; columns: string[] }>; failingRows?: number; rows?: Record<string, Row[]>; failOn?: RegExp; notFound?: RegExp } = {}) {
  const jobs: QueryJobConfig[] = [];
  const reads: QueryJobConfig[] = [];
  const client: BigQueryClientLike = {
    async createQueryJob(config) {
      jobs.push(config);
      if (state.notFound?.test(config.query)) throw Object.assign(new Error("Not found: Table test-proj:raw.events was not found in location europe-west2"), { code: 404 });
      if (state.failOn?.test(config.query)) throw new Error("Syntax error: Unexpected keyword at [3:1]");
      const dml = /^(merge|insert|delete)/.test(config.query) ? "7" : undefined;
      const job = {
        id: `job_${jobs.length}`,
        metadata: config.dryRun ? { statistics: { totalBytesProcessed: "2048", query: { totalBytesProcessed: "2048" } } } : {},
        getQueryResults: async () => [[], null, {}],
        getMetadata: async () => [{ statistics: { query: { totalBytesProcessed: "100", numDmlAffectedRows: dml } } }],
      };
      return [job];
    },
    async query(config) {
      reads.push(config);
      if (/INFORMATION_SCHEMA/.test(config.query)) {
        const found = state.existing?.[String(config.params?.table_name)];
        return [found ? [{ table_type: found.type, column_names: found.columns }] : []];
      }
      if (/as failing_rows/.test(config.query)) return [[{ failing_rows: state.failingRows ?? 0 }]];
      if (/limit 10$/.test(config.query)) return [[{ day: { value: "2024-01-01" }, n: 0 }]];
      if (/as row_count/.test(config.query)) return [[{ row_count: 42 }]];
      return [state.rows?.[config.query] ?? []];
    },
  };
  return { client, jobs, reads };
}

function executor(client: BigQueryClientLike) {
  return new BigQueryExecutor({ client, projectId: P, location: LOCATION, marts: datasets.marts });
}

describe("BigQueryExecutor", () => {
  it("creates each dataset written to, once, in the location", async () => {
    const fake = fakeClient();
    await executor(fake.client).prepare(actions, RUN);
    expect(fake.jobs.map((j) => j.query).sort()).toEqual([
      "create schema if not exists `test-proj.checks` options(location='europe-west2')",
      "create schema if not exists `test-proj.marts` options(location='europe-west2')",
      "create schema if not exists `test-proj.staged` options(location='europe-west2')",
    ]);
    expect(fake.jobs.every((j) => j.location === LOCATION && !j.dryRun)).toBe(true);
  });

  it("builds an incremental table the first time, then merges using the columns from INFORMATION_SCHEMA", async () => {
    const first = fakeClient();
    const built = await executor(first.client).build(action("staged.messages"), RUN);
    expect(built).toEqual({ rows: 42, detail: "first build" });
    expect(first.reads[0].params).toEqual({ table_name: "messages" });
    expect(first.jobs.map((j) => j.query.split("\n")[0])).toEqual(["select 'pre'", "create or replace table `test-proj.staged.messages`", "select 'post'"]);

    const later = fakeClient({ existing: { messages: { type: "BASE TABLE", columns: ["id", "ts", "body"] } } });
    const merged = await executor(later.client).build(action("staged.messages"), RUN);
    expect(merged).toEqual({ rows: 42, detail: "merged 7 rows" });
    expect(later.jobs[1].query).toContain("insert (`id`, `ts`, `body`)");
  });

  it("fails a full refresh of a protected table before running anything", async () => {
    const fake = fakeClient({ existing: { messages: { type: "BASE TABLE", columns: ["id"] } } });
    await expect(executor(fake.client).build(action("staged.messages"), FULL)).rejects.toThrow(/protected/);
    expect(fake.jobs).toEqual([]);
  });

  it("dry-runs a build: dry-run jobs only, the existing columns from INFORMATION_SCHEMA, bytes reported", async () => {
    const fake = fakeClient({ existing: { messages: { type: "BASE TABLE", columns: ["id", "ts", "body"] } } });
    const result = await executor(fake.client).build(action("staged.messages"), DRY);
    expect(fake.reads.map((r) => r.query)).toEqual([expect.stringContaining("INFORMATION_SCHEMA.TABLES")]);
    expect(fake.jobs.every((j) => j.dryRun === true)).toBe(true);
    expect(fake.jobs.map((j) => j.query.split("\n")[0])).toEqual([
      "delete from `test-proj.staged.messages` where false",
      "merge `test-proj.staged.messages` as DATAFORM_DEST",
      "select 'incremental post'",
    ]);
    expect(result).toEqual({ bytesProcessed: 3 * 2048, detail: "dry run (merge): 6.0 KB" });
  });

  it("dry-runs the first build when the table does not exist yet", async () => {
    const fake = fakeClient();
    const result = await executor(fake.client).build(action("staged.appended"), DRY);
    expect(fake.jobs.map((j) => j.query.split("\n")[0])).toEqual(["create or replace table `test-proj.staged.appended`"]);
    expect(result.detail).toBe("dry run (first build): 2.0 KB");
  });

  it("reports a failed statement with the action, the statement's purpose and BigQuery's message", async () => {
    const fake = fakeClient({ failOn: /^create or replace table/ });
    await expect(executor(fake.client).build(action("marts.daily"), RUN)).rejects.toThrow(/marts\.daily: create failed: Syntax error: Unexpected keyword at \[3:1\]/);
  });

  it("does not fail a build when only the column descriptions cannot be set", async () => {
    const fake = fakeClient({ failOn: /^alter table/ });
    const result = await executor(fake.client).build(action("marts.daily"), RUN);
    expect(result.detail).toMatch(/^built; column descriptions not set: .*Syntax error/);
  });

  it("leaves the row count out when the table cannot be counted without a partition filter", async () => {
    const fake = fakeClient();
    const query = fake.client.query.bind(fake.client);
    fake.client.query = async (config) => {
      if (/as row_count/.test(config.query)) throw new Error("Cannot query over table 'test-proj.marts.daily' without a filter over column(s) 'day' that can be used for partition elimination");
      return query(config);
    };
    expect(await executor(fake.client).build(action("marts.daily"), RUN)).toEqual({ rows: undefined, detail: "built" });
  });

  it("counts an assertion's failing rows and samples them only when there are some", async () => {
    const passing = fakeClient({ failingRows: 0 });
    expect(await executor(passing.client).runAssertion(action("checks.daily_positive"), RUN)).toEqual({ rows: 0, failingRows: 0, sample: [] });
    expect(passing.reads.map((r) => r.query)).not.toContainEqual(expect.stringMatching(/limit 10$/));

    const failing = fakeClient({ failingRows: 3 });
    const result = await executor(failing.client).runAssertion(action("checks.daily_positive"), RUN);
    expect(result).toEqual({ rows: 3, failingRows: 3, sample: [{ day: "2024-01-01", n: 0 }] });
    expect(failing.jobs[0].query).toMatch(/^create or replace view `test-proj\.checks\.daily_positive`/);
  });

  it("runs an operation and reports the rows its DML affected", async () => {
    const fake = fakeClient();
    expect(await executor(fake.client).runOperation(action("marts.housekeeping"), RUN)).toEqual({ rows: 7 });
    expect(fake.jobs.map((j) => j.query)).toEqual(["delete from `test-proj.marts.daily` where n = 0", "select 1"]);
  });

  it("compares a unit test's rows with the expected output", async () => {
    const same = fakeClient({ rows: { "select 1 as n": [{ n: 1 }] } });
    expect(await executor(same.client).runTest(action("test:daily_counts"), RUN)).toEqual({ passed: true, message: undefined, rows: 1 });
    const dry = fakeClient();
    expect(await executor(dry.client).runTest(action("test:daily_counts"), DRY)).toMatchObject({ passed: true, bytesProcessed: 4096 });
    expect(dry.jobs.every((j) => j.dryRun)).toBe(true);
  });

  it("names a missing declared source", async () => {
    const fake = fakeClient({ notFound: /raw\.events/ });
    await expect(executor(fake.client).checkDeclaration(action("raw.events"))).rejects.toThrow(/Declared source `test-proj\.raw\.events` does not exist/);
    const ok = fakeClient();
    await expect(executor(ok.client).checkDeclaration(action("raw.events"))).resolves.toBeUndefined();
    const partitioned = fakeClient();
    partitioned.client.createQueryJob = async () => {
      throw new Error("Cannot query over table 'test-proj.raw.events' without a filter over column(s) 'day' that can be used for partition elimination");
    };
    await expect(executor(partitioned.client).checkDeclaration(action("raw.events"))).resolves.toBeUndefined();
  });

  it("takes project, location and marts dataset from the environment and the workflow settings", () => {
    // An emulator needs no credentials (tests/runner/bigquery-credentials.test.ts has the rest).
    const emulator = { BIGQUERY_EMULATOR_HOST: "http://localhost:9050" };
    expect(() => BigQueryExecutor.fromEnvironment(compiledGraphSchema.parse({ projectConfig: { defaultSchema: "x" } }), emulator)).toThrow(/No BigQuery project/);
    expect(() => BigQueryExecutor.fromEnvironment(graph, { GP2GP_BIGQUERY_KEY_FILE: "/nonexistent/key.json" })).toThrow("GP2GP_BIGQUERY_KEY_FILE names /nonexistent/key.json, which does not exist.");
    const fromGraph = BigQueryExecutor.fromEnvironment(graph, emulator) as unknown as { projectId: string; location: string; assertionResultsTable: { schema: string } };
    expect([fromGraph.projectId, fromGraph.location, fromGraph.assertionResultsTable.schema]).toEqual([P, LOCATION, "marts"]);
    const fromEnv = BigQueryExecutor.fromEnvironment(graph, { ...emulator, GP2GP_BIGQUERY_PROJECT: "other-proj" }) as unknown as { projectId: string };
    expect(fromEnv.projectId).toBe("other-proj");
  });

  it("formats byte counts", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GB");
  });
});

describe("compareResults", () => {
  it("passes equal multisets whatever the row and column order", () => {
    expect(compareResults([{ a: 1, b: "x" }, { b: "y", a: 2 }, { a: 2, b: "y" }], [{ a: 2, b: "y" }, { a: 1, b: "x" }, { b: "y", a: 2 }])).toEqual({ passed: true });
  });

  it("treats integers alike whatever their JS type, and floats to 12 digits", () => {
    expect(compareResults([{ n: 1n, r: 0.1 + 0.2 }], [{ n: 1, r: 0.3 }]).passed).toBe(true);
    expect(compareResults([{ d: { value: "2024-01-01" } }], [{ d: { value: "2024-01-01" } }]).passed).toBe(true);
  });

  it("keeps numbers and text apart", () => {
    expect(compareResults([{ n: 1 }], [{ n: "1" }]).passed).toBe(false);
  });

  it("counts duplicates", () => {
    const result = compareResults([{ a: 1 }, { a: 1 }], [{ a: 1 }]);
    expect(result.passed).toBe(false);
    expect(result.message).toContain("1 unexpected row(s):\n  {a: 1}");
  });

  it("lists missing and unexpected rows", () => {
    const result = compareResults([{ a: 1 }, { a: 3 }], [{ a: 1 }, { a: 2 }]);
    expect(result.message).toBe(["Test query returned 2 row(s), expected 2.", "1 expected row(s) missing:", "  {a: 2}", "1 unexpected row(s):", "  {a: 3}"].join("\n"));
    expect(compareResults([{ s: "x", d: null }], []).message).toContain('{d: NULL, s: "x"}');
  });

  it("names differing columns", () => {
    const result = compareResults([{ a: 1, c: 2 }], [{ a: 1, b: 2 }]);
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/Missing columns: b\. Unexpected columns: c\./);
  });

  it("reports rows against an empty expectation", () => {
    expect(compareResults([], []).passed).toBe(true);
    expect(compareResults([{ a: 1 }], []).message).toMatch(/returned 1 row\(s\), expected 0/);
  });
});
