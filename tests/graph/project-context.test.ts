/**
 * The project context built without a compile (workflow_settings.yaml's vars read by scripts/lib/project-context.ts,
 * --vars over them) is the one a compile with the same --vars has.
 */
import { describe, expect, it } from "vitest";
import { compileProject } from "../../scripts/lib/compile";
import { contextOf, projectContext, workflowSettingsVars } from "../../scripts/lib/project-context";

describe("the project context without a compile", () => {
  it("reads the vars Dataform compiles with from workflow_settings.yaml", async () => {
    const graph = await compileProject({ engine: "duckdb" });
    expect({ ...workflowSettingsVars(), engine: "duckdb" }).toEqual(graph.projectConfig.vars);
    expect(projectContext({ engine: "duckdb" })).toEqual(contextOf(graph));
  });

  it("equals the compiled graph's with --vars", async () => {
    const vars = { marts_dataset: "other_marts", raw_dataset: "other_raw", cutoff_days: "0;14", metrics_cutoff_days: "14" };
    const graph = await compileProject({ engine: "duckdb", vars });
    expect(projectContext({ engine: "duckdb", vars })).toEqual(contextOf(graph));
    expect(contextOf(graph).datasets).toMatchObject({ raw: "other_raw", marts: "other_marts" });
    expect(graph.tables.find((t) => t.target.name === "transfers")?.target.schema).toBe("other_marts");
  });
});
