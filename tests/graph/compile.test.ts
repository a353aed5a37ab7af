/**
 * Compile gate: the project compiles offline for both engines with no graph errors, and a bad var stops the
 * compile with a message naming it; compiled graphs are cached by their inputs.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir, writeFile } from "../support/warehouse";
import { COMPILE_CACHE_DIR, CompilationError, compileCacheKey, compileProject, PROJECT_DIR } from "../../scripts/lib/compile";

describe("compile", () => {
  it.each(["duckdb", "bigquery"] as const)("compiles for %s with no graph errors", async (engine) => {
    const graph = await compileProject({ engine });
    expect(graph.graphErrors.compilationErrors ?? []).toEqual([]);
    expect(graph.tables.length).toBeGreaterThan(10);
    expect(graph.projectConfig.vars?.engine).toBe(engine);
  });

  it("writes engine-specific SQL through the helpers", async () => {
    const [duck, bq] = await Promise.all([compileProject({ engine: "duckdb" }), compileProject({ engine: "bigquery" })]);
    const staged = (g: typeof duck) => g.tables.find((t) => t.target.name === "stg_spine_messages")!.query;
    expect(staged(duck)).toContain("try_cast(");
    expect(staged(bq)).toContain("safe_cast(");
    expect(staged(bq)).not.toContain("try_cast(");
  });

  it("batches the first build of the message-numbering steps on DuckDB only", async () => {
    const [duck, bq] = await Promise.all([compileProject({ engine: "duckdb" }), compileProject({ engine: "bigquery", vars: { first_build_batches: "4" } })]);
    const step = (g: typeof duck) => g.tables.find((t) => t.target.name === "message_positions")!;
    const batch0 = "conversation_number > (0 * (select coalesce(max(conversation_number), 0) from";
    expect(step(duck).query).toContain(batch0);
    expect(step(duck).query).toContain("messages.load_id between (select min(first_load_id) from");
    expect(step(duck).incrementalQuery).not.toContain(batch0);
    expect(step(duck).incrementalQuery).toContain("conversation_number in (select conversation_number from");
    expect(step(duck).incrementalPostOps!.join("")).not.toContain("insert into `gp2gp-insights.gp2gp_correlated.message_positions`");
    for (const sql of [step(bq).query, step(bq).incrementalQuery!, ...step(bq).postOps!]) {
      expect(sql).not.toMatch(/conversation_number > \(0 \*|insert into `[^`]+\.message_positions`/);
    }
  });

  it("stops on a bad var with a message naming it", async () => {
    await expect(compileProject({ engine: "duckdb", vars: { cutoff_days: "0;x" } })).rejects.toThrow(CompilationError);
    await expect(compileProject({ engine: "duckdb", vars: { cutoff_days: "0;x" } })).rejects.toThrow(/var "cutoff_days"/);
  });

  it("honours the cutoffs var", async () => {
    const graph = await compileProject({ engine: "duckdb", vars: { cutoff_days: "1;7", metrics_cutoff_days: "7" } });
    const windows = graph.tables.find((t) => t.target.name === "conversation_windows")!.query;
    expect(windows).toContain("select 1 as cutoff_days union all select 7 union all select -1");
  });

  it("answers an unchanged project from the compile cache with the same graph", async () => {
    const vars = { cutoff_days: "0;3", metrics_cutoff_days: "3" };
    const first = await compileProject({ engine: "duckdb", vars });
    const second = await compileProject({ engine: "duckdb", vars });
    const uncached = await withEnv("GP2GP_COMPILE_CACHE", "off", () => compileProject({ engine: "duckdb", vars }));
    expect(second).toEqual(first);
    expect(uncached).toEqual(first);
    expect(fs.readdirSync(COMPILE_CACHE_DIR).some((name) => name.endsWith(".json"))).toBe(true);
  });

  it("keys the compile cache on the command line and every file Dataform reads", () => {
    const dir = tempDir("compile-key");
    const write = (file: string, text: string) => writeFile(dir, file, text);
    write("workflow_settings.yaml", "defaultProject: p\n");
    write("package.json", "{}");
    write("definitions/a/model.sqlx", "select 1");
    write("includes/helpers.js", "module.exports = {};");
    const args = ["compile", dir, "--json"];
    const keys = [compileCacheKey(args, dir)];
    expect(compileCacheKey(args, dir)).toBe(keys[0]);
    keys.push(compileCacheKey([...args, "--vars=engine=bigquery"], dir));
    write("definitions/a/model.sqlx", "select 2");
    keys.push(compileCacheKey(args, dir));
    write("includes/helpers.js", "module.exports = { x: 1 };");
    keys.push(compileCacheKey(args, dir));
    write("definitions/b.sqlx", "select 3");
    keys.push(compileCacheKey(args, dir));
    write("workflow_settings.yaml", "defaultProject: q\n");
    keys.push(compileCacheKey(args, dir));
    write("package.json", '{"dependencies":{}}');
    keys.push(compileCacheKey(args, dir));
    expect(new Set(keys).size).toBe(keys.length);
    expect(compileCacheKey(["compile", PROJECT_DIR], PROJECT_DIR)).toMatch(/^[0-9a-f]{64}$/);
  });
});

async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
  const previous = process.env[name];
  process.env[name] = value;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  }
}
