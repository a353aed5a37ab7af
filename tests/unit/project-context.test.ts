/**
 * The project context: scripts take the vars and datasets of their command (--vars, workflow_settings.yaml, or the
 * compiled graph) as arguments, never includes/config.ts's `vars` and `datasets`, which outside Dataform's compile
 * hold the defaults and would silently ignore --vars.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetsOf, parseVars } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { exportQueries, metricMonths } from "../../scripts/lib/export/metrics";
import { contextOf, projectContext, workflowSettingsDefaultProject, workflowSettingsVars } from "../../scripts/lib/project-context";
import { bigQueryLookupSql } from "../../scripts/lib/reports/leak-check";
import { assertReportingMonth, latestDataWatermark } from "../../scripts/lib/reports/publish";
import { assertionResultsTable } from "../../scripts/lib/runner/assertion-results";
import { BigQueryExecutor, type BigQueryClientLike } from "../../scripts/lib/runner/bigquery";
import { DuckDBExecutor } from "../../scripts/lib/runner/duckdb";
import { startSummary } from "../../scripts/lib/start-summary";
import { makeGraph } from "../support/graph";
import { tempDir, writeFile } from "../support/warehouse";

const ROOT = path.resolve(__dirname, "..", "..");

/** The module-state exports of includes/config that a file under scripts/ imports (named, namespace or require). */
export function moduleStateImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const config = String.raw`["'](?:\.\.?\/)+includes\/config(?:\.js)?["']`;
  const found: string[] = [];
  for (const match of code.matchAll(new RegExp(String.raw`\bimport\s+(type\s+)?\{([^}]*)\}\s*from\s*${config}`, "g"))) {
    if (match[1]) continue;
    for (const binding of match[2]!.split(",")) {
      const [name, typeOnly] = [binding.replace(/^\s*type\s+/, "").split(/\s+as\s+/)[0]!.trim(), /^\s*type\s/.test(binding)];
      if (!typeOnly && (name === "vars" || name === "datasets")) found.push(name);
    }
  }
  for (const match of code.matchAll(new RegExp(String.raw`\bimport\s+\*\s+as\s+(\w+)\s+from\s*${config}|\b(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*${config}\s*\)`, "g"))) {
    const name = match[1] ?? match[2]!;
    for (const use of code.matchAll(new RegExp(String.raw`\b${name}\.(vars|datasets)\b`, "g"))) found.push(use[1]!);
  }
  for (const match of code.matchAll(new RegExp(String.raw`\{([^}]*)\}\s*=\s*require\(\s*${config}\s*\)`, "g"))) {
    for (const binding of match[1]!.split(",")) {
      const name = binding.split(":")[0]!.trim();
      if (name === "vars" || name === "datasets") found.push(name);
    }
  }
  return found;
}

describe("scripts and includes/config's module state", () => {
  it("recognises the imports it forbids (checked on made-up sources)", () => {
    expect(moduleStateImports('import { datasets, firstBuildBatchesFor } from "../../includes/config";')).toEqual(["datasets"]);
    expect(moduleStateImports('import { vars as v } from "../../../includes/config";')).toEqual(["vars"]);
    expect(moduleStateImports('import * as config from "../../includes/config";\nconst m = config.datasets.marts;')).toEqual(["datasets"]);
    expect(moduleStateImports('const { vars } = require("../../includes/config");')).toEqual(["vars"]);
    expect(moduleStateImports('import { datasetsOf, parseVars, type Datasets } from "../../includes/config";')).toEqual([]);
    expect(moduleStateImports('import type { Datasets } from "../../includes/config";')).toEqual([]);
  });

  it("no file under scripts/ imports `vars` or `datasets` from includes/config", () => {
    const scripts = path.join(ROOT, "scripts");
    const files = (fs.readdirSync(scripts, { recursive: true, withFileTypes: true }) as fs.Dirent[])
      .filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
      .map((entry) => path.join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) => moduleStateImports(fs.readFileSync(file, "utf8")).map((name) => `${path.relative(ROOT, file)}: ${name}`));
    expect(offenders).toEqual([]);
  });
});

