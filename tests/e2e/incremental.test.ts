/**
 * Daily incremental runs give exactly the tables of one full run: 20 days of generated Spine exports loaded one at
 * a time with a run after each, against all 20 loaded at once and run once. The first builds of both run in batches
 * of conversations (first_build_batches "auto" compiled with no warehouse: 32); a third warehouse builds in one statement
 * per step.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { generate } from "../../scripts/lib/generate";
import { loadOds } from "../../scripts/lib/load/ods";
import { loadGeography } from "../../scripts/lib/load/geography";
import { loadSpine } from "../../scripts/lib/load/spine";
import { compileProject, CompiledGraph } from "../../scripts/lib/compile";
import { compileForWarehouse } from "../../scripts/lib/pipeline";
import { firstBuildBatchesFor } from "../../includes/config";
import { duckdbGraph, runGraph, tempDir } from "../support/warehouse";

let daily: Warehouse;
let full: Warehouse;
let unbatched: Warehouse;
let unbatchedGraph: CompiledGraph;
let days: string[];

async function loadReference(warehouse: Warehouse, dir: string): Promise<void> {
  const reference = path.join(dir, "reference");
  const files = fs.readdirSync(reference).sort();
  await loadOds(warehouse, files.filter((f) => f.endsWith("organisationMetadata.json")).map((f) => path.join(reference, f)), { raw: datasets.raw });
  await loadGeography(warehouse, files.filter((f) => f.startsWith("geography")).map((f) => path.join(reference, f)), { raw: datasets.raw });
}

beforeAll(async () => {
  const dir = tempDir("incremental");
  await generate({ outDir: path.join(dir, "data"), start: "2026-03-02", days: 20, practices: 40, seed: 7 });
  const spine = path.join(dir, "data", "spine");
  days = fs.readdirSync(spine).sort().map((f) => path.join(spine, f));
  expect(days).toHaveLength(20);

  daily = await Warehouse.open(path.join(dir, "daily.duckdb"), { datasets });
  await loadReference(daily, path.join(dir, "data"));
  for (const day of days) {
    await loadSpine(daily, [day], { raw: datasets.raw });
    await runGraph(daily, { selection: { includeTests: false } });
  }

  full = await Warehouse.open(path.join(dir, "full.duckdb"), { datasets });
  await loadReference(full, path.join(dir, "data"));
  await loadSpine(full, days, { raw: datasets.raw });
  await runGraph(full, { selection: { includeTests: false } });

  unbatchedGraph = await compileProject({ engine: "duckdb", vars: { first_build_batches: "1" } });
  unbatched = await Warehouse.open(path.join(dir, "unbatched.duckdb"), { datasets });
  await loadReference(unbatched, path.join(dir, "data"));
  await loadSpine(unbatched, days, { raw: datasets.raw });
  await runGraph(unbatched, { selection: { includeTests: false }, graph: unbatchedGraph });
}, 400_000);

afterAll(() => {
  daily?.close();
  full?.close();
  unbatched?.close();
});

/** Every row of a table as text, sorted, leaving out the bookkeeping of which run computed it. */
async function contents(warehouse: Warehouse, table: string, exclude: string[] = []): Promise<string[]> {
  const columns = await warehouse.rows<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema || '.' || table_name = '${table}' order by ordinal_position`,
  );
  const kept = columns.map((c) => c.column_name).filter((c) => !exclude.includes(c));
  const rows = await warehouse.rows<{ line: string }>(`select cast(row(${kept.map((c) => `"${c}"`).join(", ")}) as varchar) as line from ${table}`);
  return rows.map((r) => r.line).sort();
}

describe("incremental daily runs", () => {
  it.each([
    ["gp2gp_marts.transfers", []],
    ["gp2gp_marts.transfers_live", []],
    ["gp2gp_marts.data_quality_daily", []],
    ["gp2gp_marts.supplier_pathway_outcomes", []],
    ["gp2gp_marts.error_code_summary", []],
    ["gp2gp_marts.transfers_by_hour", []],
    ["gp2gp_marts.technical_failures", []],
    ["gp2gp_marts.sicbl_integration_times", []],
    ["gp2gp_marts.practice_metrics_monthly", []],
    ["gp2gp_marts.national_metrics_monthly", []],
    ["gp2gp_marts.practice_month_counts", []],
    ["gp2gp_marts.area_integration_times", []],
    ["gp2gp_marts.sending_practice_metrics_monthly", []],
    ["gp2gp_marts.practice_failure_reasons_monthly", []],
    ["gp2gp_marts.practice_error_code_counts", []],
    ["gp2gp_marts.practice_error_codes_monthly", []],
    ["gp2gp_marts.sicbl_metrics_monthly", []],
    ["gp2gp_marts.icb_metrics_monthly", []],
    ["gp2gp_marts.region_metrics_monthly", []],
    ["gp2gp_marts.technical_failure_rate_daily", []],
    ["gp2gp_marts.transfer_journeys", []],
    ["gp2gp_marts.journey_stages_monthly", []],
    ["gp2gp_marts.organisation_journey_stages_monthly", []],
    ["gp2gp_marts.improvement_opportunities", []],
    ["gp2gp_marts.delay_drivers_monthly", []],
    ["gp2gp_correlated.transfer_outcomes", []],
    ["gp2gp_correlated.conversation_windows", []],
    ["gp2gp_correlated.message_positions", []],
    ["gp2gp_correlated.window_messages", []],
    ["gp2gp_correlated.registered_messages", []],
    ["gp2gp_correlated.acknowledgements", []],
    ["gp2gp_correlated.unmatched_acknowledgements", []],
    ["gp2gp_correlated.conversations", ["refresh_sequence", "refreshed_load_id", "data_watermark_at"]],
  ] as const)("%s equals the full run's", async (table, exclude) => {
    const [a, b] = await Promise.all([contents(daily, table, [...exclude]), contents(full, table, [...exclude])]);
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBe(b.length);
    expect(a).toEqual(b);
  });

  it("marks a transfer final once its window has passed, and only then", async () => {
    const counts = await daily.rows<{ cutoff_days: number; final: number; provisional: number }>(
      `select cutoff_days, count(*) filter (where is_final) as final, count(*) filter (where not is_final) as provisional
       from gp2gp_marts.transfers group by cutoff_days order by cutoff_days`,
    );
    expect(counts.map((c) => c.cutoff_days)).toEqual([0, 2, 14]);
    // 20 days of data: every cutoff has both final and provisional transfers.
    for (const c of counts) expect(c.final > 0 && c.provisional > 0, JSON.stringify(c)).toBe(true);
  });
});

const BATCHED_STEPS = ["message_positions", "window_messages", "registered_messages", "acknowledgements", "transfer_outcomes"];

describe("batched first build", () => {
  it("inserts batches 1-31 before recording progress by default, and nothing with first_build_batches=1", async () => {
    const postOps = (graph: CompiledGraph, name: string) => graph.tables.find((t) => t.target.name === name)?.postOps?.join("\n") ?? "";
    const batched = await duckdbGraph();
    for (const name of BATCHED_STEPS) {
      const ops = postOps(batched, name);
      expect(ops.match(/insert into `[^`]+\.gp2gp_correlated\.\w+` by name/g), name).toHaveLength(31);
      // the last batch's upper bound comes before the progress is recorded
      const lastBatch = ops.indexOf("conversation_number <= (32 * (select coalesce(max(conversation_number), 0) from");
      expect(lastBatch, name).toBeGreaterThan(0);
      expect(lastBatch, name).toBeLessThan(ops.indexOf("classification_progress"));
      expect(postOps(unbatchedGraph, name), name).not.toMatch(/by name|conversation_number > \(/);
    }
  });

  it("sizes first_build_batches \"auto\" from the Spine rows when a run builds from scratch, and keeps a number given", async () => {
    const batchInserts = async (...args: Parameters<typeof compileForWarehouse>) =>
      (((await compileForWarehouse(...args)).tables.find((t) => t.target.name === "window_messages")?.postOps ?? []).join("\n").match(/by name/g) ?? []).length;
    const rows = Number(await full.scalar<number>("select count(*) from gp2gp_raw.spine_messages"));
    expect(firstBuildBatchesFor(rows)).toBe(1);
    // a full refresh builds from scratch: sized from the rows, one batch
    expect(await batchInserts(full, {}, true)).toBe(0);
    // every incremental table is there: nothing is built from scratch, so the graph compiled with no warehouse serves
    expect(await batchInserts(full, {}, false)).toBe(31);
    expect(await batchInserts(full, { first_build_batches: "4" }, true)).toBe(3);
  });

  it.each(BATCHED_STEPS.map((s) => `gp2gp_correlated.${s}`).concat(["gp2gp_marts.transfers"]))("%s equals the unbatched build's", async (table) => {
    const [a, b] = await Promise.all([contents(full, table), contents(unbatched, table)]);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });
});
