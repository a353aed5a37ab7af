/**
 * Compile gate: the project compiles offline for both engines with no graph errors, and a bad var stops the
 * compile with a message naming it.
 */
import { describe, expect, it } from "vitest";
import { CompilationError, compileProject } from "../../scripts/lib/compile";

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
    const batch0 = "((conversation_number - 1) * 16 // (select greatest(max(conversation_number), 1) from";
    expect(step(duck).query).toContain(batch0);
    expect(step(duck).query).toContain("messages.load_id >= (select min(first_load_id) from");
    expect(step(duck).incrementalQuery).not.toContain(batch0);
    expect(step(duck).incrementalQuery).toContain("conversation_number in (select conversation_number from");
    expect(step(duck).incrementalPostOps!.join("")).not.toContain("insert into `gp2gp-insights.gp2gp_correlated.message_positions`");
    for (const sql of [step(bq).query, step(bq).incrementalQuery!, ...step(bq).postOps!]) {
      expect(sql).not.toMatch(/\* 4, \(select greatest\(max\(conversation_number\)|insert into `[^`]+\.message_positions`/);
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
});