describe("the project context", () => {
  it("reads workflow_settings.yaml's vars: plain, quoted and commented values, nothing outside vars:", () => {
    const dir = tempDir("settings");
    writeFile(
      dir,
      "workflow_settings.yaml",
      [
        "# settings",
        "defaultProject: p",
        "vars:",
        "  # the engine",
        "  engine: bigquery   # production",
        '  cutoff_days: "0,2,14"',
        "  marts_dataset: 'm''s'",
        "  first_build_batches: auto#1",
        "",
        "defaultLocation: europe-west2",
        "engine: not-a-var",
      ].join("\n"),
    );
    expect(workflowSettingsVars(dir)).toEqual({ engine: "bigquery", cutoff_days: "0,2,14", marts_dataset: "m's", first_build_batches: "auto#1" });
    writeFile(dir, "workflow_settings.yaml", "vars:\n  cutoffs:\n    - 0\n");
    expect(() => workflowSettingsVars(dir)).toThrow(/workflow_settings\.yaml: vars\.cutoffs: /);
    writeFile(dir, "workflow_settings.yaml", "vars: { engine: duckdb, cutoff_days: 14 }\n");
    expect(workflowSettingsVars(dir)).toEqual({ engine: "duckdb", cutoff_days: "14" });
    expect(workflowSettingsDefaultProject(dir)).toBeUndefined();
    writeFile(dir, "workflow_settings.yaml", "defaultProject: my-project\n");
    expect(workflowSettingsDefaultProject(dir)).toBe("my-project");
    expect(workflowSettingsDefaultProject()).toBe("gp2gp-insights");
  });

  it("merges --vars over workflow_settings.yaml and the engine over both, as a compile does", () => {
    const context = projectContext({ engine: "duckdb", vars: { marts_dataset: "other_marts", cutoff_days: "0;14" } });
    expect(context.vars.engine).toBe("duckdb");
    expect(context.vars.cutoff_days).toEqual([0, 14]);
    expect(context.datasets).toEqual({ raw: "gp2gp_raw", staged: "gp2gp_staged", correlated: "gp2gp_correlated", marts: "other_marts" });
    expect(projectContext({ engine: "duckdb" }).datasets).toEqual(datasetsOf(parseVars({ engine: "duckdb" })));
    expect(() => projectContext({ engine: "duckdb", vars: { marts: "x" } })).toThrow(/Unknown project var "marts"/);
  });

  it("is the compiled graph's vars when there is a graph", () => {
    const graph = makeGraph([]);
    graph.projectConfig.vars = { engine: "duckdb", raw_dataset: "r", marts_dataset: "m", cutoff_days: "0,2,14" };
    expect(contextOf(graph).datasets).toEqual({ raw: "r", staged: "gp2gp_staged", correlated: "gp2gp_correlated", marts: "m" });
  });
});

describe("with marts_dataset=other_marts", () => {
  const context = projectContext({ engine: "duckdb", vars: { marts_dataset: "other_marts" } });
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await Warehouse.open(path.join(tempDir("project-context"), "w.duckdb"), { datasets: context.datasets });
    const transfers = (schema: string, status: string) =>
      `create table "${schema}".transfers as select date '2024-03-01' as request_month, '${status}' as status, true as is_final, 14 as cutoff_days from range(3)`;
    await warehouse.run(transfers("other_marts", "Integrated on time"));
    // The default marts dataset holds other transfers: a summary of it would show them.
    await warehouse.run("create schema gp2gp_marts");
    await warehouse.run(transfers("gp2gp_marts", "Technical failure"));
  });
  afterAll(() => warehouse?.close());

  it("the warehouse is opened with the context's schemas, not the defaults'", async () => {
    const schemas = await warehouse.rows<{ schema_name: string }>("select schema_name from information_schema.schemata where schema_name like '%marts' order by 1");
    expect(schemas.map((s) => s.schema_name)).toEqual(["gp2gp_marts", "other_marts"]);
  });

  it("the start summary reads the other marts dataset", async () => {
    const text = await startSummary(warehouse, context, true);
    expect(text).toMatch(/^ {2}other_marts +transfers 3$/m);
    expect(text).toContain("Integrated on time");
    expect(text).not.toContain("Technical failure");
    expect(text).toContain("select * from other_marts.transfers where cutoff_days = 14");
    const defaults = await startSummary(warehouse, projectContext({ engine: "duckdb" }), true);
    expect(defaults).toContain("Technical failure");
  });

  it("the metrics export queries the other marts dataset", () => {
    const queries = exportQueries(metricMonths("2024-04-10", 1), context.datasets.marts);
    expect(queries.practice).toContain('from "other_marts".practice_metrics_monthly');
    expect(queries.national).toContain('from "other_marts".national_metrics_monthly');
  });
});

