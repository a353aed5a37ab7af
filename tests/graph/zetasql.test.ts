/**
 * The offline BigQuery checker itself: the ZetaSQL analyzer rejects DuckDB-isms and unknown names, accepts the
 * BigQuery constructs the models rely on (and every BigQuery helper of includes/engine.ts), resolves the raw
 * tables under each spelling of their name, and analyzeGraph type-checks models against the outputs of the models
 * they read. One analyzer server for the file.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helpersFor } from "../../includes/engine";
import { compiledGraphSchema } from "../../scripts/lib/compile";
import { analyzeGraph, Catalog, Finding, rawCatalog, storageProblems, ZetaSqlAnalyzer } from "../support/zetasql";

const P = "test-proj";
const RAW = `\`${P}.gp2gp_raw`;
const loadLog = `${RAW}.load_log\``;
const spine = `${RAW}.spine_messages\``;

describe("analyzer start-up", () => {
  it("fails with a message naming the binary when it cannot start", async () => {
    await expect(ZetaSqlAnalyzer.start({ binary: "/nonexistent/remote_server" })).rejects.toThrow(/Cannot start the ZetaSQL analyzer \(\/nonexistent\/remote_server\): .*ENOENT/);
    await expect(ZetaSqlAnalyzer.start({ binary: "/bin/false" })).rejects.toThrow(/\(\/bin\/false\) exited during start-up \(exit code 1\)/);
  });

  it("gives up after the start-up time limit and leaves no process behind", async () => {
    // A "server" that never listens: the start must end with a time-out, and the process must be killed.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zetasql-test-"));
    const binary = path.join(dir, "silent_server");
    fs.writeFileSync(binary, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
    try {
      await expect(ZetaSqlAnalyzer.start({ binary, startupTimeoutMs: 300 })).rejects.toThrow(/silent_server\) did not listen on port \d+ within \d+ ms/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(execFileSync("ps", ["-eo", "pid,stat,args"]).toString()).not.toMatch(/^\s*\d+\s+[^Z\s]\S*\s+sleep 30$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("ZetaSQL analyzer (BigQuery mode)", () => {
  let analyzer: ZetaSqlAnalyzer;
  let catalog: Catalog;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    analyzer = await ZetaSqlAnalyzer.start();
    startMs = Date.now() - t0;
    catalog = rawCatalog(P, "gp2gp_raw");
  });
  afterAll(async () => {
    await analyzer?.close();
  });

  const error = async (sql: string) => (await analyzer.analyze(sql, catalog)).error;

  it("starts within a few seconds and refuses a second server in the same process", async () => {
    expect(startMs).toBeLessThan(10_000);
    await expect(ZetaSqlAnalyzer.start()).rejects.toThrow(/already running/);
  });

  it.each([
    ["DuckDB date_diff with a part string", `select date_diff('second', loaded_at, loaded_at) from ${loadLog}`, /A valid date part name is required/],
    ["DuckDB epoch_us", `select epoch_us(loaded_at) from ${loadLog}`, /Function not found: epoch_us/],
    ["DuckDB list aggregate", `select list(load_id) from ${loadLog}`, /Function not found: list/],
    ["an unknown column", `select load_idd from ${loadLog}`, /Unrecognized name: load_idd/],
    ["an unknown table", `select * from ${RAW}.no_such_table\``, /Table not found/],
    ["DuckDB try_cast", `select try_cast(file_name as int64) from ${loadLog}`, /try_cast/],
    ["DuckDB * EXCLUDE", `select * exclude (file_name) from ${loadLog}`, /Syntax error/],
    ["a type error", `select load_id + file_name from ${loadLog}`, /No matching signature for operator \+/],
    ["ARRAY_AGG that may hold NULLs ordered by a non-orderable struct", `select array_agg(load_id order by struct(1 as a)) from ${loadLog}`, /ORDER BY/],
  ])("rejects %s", async (_, sql, message) => {
    expect(await error(sql)).toMatch(message);
  });

  it("points at the offending line in the message", async () => {
    const message = await error(`select\n  load_id,\n  epoch_us(loaded_at) as micros\nfrom ${loadLog}`);
    expect(message).toMatch(/Function not found: epoch_us \[at 3:3\]\n\s+epoch_us\(loaded_at\) as micros/);
  });

  it.each([
    ["TIMESTAMP_DIFF", `select timestamp_diff(loaded_at, loaded_at, second) as s from ${loadLog}`],
    ["QUALIFY", `select load_id from ${loadLog} qualify row_number() over (partition by file_name order by load_id desc) = 1`],
    ["QUALIFY after WHERE", `select load_id from ${loadLog} where true qualify row_number() over (partition by file_name order by load_id desc) = 1`],
    ["COUNTIF and LOGICAL_OR", `select countif(row_count > 0) as n, logical_or(rejected_count > 0) as any_rejected from ${loadLog}`],
    ["ARRAY_AGG(x IGNORE NULLS ORDER BY y)", `select array_agg(replaced_by_load_id ignore nulls order by loaded_at) as ids from ${loadLog}`],
    ["ARRAY_AGG(… LIMIT 1)[OFFSET(0)]", `select file_name, array_agg(load_id order by loaded_at desc limit 1)[offset(0)] as latest from ${loadLog} group by file_name`],
    ["SAFE_CAST, SAFE_DIVIDE, STRUCT, UNNEST", `select safe_cast(file_name as int64) as i, safe_divide(row_count, loaded_count) as r, struct(1 as a).a as a, x from ${loadLog}, unnest([1, 2]) as x`],
    ["* EXCEPT", `select * except (file_name) from ${loadLog}`],
    ["DATE_TRUNC, DATE_ADD, EXTRACT(DAYOFWEEK)", `select date_trunc(reference_month, month) as m, date_add(reference_month, interval 1 day) as d, extract(dayofweek from reference_month) as w from ${loadLog}`],
  ])("accepts %s", async (_, sql) => {
    expect(await error(sql)).toBeUndefined();
  });

  it("accepts the DDL and DML the executor generates", async () => {
    expect(await error(`create or replace table \`${P}.x.t\` partition by date(loaded_at) cluster by file_name options(description='d', labels=[('a', 'b')], require_partition_filter=true) as select * from ${loadLog}`)).toBeUndefined();
    expect(await error(`merge ${loadLog} as DATAFORM_DEST using (select * from ${loadLog}) as DATAFORM_SOURCE on DATAFORM_DEST.load_id = DATAFORM_SOURCE.load_id when matched then update set file_name = DATAFORM_SOURCE.file_name when not matched then insert (load_id) values (DATAFORM_SOURCE.load_id)`)).toBeUndefined();
    expect(await error(`alter table ${loadLog} alter column if exists file_name set options(description='x'), alter column if exists sha256 set options(description='y')`)).toBeUndefined();
    expect(await error(`create schema if not exists \`${P}.x\` options(location='europe-west2')`)).toBeUndefined();
  });

  it("resolves a raw table under every spelling of its name", async () => {
    for (const name of [`\`${P}.gp2gp_raw.load_log\``, `\`${P}\`.gp2gp_raw.load_log`, "gp2gp_raw.load_log", "`gp2gp_raw.load_log`", `${P}.gp2gp_raw.load_log`]) {
      expect(await error(`select load_id, loaded_at from ${name}`), name).toBeUndefined();
    }
  });

  it("analyses a script statement by statement and reports the output columns with their types", async () => {
    const results = await analyzer.analyzeScript(`select 1 as a;\n-- comment\nselect file_name, reference_month from ${loadLog};\n`, catalog);
    expect(results.map((r) => [r.sql, r.error])).toEqual([
      ["select 1 as a;", undefined],
      [`-- comment\nselect file_name, reference_month from ${loadLog};`, undefined],
    ]);
    expect(results[1].columns).toEqual([
      { name: "file_name", type: { typeKind: 8 } },
      { name: "reference_month", type: { typeKind: 10 } },
    ]);
    expect((await analyzer.analyze("select 1; select 2", catalog)).error).toMatch(/Expected one statement, found 2/);
  });

  it("accepts the BigQuery spelling of every engine helper", async () => {
    const h = helpersFor("bigquery");
    const expressions: Record<string, string> = {
      type: ["STRING", "INT64", "FLOAT64", "BOOL", "DATE", "TIMESTAMP", "NUMERIC", "ARRAY<INT64>", "ARRAY<STRING>"].map((t) => `cast(null as ${h.type(t as never)})`).join(", "),
      safeCast: h.safeCast("file_name", "INT64"),
      stringLiteral: h.stringLiteral("it's a \\ back\nslash"),
      regexpExtract: h.regexpExtract("file_name", "(\\d+)"),
      regexpContains: h.regexpContains("file_name", "^gp2gp"),
      regexpFullMatch: h.regexpFullMatch("file_name", "[0-9]{12,13}|NONE"),
      identifier: h.identifier("file_name"),
      epochMicros: h.epochMicros("loaded_at"),
      timestampDiffMicros: h.timestampDiffMicros("loaded_at", "loaded_at"),
      timestampAdd: h.timestampAdd("loaded_at", "load_id", "MINUTE"),
      timestampTrunc: h.timestampTrunc("loaded_at", "MONTH"),
      dateTrunc: ["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"].map((p) => h.dateTrunc("reference_month", p as never)).join(", "),
      dateAdd: `${h.dateAdd("reference_month", 3, "DAY")}, ${h.dateAdd("reference_month", "load_id", "MONTH")}`,
      dateDiffDays: h.dateDiffDays("reference_month", "date(loaded_at)"),
      dayOfWeek: h.dayOfWeek("reference_month"),
      formatTimestamp: h.formatTimestamp("%Y-%m-%d %H:%M:%S", "loaded_at"),
      intDiv: h.intDiv("row_count", "2"),
      mod: h.mod("row_count", "2"),
      currentTimestamp: h.currentTimestamp(),
      emptyArray: `${h.emptyArray("INT64")}, ${h.emptyArray("STRING")}`,
    };
    for (const [helper, expression] of Object.entries(expressions)) {
      expect(await error(`select ${expression} from ${loadLog}`), helper).toBeUndefined();
    }
    expect(await error(`select ${h.arrayAggNonNull("load_id", "loaded_at", "INT64")} as ids from ${loadLog}`), "arrayAggNonNull").toBeUndefined();
    expect(await error(`select x from ${loadLog}, ${h.unnest("[load_id, row_count]", "x")}`), "unnest").toBeUndefined();
    expect(await error(`select m from ${loadLog}, ${h.unnest(h.dateArray("reference_month", "date(loaded_at)", "MONTH"), "m")}`), "dateArray").toBeUndefined();
    expect(await error(`select ${h.starExcept(["file_name"], "l")} from ${loadLog} as l`), "starExcept").toBeUndefined();
    expect(await error(`select ${h.parseSpineTime("message_time")} as message_at from ${spine}`), "parseSpineTime").toBeUndefined();
  });

  describe("analyzeGraph", () => {
    const t = (schema: string, name: string) => ({ database: P, schema, name });
    const ref = (schema: string, name: string) => `\`${P}.${schema}.${name}\``;
    const graph = (tables: object[], extra: object = {}) =>
      compiledGraphSchema.parse({
        projectConfig: { defaultDatabase: P, defaultSchema: "marts", vars: { raw_dataset: "gp2gp_raw" } },
        declarations: [{ target: t("gp2gp_raw", "load_log"), fileName: "definitions/sources/raw.js" }],
        tables,
        ...extra,
      });
    const errors = (findings: Finding[]) => findings.filter((f) => f.error).map((f) => `${f.action} ${f.purpose}: ${f.error!.split("\n")[0]}`);

    const staged = {
      type: "incremental",
      target: t("staged", "loads"),
      query: `select load_id, file_name, loaded_at, date(loaded_at) as load_date from ${ref("gp2gp_raw", "load_log")}`,
      incrementalQuery: `select load_id, file_name, loaded_at, date(loaded_at) as load_date from ${ref("gp2gp_raw", "load_log")} where load_id > (select max(load_id) from ${ref("staged", "loads")})`,
      incrementalPreOps: [`delete from ${ref("staged", "loads")} where load_id in (select load_id from ${ref("gp2gp_raw", "load_log")} where replaced_by_load_id is not null)`],
      uniqueKey: ["load_id"],
      bigquery: { partitionBy: "load_date", clusterBy: ["file_name"] },
      actionDescriptor: { description: "Loads", columns: [{ path: ["load_id"], description: "Id" }] },
      fileName: "definitions/staged/loads.sqlx",
      dependencyTargets: [t("gp2gp_raw", "load_log")],
    };
    const mart = (query: string) => ({
      type: "view",
      target: t("marts", "daily_loads"),
      query,
      actionDescriptor: { columns: [{ path: ["load_date"], description: "Day" }] },
      fileName: "definitions/marts/daily_loads.sqlx",
      dependencyTargets: [t("staged", "loads")],
    });

    it("type-checks each model against the outputs of the models it reads, with every generated statement", async () => {
      const findings = await analyzeGraph(
        graph([staged, mart(`select load_date, count(*) as loads from ${ref("staged", "loads")} group by load_date`)], {
          operations: [
            {
              target: t("marts", "loads_snapshot"),
              queries: [`create or replace table ${ref("marts", "loads_snapshot")} as select load_id from ${ref("staged", "loads")};\nselect count(*) from ${ref("marts", "loads_snapshot")}`],
              fileName: "definitions/marts/snapshot.sqlx",
              dependencyTargets: [t("staged", "loads")],
            },
          ],
          assertions: [
            {
              target: t("checks", "loads_unique"),
              query: `select load_id from ${ref("staged", "loads")} group by load_id having count(*) > 1`,
              fileName: "definitions/staged/loads.sqlx",
              dependencyTargets: [t("staged", "loads")],
            },
          ],
          tests: [{ name: "daily", testQuery: "select date '2024-01-01' as load_date, 1 as loads", expectedOutputQuery: "select date '2024-01-01' as load_date, 1 as loads", fileName: "definitions/tests/daily.sqlx" }],
        }),
        { analyzer },
      );
      expect(errors(findings)).toEqual([]);
      expect(findings.map((f) => `${f.action} ${f.purpose}`)).toEqual([
        "staged.loads create",
        "staged.loads column-descriptions",
        "staged.loads incremental query",
        "staged.loads incremental pre-op",
        "staged.loads merge",
        "marts.daily_loads create",
        "marts.daily_loads column-descriptions",
        "marts.loads_snapshot operation query 1",
        "marts.loads_snapshot operation query 1",
        "checks.loads_unique assertion view",
        "checks.loads_unique assertion count",
        "test:daily test query",
        "test:daily expected output",
      ]);
      expect(findings.find((f) => f.purpose === "merge")!.statement).toContain("insert (`load_id`, `file_name`, `loaded_at`, `load_date`)");
    });

    it("reports a model's error with its name, and its dependents as not analysed", async () => {
      const findings = await analyzeGraph(graph([staged, mart(`select load_day, count(*) as loads from ${ref("staged", "loads")} group by 1`)], {
        assertions: [{ target: t("checks", "x"), query: `select * from ${ref("marts", "daily_loads")}`, fileName: "definitions/x.sqlx", dependencyTargets: [t("marts", "daily_loads")] }],
      }), { analyzer });
      expect(errors(findings)).toEqual([
        "marts.daily_loads create: Unrecognized name: load_day; Did you mean load_date? [at 3:8]",
        "checks.x dependencies: not analysed: depends on marts.daily_loads, which failed analysis",
      ]);
    });

    it("checks the incremental query against the table the first build creates", async () => {
      const findings = await analyzeGraph(graph([{ ...staged, incrementalQuery: `select load_id, file_name from ${ref("gp2gp_raw", "load_log")}` }]), { analyzer });
      expect(errors(findings)).toEqual([expect.stringMatching(/^staged\.loads merge: Name loaded_at not found inside DATAFORM_SOURCE/)]);
    });

    it("flags a unit test whose columns cannot match the expected output", async () => {
      const findings = await analyzeGraph(graph([], { tests: [{ name: "t", testQuery: "select 1 as a, 2 as b", expectedOutputQuery: "select 1 as a, 2 as c", fileName: "definitions/tests/t.sqlx" }] }), { analyzer });
      expect(errors(findings)).toEqual(["test:t test columns: the test query's columns differ from the expected output's (compared by name): missing c; unexpected b;"]);
    });

    it("checks partitioning and clustering against BigQuery's rules on the analysed output types", async () => {
      const columns = [
        { name: "d", type: { typeKind: 10 } },
        { name: "ts", type: { typeKind: 19 } },
        { name: "n", type: { typeKind: 2 } },
        { name: "s", type: { typeKind: 8 } },
        { name: "ids", type: { typeKind: 16, arrayType: { elementType: { typeKind: 2 } } } },
      ] as const;
      const problems = (bigquery: object, kind: "table" | "view" = "table") =>
        storageProblems(compiledGraphSchema.parse({ projectConfig: { defaultSchema: "x" }, tables: [{ type: kind, target: t("x", "y"), query: "", fileName: "f", bigquery }] }).tables[0], kind, columns);
      for (const partitionBy of ["d", "`d`", "DATE(ts)", "timestamp_trunc(ts, hour)", "date_trunc(d, month)", "range_bucket(n, generate_array(0, 100, 10))"]) {
        expect(problems({ partitionBy, clusterBy: ["s", "n", "d", "ts"] }), partitionBy).toEqual([]);
      }
      expect(problems({ partitionBy: "ts" })).toEqual(['partitionBy "ts" needs a DATE column; ts is TIMESTAMP']);
      expect(problems({ partitionBy: "date(d)" })).toEqual(['partitionBy "date(d)" needs DATE() of a TIMESTAMP or DATETIME column; d is DATE']);
      expect(problems({ partitionBy: "extract(year from d)" })[0]).toMatch(/is not a partitioning BigQuery supports/);
      expect(problems({ clusterBy: ["s", "n", "d", "ts", "s"] })).toEqual(["clusterBy lists 5 columns; BigQuery allows at most 4"]);
      expect(problems({ clusterBy: ["ids", "missing"] })).toEqual([
        "clusterBy column ids is an ARRAY, which BigQuery cannot cluster on",
        "clusterBy column missing is not an output column, which BigQuery cannot cluster on",
      ]);
      expect(problems({ partitionBy: "ts" }, "view")).toEqual([]);
      const findings = await analyzeGraph(graph([{ ...staged, bigquery: { partitionBy: "loaded_at" } }]), { analyzer });
      expect(errors(findings)).toEqual(['staged.loads partitioning and clustering: partitionBy "loaded_at" needs a DATE column; loaded_at is TIMESTAMP']);
    });

    it("flags descriptions longer than BigQuery accepts", async () => {
      const long = { ...staged, actionDescriptor: { description: "x".repeat(16_385), columns: [{ path: ["load_id"], description: "y".repeat(1_025) }] } };
      expect(errors(await analyzeGraph(graph([long]), { analyzer }))).toEqual([
        "staged.loads descriptions: the description has 16385 characters; BigQuery allows 16384",
        "staged.loads descriptions: the description of column load_id has 1025 characters; BigQuery allows 1024",
      ]);
    });

    it("flags a declared source with no known schema", async () => {
      const g = graph([]);
      g.declarations.push({ target: t("gp2gp_raw", "mystery"), fileName: "definitions/sources/raw.js" });
      expect(errors(await analyzeGraph(g, { analyzer }))).toEqual([expect.stringMatching(/^gp2gp_raw\.mystery declaration: declared source test-proj\.gp2gp_raw\.mystery has no schema/)]);
    });
  });
});
