/**
 * The publish gate's assertions are compiled disabled, so the whole-project BigQuery conformance test does not
 * reach them: here they are compiled enabled (gate_in_run) for BigQuery and type-checked by ZetaSQL.
 */
import { expect, it } from "vitest";
import { compileProject } from "../../scripts/lib/compile";
import { analyzeGraph, ZetaSqlAnalyzer } from "../support/zetasql";

it("the gate assertions are valid BigQuery SQL", async () => {
  const [graph, analyzer] = await Promise.all([compileProject({ engine: "bigquery", vars: { gate_in_run: "true" } }), ZetaSqlAnalyzer.start()]);
  try {
    const findings = await analyzeGraph(graph, { analyzer });
    const gate = findings.filter((f) => f.action.includes(".gate__"));
    expect(new Set(gate.map((f) => f.action)).size).toBe(4);
    expect(gate.filter((f) => f.error).map((f) => `${f.action}: ${f.error}`)).toEqual([]);
  } finally {
    await analyzer.close();
  }
});
