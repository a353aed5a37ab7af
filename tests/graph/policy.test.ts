/**
 * Graph policy: layering (staged reads sources, correlated reads staged, marts read correlated and staged), every
 * action described with its grain, every column of every model described, and every mart table keyed and checked.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { CompiledGraph } from "../../scripts/lib/compile";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { duckdbGraph, openTestWarehouse, runGraph } from "../support/warehouse";

const ROOT = path.resolve(__dirname, "..", "..");
let graph: CompiledGraph;
let warehouse: Warehouse;

beforeAll(async () => {
  graph = await duckdbGraph();
  warehouse = await openTestWarehouse("policy");
  await runGraph(warehouse, { selection: { includeTests: false } });
});
afterAll(() => warehouse?.close());

const ALLOWED_READS: Record<string, string[]> = {
  [datasets.staged]: [datasets.raw, datasets.staged],
  [datasets.correlated]: [datasets.staged, datasets.correlated],
  [datasets.marts]: [datasets.staged, datasets.correlated, datasets.marts],
};

describe("graph policy", () => {
  it("leaves the incremental bookkeeping to includes/increments.ts: no model names its tables, and each step names its own model", () => {
    const problems: string[] = [];
    for (const file of fs.readdirSync(path.join(ROOT, "definitions"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".sqlx"))) {
      const text = fs.readFileSync(path.join(ROOT, "definitions", file), "utf8");
      const model = path.basename(file, ".sqlx");
      if (/ref\(\s*"(classification_progress|stg_watermarks)"\s*\)/.test(text)) problems.push(`${file} reads the bookkeeping tables itself: use increments.step or increments.dataWatermark`);
      if (/classification\.(inScope|deleteInScope|recordProgress|processedSequence|dataWatermark|batchFilter|firstChangedDay|firstChangedMonth)\b/.test(text)) problems.push(`${file} calls a bookkeeping function outside includes/increments.ts`);
      for (const [, named] of text.matchAll(/increments\.step\(\s*ref\s*,\s*"([^"]+)"/g)) {
        if (named !== model) problems.push(`${file} records its progress as "${named}", not as its own name "${model}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("keeps the layers: each model reads only its own or the layer below", () => {
    const problems: string[] = [];
    for (const table of graph.tables) {
      const allowed = ALLOWED_READS[table.target.schema];
      if (!allowed) {
        problems.push(`${table.target.schema}.${table.target.name} is in no known layer`);
        continue;
      }
      for (const dependency of table.dependencyTargets ?? []) {
        if (!allowed.includes(dependency.schema)) problems.push(`${table.target.schema}.${table.target.name} reads ${dependency.schema}.${dependency.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("describes every action, stating its grain", () => {
    const undocumented = [...graph.tables, ...graph.operations, ...graph.declarations]
      .filter((a) => !(a.actionDescriptor?.description ?? "").trim())
      .map((a) => `${a.target.schema}.${a.target.name}`);
    expect(undocumented).toEqual([]);
    const noGrain = graph.tables
      .filter((t) => !/^One row per /i.test(t.actionDescriptor?.description ?? ""))
      .map((t) => `${t.target.schema}.${t.target.name}`);
    expect(noGrain, "descriptions should start with the grain: 'One row per …'").toEqual([]);
  });

  it("describes every column of every model, and no column that does not exist", async () => {
    const problems: string[] = [];
    for (const table of graph.tables) {
      const columns = await warehouse.rows<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = '${table.target.schema}' and table_name = '${table.target.name}'`,
      );
      expect(columns.length, `${table.target.name} was not built`).toBeGreaterThan(0);
      const described = new Set((table.actionDescriptor?.columns ?? []).map((c) => c.path.join(".")));
      for (const { column_name } of columns) if (!described.has(column_name)) problems.push(`${table.target.name}.${column_name} has no description`);
      const actual = new Set(columns.map((c) => c.column_name));
      for (const name of described) if (!actual.has(name)) problems.push(`${table.target.name} describes ${name}, which it does not have`);
    }
    expect(problems).toEqual([]);
  });

  it("gives every mart table a unique key assertion and non-null key assertions", () => {
    const marts = graph.tables.filter((t) => t.target.schema === datasets.marts && t.type !== "view");
    expect(marts.length).toBeGreaterThan(0);
    for (const mart of marts) {
      const own = graph.assertions.filter((a) => a.parentAction?.name === mart.target.name && a.parentAction?.schema === mart.target.schema);
      expect(own.some((a) => /uniqueKey/.test(a.target.name)), `${mart.target.name} has no uniqueKey assertion`).toBe(true);
      expect(own.some((a) => /rowConditions/.test(a.target.name) && /IS NOT NULL/i.test(a.query)), `${mart.target.name} has no nonNull assertion`).toBe(true);
    }
  });
});
