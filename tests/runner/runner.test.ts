/**
 * Runner behaviour on DuckDB with hand-written graphs: order, incremental builds, failures and what they stop,
 * SQLX unit tests, atomic replacement under a killed process, idempotent re-runs, selection and the lock.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { acquireLock, WarehouseLockedError } from "../../scripts/lib/lock";
import { DuckDBExecutor } from "../../scripts/lib/runner/duckdb";
import { buildActions, selectActions, Selection } from "../../scripts/lib/runner/graph";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import { runActions } from "../../scripts/lib/runner/runner";
import type { CompiledGraph } from "../../scripts/lib/compile";
import { makeGraph, ref } from "../support/graph";
import { tempDir } from "../support/warehouse";
import { slowGraph } from "./fixtures/slow-graph";

const open: Warehouse[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

async function newWarehouse(): Promise<Warehouse> {
  const warehouse = await Warehouse.open(path.join(tempDir("runner"), "w.duckdb"));
  open.push(warehouse);
  return warehouse;
}

async function run(warehouse: Warehouse, graph: CompiledGraph, options: { fullRefresh?: boolean; selection?: Selection } = {}) {
  const reporter = new SilentReporter();
  const actions = selectActions(buildActions(graph), options.selection ?? {});
  const summary = await runActions(actions, new DuckDBExecutor(warehouse, datasets.marts), { fullRefresh: Boolean(options.fullRefresh), dryRun: false }, reporter);
  const status = Object.fromEntries(summary.outcomes.map((o) => [o.action.name, o.status]));
  return { summary, status };
}

describe("runner on DuckDB", () => {
  it("builds tables and views in dependency order and reports rows", async () => {
    const w = await newWarehouse();
    const graph = makeGraph([
      { name: "b", query: `select x * 2 as y from ${ref("work", "a")}`, dependsOn: ["work.a"] },
      { name: "a", query: "select * from range(5) as t(x)" },
      { name: "v", type: "view", query: `select sum(y) as total from ${ref("work", "b")}`, dependsOn: ["work.b"] },
    ]);
    const { summary } = await run(w, graph);
    expect(summary.ok).toBe(true);
    expect(summary.outcomes.map((o) => o.action.name)).toEqual(["work.a", "work.b", "work.v"]);
    expect(summary.outcomes[1]!.result?.rows).toBe(5);
    expect(await w.scalar("select total from work.v")).toBe(20);
  });

  it("builds an incremental table, then merges on its unique key, and rebuilds on a full refresh", async () => {
    const w = await newWarehouse();
    await w.run("create schema if not exists src");
    await w.run("create table src.events as select * from (values (1, 'a'), (2, 'b')) as t(id, v)");
    const graph = makeGraph([
      {
        name: "latest",
        type: "incremental",
        uniqueKey: ["id"],
        query: "select id, v from `test-project.src.events`",
        incrementalQuery: "select id, v from `test-project.src.events` where id >= 2",
      },
    ]);
    await run(w, graph);
    expect(await w.rows("select * from work.latest order by id")).toEqual([{ id: 1, v: "a" }, { id: 2, v: "b" }]);
    await w.run("delete from src.events where id = 2");
    await w.run("insert into src.events values (2, 'B'), (3, 'c')");
    await w.run("update src.events set v = 'changed' where id = 1");
    const second = await run(w, graph);
    expect(second.summary.outcomes[0]!.result?.detail).toMatch(/incremental: 2 rows merged/);
    // id 1 is outside the incremental query: left alone; 2 updated; 3 inserted.
    expect(await w.rows("select * from work.latest order by id")).toEqual([{ id: 1, v: "a" }, { id: 2, v: "B" }, { id: 3, v: "c" }]);
    await run(w, graph, { fullRefresh: true });
    expect(await w.rows("select * from work.latest order by id")).toEqual([{ id: 1, v: "changed" }, { id: 2, v: "B" }, { id: 3, v: "c" }]);
  });

  it("appends with INSERT when an incremental table has no unique key, after its pre-operations", async () => {
    const w = await newWarehouse();
    const graph = makeGraph([
      {
        name: "log",
        type: "incremental",
        query: "select 1 as run",
        incrementalQuery: `select max(run) + 1 as run from ${ref("work", "log")}`,
        // Runs before the incremental query, so the query sees its effect.
        incrementalPreOps: [`delete from ${ref("work", "log")} where run = 2`],
      },
    ]);
    await run(w, graph);
    await run(w, graph);
    await run(w, graph);
    // Without the pre-operation the third run would append 3.
    expect(await w.rows("select run from work.log order by run")).toEqual([{ run: 1 }, { run: 2 }]);
  });

  it("stops an incremental update whose model's columns changed since the table was built, saying how to rebuild", async () => {
    const w = await newWarehouse();
    const model = (columns: string) => makeGraph([{ name: "events", type: "incremental", query: `select ${columns} from range(3) as t(x)` }]);
    await run(w, model("x as id"));
    const { summary, status } = await run(w, model("x as id, x * 2 as score"));
    expect(status["work.events"]).toBe("failed");
    expect(summary.outcomes[0]!.error).toMatch(/work\.events: the model's columns have changed since the table was built \(new: score\)\. Rebuild it.*gp2gp run --full-refresh --actions work\.events/);
    // nothing was appended; a full refresh rebuilds it with the new column
    expect(await w.scalar("select count(*) from work.events")).toBe(3);
    await run(w, model("x as id, x * 2 as score"), { fullRefresh: true });
    expect(await w.rows("select * from work.events order by id")).toEqual([{ id: 0, score: 0 }, { id: 1, score: 2 }, { id: 2, score: 4 }]);
  });

  it("refuses a full refresh of a protected incremental table", async () => {
    const w = await newWarehouse();
    const graph = makeGraph([{ name: "history", type: "incremental", protected: true, query: "select 1 as x", incrementalQuery: "select 2 as x" }]);
    await run(w, graph);
    const { summary, status } = await run(w, graph, { fullRefresh: true });
    expect(status["work.history"]).toBe("failed");
    expect(summary.outcomes[0]!.error).toMatch(/protected/);
    expect(await w.scalar("select count(*) from work.history")).toBe(1);
  });

  it("stops what depends on a failing assertion, runs the rest, and keeps a sample of the failing rows", async () => {
    const w = await newWarehouse();
    const graph = makeGraph(
      [
        { name: "source", query: "select * from range(10) as t(x)" },
        { name: "downstream", query: `select count(*) as n from ${ref("work", "source")}`, dependsOn: ["work.source", "checks.no_big_values"] },
        { name: "further", query: `select * from ${ref("work", "downstream")}`, dependsOn: ["work.downstream"] },
        { name: "independent", query: "select 1 as y" },
      ],
      [{ name: "no_big_values", query: `select x from ${ref("work", "source")} where x > 6`, dependsOn: ["work.source"] }],
    );
    const { summary, status } = await run(w, graph);
    expect(summary.ok).toBe(false);
    expect(status).toMatchObject({
      "work.source": "done",
      "checks.no_big_values": "failed",
      "work.downstream": "skipped",
      "work.further": "skipped",
      "work.independent": "done",
    });
    const failed = summary.outcomes.find((o) => o.action.name === "checks.no_big_values")!;
    expect(failed.error).toMatch(/3 row/);
    expect(failed.sample).toEqual([{ x: 7 }, { x: 8 }, { x: 9 }]);
    expect(await w.tableExists("work", "downstream")).toBe(false);
  });

  it("runs SQLX unit tests and reports how results differ", async () => {
    const w = await newWarehouse();
    const graph = makeGraph([], [], [
      { name: "passes", testQuery: "select 1 as a, 'x' as b union all select 2, 'y'", expectedOutputQuery: "select 'y' as b, 2 as a union all select 'x', 1" },
      { name: "fails", testQuery: "select 1 as a", expectedOutputQuery: "select 2 as a" },
    ]);
    const { summary, status } = await run(w, graph);
    expect(status).toEqual({ "test:passes": "passed", "test:fails": "failed" });
    expect(summary.outcomes[1]!.error).toMatch(/expected row\(s\) missing/);
  });

  it("fails a missing declared source with a message naming it, and skips its dependents", async () => {
    const w = await newWarehouse();
    const graph = makeGraph([{ name: "uses_source", query: "select * from `test-project.raw.absent`", dependsOn: ["raw.absent"] }]);
    graph.declarations.push({ target: { database: "test-project", schema: "raw", name: "absent" }, fileName: "definitions/sources.js" });
    const { summary, status } = await run(w, graph);
    expect(status).toEqual({ "raw.absent": "failed", "work.uses_source": "skipped" });
    expect(summary.outcomes[0]!.error).toMatch(/Declared source raw\.absent does not exist/);
  });

  it("selects by name or tag, with dependencies or dependents, and lists what exists for an unknown name", () => {
    const graph = makeGraph([
      { name: "a", query: "select 1 as x", tags: ["first"] },
      { name: "b", query: `select * from ${ref("work", "a")}`, dependsOn: ["work.a"], tags: ["second"] },
      { name: "c", query: `select * from ${ref("work", "b")}`, dependsOn: ["work.b"] },
    ]);
    const names = (selection: Selection) => selectActions(buildActions(graph), selection).map((a) => a.name);
    expect(names({ actions: ["b"] })).toEqual(["work.b"]);
    expect(names({ actions: ["work.b"], includeDependencies: true })).toEqual(["work.a", "work.b"]);
    expect(names({ tags: ["second"], includeDependents: true })).toEqual(["work.b", "work.c"]);
    expect(() => names({ actions: ["nope"] })).toThrow(/No action named "nope". Actions: work.a, work.b, work.c/);
    expect(() => names({ tags: ["nope"] })).toThrow(/No action has the tag "nope". Tags: first, second/);
  });

  it("gives the same tables when run twice", async () => {
    const w = await newWarehouse();
    const graph = slowGraph(10_000);
    await run(w, graph);
    const first = await w.rows("select * from work.summary");
    const again = await run(w, graph);
    expect(again.summary.ok).toBe(true);
    expect(await w.rows("select * from work.summary")).toEqual(first);
    expect(await w.scalar("select count(*) from information_schema.tables where table_name like '__gp2gp_build_%'")).toBe(0);
  });

  it("survives a run killed while replacing a table: the old table stays whole, and a re-run completes", async () => {
    const dir = tempDir("killed");
    const database = path.join(dir, "w.duckdb");
    // A first, complete run leaves a `big` table of 1,000 rows.
    let w = await Warehouse.open(database);
    await run(w, slowGraph(1000));
    w.close();

    // A second run rebuilds `big` with many more rows; kill it while that build is under way.
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "fixtures/slow-build.ts"), database, "60000000"], {
      cwd: path.resolve(__dirname, "../.."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("started") && resolve()));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));

    w = await Warehouse.open(database);
    open.push(w);
    expect(await w.scalar("select count(*) from work.big")).toBe(1000);
    expect(await w.rows("select * from work.summary")).toEqual([{ big_rows: 1000, small_rows: 1000 }]);

    // Re-run to completion: the same tables as an uninterrupted run of the same graph.
    const rerun = await run(w, slowGraph(20_000));
    expect(rerun.summary.ok).toBe(true);
    const fresh = await newWarehouse();
    await run(fresh, slowGraph(20_000));
    for (const table of ["small", "big", "summary"]) {
      const checksum = `select count(*) as n, sum(hash(columns(*))) as h from work.${table}`;
      expect(await w.rows(checksum)).toEqual(await fresh.rows(checksum));
    }
    expect(await w.scalar("select count(*) from information_schema.tables where table_name like '__gp2gp_build_%'")).toBe(0);
  });
});

describe("warehouse lock", () => {
  it("refuses a second holder, naming the process, and takes over a lock left by a dead process", () => {
    const database = path.join(tempDir("lock"), "w.duckdb");
    const release = acquireLock(database, "gp2gp run");
    expect(() => acquireLock(database, "gp2gp load spine")).toThrow(WarehouseLockedError);
    expect(() => acquireLock(database, "gp2gp load spine")).toThrow(new RegExp(`in use by process ${process.pid} .*gp2gp run`));
    release();
    // A lock whose process has exited is stale.
    fs.writeFileSync(`${database}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, hostname: require("node:os").hostname(), command: "gp2gp run", startedAt: "x" }));
    const again = acquireLock(database, "gp2gp run");
    expect(JSON.parse(fs.readFileSync(`${database}.lock`, "utf8")).pid).toBe(process.pid);
    again();
    expect(fs.existsSync(`${database}.lock`)).toBe(false);
  });
});
