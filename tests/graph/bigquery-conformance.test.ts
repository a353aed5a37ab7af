/**
 * BigQuery conformance of the whole project, offline: the project compiled for engine bigquery, and every
 * statement the BigQuery executor would run for it (CREATE … AS with partitioning and options, incremental
 * queries, MERGE/INSERT, pre/post operations, column descriptions, operations, assertions, unit tests) type-checked
 * by ZetaSQL in dependency order against the raw schemas and the models' analysed outputs. A failure names the
 * action, its file, the statement and the analyzer's message. The same for the graph of an incremental run, whose
 * checks of the incremental models read only the rows the run wrote (assertion_scope "run").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompiledGraph, compileProject } from "../../scripts/lib/compile";
import { buildActions } from "../../scripts/lib/runner/graph";
import { analyzeGraph, Finding, NOT_ANALYSED, ZetaSqlAnalyzer } from "../support/zetasql";

describe("BigQuery conformance (ZetaSQL)", () => {
  let graph: CompiledGraph;
  let analyzer: ZetaSqlAnalyzer;
  let findings: Finding[];

  beforeAll(async () => {
    [graph, analyzer] = await Promise.all([compileProject({ engine: "bigquery" }), ZetaSqlAnalyzer.start()]);
    findings = await analyzeGraph(graph, { analyzer });
  });
  afterAll(async () => {
    await analyzer?.close();
  });

  it("analyses every statement of every action without an error", () => {
    const errors = findings.filter((f) => f.error);
    const failures = errors
      .filter((f) => !f.error!.startsWith(NOT_ANALYSED))
      .map((f) => `${f.action} (${f.fileName ?? "?"}) — ${f.purpose}:\n  ${f.error!.replace(/\n/g, "\n  ")}`);
    const blocked = errors.filter((f) => f.error!.startsWith(NOT_ANALYSED)).map((f) => f.action);
    if (blocked.length > 0) failures.push(`Not analysed because something they depend on failed: ${blocked.join(", ")}`);
    expect(failures.join("\n\n")).toBe("");
  });

  it("skips nothing: every action of the graph has analysed statements", () => {
    const analysed = new Set(findings.map((f) => f.action));
    const actions = buildActions(graph).filter((a) => a.kind !== "declaration");
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.map((a) => a.name).filter((name) => !analysed.has(name))).toEqual([]);
    // Every table, view and incremental that the first test does not report reached the analyzer's catalog (its
    // CREATE statement was analysed), so that its dependents were checked against its real output.
    const failed = new Set(findings.filter((f) => f.error).map((f) => f.action));
    const created = new Set(findings.filter((f) => f.purpose === "create").map((f) => f.action));
    const builds = actions.filter((a) => a.kind === "table" || a.kind === "view" || a.kind === "incremental").map((a) => a.name);
    expect(builds.filter((name) => !created.has(name) && !failed.has(name))).toEqual([]);
  });
});

describe("BigQuery conformance (ZetaSQL) of an incremental run's checks", () => {
  it("analyses every assertion scoped to the rows a run wrote without an error", async () => {
    const [graph, analyzer] = await Promise.all([compileProject({ engine: "bigquery", vars: { assertion_scope: "run" } }), ZetaSqlAnalyzer.start()]);
    try {
      const scoped = graph.assertions.filter((a) => a.query.includes("recorded_at <"));
      expect(scoped.map((a) => a.target.name)).toContain("gp2gp_marts_transfers_assertions_uniqueKey_0");
      expect(scoped.map((a) => a.target.name)).toContain("transfers__miss_a_cutoff");
      const findings = await analyzeGraph(graph, { analyzer });
      const assertions = new Set(buildActions(graph).filter((a) => a.kind === "assertion").map((a) => a.name));
      const errors = findings.filter((f) => f.error && assertions.has(f.action)).map((f) => `${f.action} (${f.fileName ?? "?"}):\n  ${f.error!.replace(/\n/g, "\n  ")}`);
      expect(errors.join("\n\n")).toBe("");
    } finally {
      await analyzer.close();
    }
  }, 600_000);
});