describe("with marts_dataset=other_marts, the runner and the reports", () => {
  const context = projectContext({ engine: "duckdb", vars: { marts_dataset: "other_marts" } });
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await Warehouse.open(path.join(tempDir("project-context-reports"), "w.duckdb"), { datasets: context.datasets });
    await warehouse.run("create schema gp2gp_marts");
    // The other marts have March final; the default marts have February final and March provisional.
    const national = (schema: string, marchFinal: boolean) =>
      `create table "${schema}".national_metrics_monthly as select * from (values (date '2024-02-01', true), (date '2024-03-01', ${marchFinal})) as t(metric_month, is_final)`;
    await warehouse.run(national("other_marts", true));
    await warehouse.run(national("gp2gp_marts", false));
    const live = (schema: string, watermark: string) => `create table "${schema}".transfers_live as select timestamp '${watermark}' as data_watermark_at`;
    await warehouse.run(live("other_marts", "2024-04-02 10:00:00"));
    await warehouse.run(live("gp2gp_marts", "2024-01-02 10:00:00"));
  });
  afterAll(() => warehouse?.close());

  it("the runner records assertion results in the other marts dataset (DuckDB and BigQuery)", async () => {
    expect(assertionResultsTable(context.datasets.marts)).toEqual({ schema: "other_marts", name: "run_assertion_results" });
    const duckdb = new DuckDBExecutor(warehouse, context.datasets.marts);
    await duckdb.prepareAssertionResults();
    expect(await warehouse.tableExists("other_marts", "run_assertion_results")).toBe(true);
    expect(await warehouse.tableExists("gp2gp_marts", "run_assertion_results")).toBe(false);

    const queries: string[] = [];
    const client: BigQueryClientLike = {
      async createQueryJob(config) {
        queries.push(config.query);
        return [{ id: "job", metadata: {}, getQueryResults: async () => [[]], getMetadata: async () => [{}] }];
      },
      async query() {
        return [[]];
      },
    };
    const bigquery = new BigQueryExecutor({ client, projectId: "p", marts: context.datasets.marts });
    await bigquery.prepareAssertionResults();
    expect(queries.join("\n")).toContain("`p.other_marts.run_assertion_results`");
    expect(queries.join("\n")).not.toContain("gp2gp_marts");
  });

  it("publishing reads the reporting month and the data watermark from the other marts dataset", async () => {
    await expect(assertReportingMonth(warehouse, "2024-03", context.datasets.marts)).resolves.toBeUndefined();
    await expect(assertReportingMonth(warehouse, "2024-03", "gp2gp_marts")).rejects.toThrow(/the figures for 2024-03 are provisional/);
    expect(String(await latestDataWatermark(warehouse, context.datasets.marts))).toMatch(/^2024-04-02/);
  });

  it("the leak check looks identifiers up among the other marts dataset's transfers on BigQuery", () => {
    const sql = bigQueryLookupSql(context.datasets.marts);
    expect(sql).toContain("from other_marts.transfers");
    expect(sql).not.toContain("gp2gp_marts");
  });
});
