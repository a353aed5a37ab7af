/**
 * improvement_opportunities on DuckDB: over a generated warehouse, every row recomputed from the final transfers
 * (counts per scope, the best quartile over the peers with enough transfers, avoidable paper fallbacks never negative
 * nor above paper_fallbacks, ranks following the avoidable counts, staff hours and cost following the vars); then a
 * worked example of hand-built transfers whose every figure is computed by hand. delay_drivers_monthly over the same
 * warehouse: every kind present; per kind that partitions the transfers, transfers sum to the month's and the excess
 * to 0; the rate ratio, excess and median integration time of each pathway recomputed.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { DRIVER_KINDS, PARTITIONING_DRIVER_KINDS, SCOPE_KINDS } from "../../includes/opportunities";
import { compileProject } from "../../scripts/lib/compile";
import type { CompiledGraph } from "../../scripts/lib/compile";
import { Warehouse } from "../../scripts/lib/duckdb";
import { generate } from "../../scripts/lib/generate";
import { loadGeography } from "../../scripts/lib/load/geography";
import { loadOds } from "../../scripts/lib/load/ods";
import { loadSpine } from "../../scripts/lib/load/spine";
import { runGraph, tempDir } from "../support/warehouse";

const marts = datasets.marts;
/** Vars other than the defaults, so the test shows that each one is used. */
const MIN_TRANSFERS = 5;
const HOURS = 3;
const COST = 30;
const VARS = { opportunity_min_transfers: String(MIN_TRANSFERS), impact_hours_per_paper_record: String(HOURS), impact_cost_per_hour_gbp: String(COST) };

interface Opportunity {
  metric_month: string;
  scope_kind: string;
  scope_id: string;
  scope_name: string;
  transfers: number;
  paper_fallbacks: number;
  paper_fallback_percent: number;
  peer_count: number;
  peer_best_quartile_percent: number | null;
  avoidable_paper_fallbacks: number;
  staff_hours_avoided: number;
  cost_avoided_gbp: number;
  who_can_act: string;
  page_path: string;
  opportunity_rank: number;
}

const COLUMNS = "strftime(metric_month, '%Y-%m') as metric_month, scope_kind, scope_id, scope_name, transfers, paper_fallbacks, paper_fallback_percent, peer_count, peer_best_quartile_percent, avoidable_paper_fallbacks, staff_hours_avoided, cost_avoided_gbp, who_can_act, page_path, opportunity_rank";

async function opportunities(warehouse: Warehouse): Promise<Opportunity[]> {
  const rows = await warehouse.rows<Record<string, unknown>>(`select ${COLUMNS} from ${marts}.improvement_opportunities order by metric_month, opportunity_rank`);
  return rows.map((r) => ({
    ...(r as unknown as Opportunity),
    transfers: Number(r.transfers),
    paper_fallbacks: Number(r.paper_fallbacks),
    paper_fallback_percent: Number(r.paper_fallback_percent),
    peer_count: Number(r.peer_count),
    peer_best_quartile_percent: r.peer_best_quartile_percent === null ? null : Number(r.peer_best_quartile_percent),
    avoidable_paper_fallbacks: Number(r.avoidable_paper_fallbacks),
    staff_hours_avoided: Number(r.staff_hours_avoided),
    cost_avoided_gbp: Number(r.cost_avoided_gbp),
    opportunity_rank: Number(r.opportunity_rank),
  }));
}

let graph: CompiledGraph;
let warehouse: Warehouse;

beforeAll(async () => {
  graph = await compileProject({ engine: "duckdb", vars: VARS });
  const dir = tempDir("opportunities");
  await generate({ outDir: path.join(dir, "data"), start: "2026-03-01", days: 45, practices: 30, seed: 5 });
  const reference = path.join(dir, "data", "reference");
  const files = fs.readdirSync(reference).sort();
  const spine = path.join(dir, "data", "spine");
  warehouse = await Warehouse.open(path.join(dir, "generated.duckdb"), { datasets });
  await loadOds(warehouse, files.filter((f) => f.endsWith("organisationMetadata.json")).map((f) => path.join(reference, f)), { raw: datasets.raw });
  await loadGeography(warehouse, files.filter((f) => f.startsWith("geography")).map((f) => path.join(reference, f)), { raw: datasets.raw });
  await loadSpine(warehouse, fs.readdirSync(spine).sort().map((f) => path.join(spine, f)), { raw: datasets.raw });
  await runGraph(warehouse, { graph, selection: { includeTests: false } });
}, 300_000);
afterAll(() => warehouse?.close());

describe("improvement opportunities over a generated warehouse", () => {
  it("recomputes every row from the final transfers at the metrics cutoff", async () => {
    const transfers = await warehouse.rows<Record<string, string | null>>(`
      select strftime(request_month, '%Y-%m') as month, status,
        coalesce(nullif(sending_supplier, ''), 'Unknown') || ' → ' || coalesce(nullif(requesting_supplier, ''), 'Unknown') as pathway,
        sending_practice_ods_code as sending, requesting_practice_ods_code as requesting, requesting_practice_sicbl_ods_code as sicbl,
        array_to_string(list_distinct(list_concat(sender_error_codes, final_error_codes, intermediate_error_codes)), ',') as codes
      from ${marts}.transfers where cutoff_days = 14 and is_final`);
    expect(transfers.length).toBeGreaterThan(200);
    const counts = new Map<string, { month: string; kind: string; id: string; transfers: number; paper: number }>();
    for (const t of transfers) {
      const scopes: [string, string | null][] = [
        ["supplier pathway", t.pathway!],
        ["sending practice", t.sending!],
        ["requesting practice", t.requesting!],
        ["Sub ICB Location", t.sicbl!],
        ...(t.codes ? t.codes.split(",").map((code): [string, string] => ["error code", code]) : []),
      ];
      for (const [kind, id] of scopes) {
        if (id === null) continue;
        const key = `${t.month}|${kind}|${id}`;
        const c = counts.get(key) ?? { month: t.month!, kind, id, transfers: 0, paper: 0 };
        c.transfers += 1;
        if (t.status !== "Integrated on time") c.paper += 1;
        counts.set(key, c);
      }
    }
    const quartiles = new Map<string, { count: number; paper?: number; transfers?: number }>();
    for (const c of counts.values()) quartiles.set(`${c.month}|${c.kind}`, { count: 0 });
    const groups = new Map<string, typeof peers>();
    const peers = [...counts.values()].filter((c) => c.transfers >= MIN_TRANSFERS);
    for (const p of peers) groups.set(`${p.month}|${p.kind}`, [...(groups.get(`${p.month}|${p.kind}`) ?? []), p]);
    for (const [key, group] of groups) {
      group.sort((a, b) => a.paper / a.transfers - b.paper / b.transfers || (a.id < b.id ? -1 : 1));
      const best = group[Math.ceil(group.length / 4) - 1]!;
      quartiles.set(key, { count: group.length, paper: best.paper, transfers: best.transfers });
    }
    const rows = await opportunities(warehouse);
    expect(rows.length).toBe(counts.size);
    expect(new Set(rows.map((r) => r.scope_kind))).toEqual(new Set(SCOPE_KINDS.map((k) => k.kind)));
    for (const row of rows) {
      const c = counts.get(`${row.metric_month}|${row.scope_kind}|${row.scope_id}`);
      expect(c, `${row.metric_month} ${row.scope_kind} ${row.scope_id}`).toBeDefined();
      const q = quartiles.get(`${row.metric_month}|${row.scope_kind}`)!;
      const avoidable = q.transfers === undefined ? 0 : Math.min(c!.paper, Math.max(0, Math.round((c!.paper * q.transfers - c!.transfers * q.paper!) / q.transfers)));
      expect({ transfers: row.transfers, paper: row.paper_fallbacks, peers: row.peer_count, avoidable: row.avoidable_paper_fallbacks }).toEqual({
        transfers: c!.transfers,
        paper: c!.paper,
        peers: q.count,
        avoidable,
      });
      if (q.transfers === undefined) expect(row.peer_best_quartile_percent).toBeNull();
      else expect(row.peer_best_quartile_percent).toBeCloseTo((100 * q.paper!) / q.transfers, 2);
    }
    // the generated month has peers of every kind and something to avoid
    expect(rows.some((r) => r.avoidable_paper_fallbacks > 0)).toBe(true);
  });

  it("never has avoidable paper fallbacks below 0 or above paper_fallbacks, and the hours and cost follow the vars", async () => {
    for (const row of await opportunities(warehouse)) {
      expect(row.avoidable_paper_fallbacks).toBeGreaterThanOrEqual(0);
      expect(row.avoidable_paper_fallbacks).toBeLessThanOrEqual(row.paper_fallbacks);
      expect(row.staff_hours_avoided).toBeCloseTo(row.avoidable_paper_fallbacks * HOURS, 9);
      expect(row.cost_avoided_gbp).toBeCloseTo(row.avoidable_paper_fallbacks * HOURS * COST, 9);
    }
  });

  it("ranks each month's rows 1, 2, 3 … by avoidable paper fallbacks, most first", async () => {
    const byMonth = new Map<string, Opportunity[]>();
    for (const row of await opportunities(warehouse)) byMonth.set(row.metric_month, [...(byMonth.get(row.metric_month) ?? []), row]);
    for (const rows of byMonth.values()) {
      expect(rows.map((r) => r.opportunity_rank)).toEqual(rows.map((_, i) => i + 1));
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.avoidable_paper_fallbacks).toBeLessThanOrEqual(rows[i - 1]!.avoidable_paper_fallbacks);
    }
  });
});

describe("delay drivers over a generated warehouse", () => {
  it("has every kind of driver; per partitioning kind, transfers sum to the month's and excess to about 0", async () => {
    const kinds = await warehouse.rows<{ driver_kind: string }>(`select distinct driver_kind from ${marts}.delay_drivers_monthly`);
    expect(new Set(kinds.map((k) => k.driver_kind))).toEqual(new Set(DRIVER_KINDS));
    const sums = await warehouse.rows<Record<string, unknown>>(`
      with months as (
        select request_month as metric_month, count(*) as n from ${marts}.transfers where cutoff_days = 14 and is_final group by all
      )
      select drivers.metric_month, drivers.driver_kind, sum(drivers.transfers) as transfers, sum(drivers.excess_paper_fallbacks) as excess, max(months.n) as month_transfers
      from ${marts}.delay_drivers_monthly as drivers inner join months using (metric_month)
      group by all`);
    expect(sums.length).toBeGreaterThan(0);
    for (const row of sums) {
      if (!PARTITIONING_DRIVER_KINDS.includes(String(row.driver_kind))) continue;
      expect(Number(row.transfers), String(row.driver_kind)).toBe(Number(row.month_transfers));
      expect(Math.abs(Number(row.excess))).toBeLessThan(1e-6);
    }
    expect(sums.filter((r) => PARTITIONING_DRIVER_KINDS.includes(String(r.driver_kind))).length).toBe(
      PARTITIONING_DRIVER_KINDS.length * new Set(sums.map((r) => String(r.metric_month))).size,
    );
  });

  it("gives the rate ratio to the national rate and the median integration time of each pathway", async () => {
    const rows = await warehouse.rows<Record<string, unknown>>(`
      select strftime(metric_month, '%Y-%m') as month, driver_value, transfers, paper_fallbacks, rate_ratio, excess_paper_fallbacks, median_integration_hours,
        sum(paper_fallbacks) over (partition by metric_month) as national_paper, sum(transfers) over (partition by metric_month) as national_transfers
      from ${marts}.delay_drivers_monthly where driver_kind = 'supplier pathway'`);
    const integrated = await warehouse.rows<Record<string, unknown>>(`
      select strftime(request_month, '%Y-%m') as month,
        coalesce(nullif(sending_supplier, ''), 'Unknown') || ' → ' || coalesce(nullif(requesting_supplier, ''), 'Unknown') as pathway, sla_duration, conversation_id
      from ${marts}.transfers
      where cutoff_days = 14 and is_final and (status = 'Integrated on time' or failure_reason = 'Integrated late') and sla_duration is not null
      order by sla_duration, conversation_id`);
    for (const row of rows) {
      const national = Number(row.national_paper) / Number(row.national_transfers);
      expect(Number(row.rate_ratio)).toBeCloseTo(Number(row.paper_fallbacks) / Number(row.transfers) / national, 9);
      expect(Number(row.excess_paper_fallbacks)).toBeCloseTo(Number(row.paper_fallbacks) - Number(row.transfers) * national, 9);
      const times = integrated.filter((t) => t.month === row.month && t.pathway === row.driver_value).map((t) => Number(t.sla_duration));
      if (times.length === 0) expect(row.median_integration_hours).toBeNull();
      else expect(Number(row.median_integration_hours)).toBeCloseTo(times[Math.ceil(times.length / 2) - 1]! / 3600, 9);
    }
  });
});

describe("a worked example", () => {
  /** Requesting practice: transfers, of which paper fallbacks; all sent by practice X over EMIS → TPP, in SICBL S1. */
  const PRACTICES: [string, number, number][] = [
    ["PA", 10, 1], // 10 %: the best quartile of the four peers (ceil(4/4) = 1st lowest)
    ["PB", 10, 2], // 20 %: 2 − 10 × 10 % = 1 avoidable
    ["PC", 10, 4], // 40 %: 3 avoidable; three of its paper fallbacks carry error code 30
    ["PD", 20, 10], // 50 %: 10 − 20 × 10 % = 8 avoidable
    ["PE", 4, 0], // 0 %, but 4 transfers is fewer than the 5 a peer needs: it does not set the bar
  ];

  beforeAll(async () => {
    await warehouse.run(`delete from ${marts}.transfers`);
    const values: string[] = [];
    for (const [practice, count, paper] of PRACTICES) {
      for (let i = 0; i < count; i++) {
        const status = i < paper ? (i % 2 ? "Technical failure" : "Process failure") : "Integrated on time";
        const codes = practice === "PC" && i < 3 ? "[30]" : "[]";
        const senderCodes = practice === "PC" && i === 0 ? "[30]" : "[]";
        values.push(`('${practice}-${i}', 14, true, date '2025-01-01', '${status}', 'EMIS', 'TPP', 'X', 'Practice X', '${practice}', 'Practice ${practice}', 'S1', 'Sub ICB S1', ${senderCodes}, ${codes}, [])`);
      }
    }
    await warehouse.run(`insert into ${marts}.transfers by name
      select * from (values ${values.join(", ")}) as t(conversation_id, cutoff_days, is_final, request_month, status, requesting_supplier, sending_supplier,
        sending_practice_ods_code, sending_practice_name, requesting_practice_ods_code, requesting_practice_name,
        requesting_practice_sicbl_ods_code, requesting_practice_sicbl_name, sender_error_codes, final_error_codes, intermediate_error_codes)`);
    await runGraph(warehouse, { graph, selection: { actions: [`${marts}.improvement_opportunities`], includeTests: false } });
  });

  it("gives the hand-computed figures and ranks", async () => {
    const rows = await opportunities(warehouse);
    const brief = rows.map((r) => [r.opportunity_rank, r.scope_kind, r.scope_id, r.transfers, r.paper_fallbacks, r.peer_count, r.peer_best_quartile_percent, r.avoidable_paper_fallbacks]);
    expect(brief).toEqual([
      [1, "requesting practice", "PD", 20, 10, 4, 10, 8],
      [2, "requesting practice", "PC", 10, 4, 4, 10, 3],
      [3, "requesting practice", "PB", 10, 2, 4, 10, 1],
      // one scope of its kind with 54 transfers: its own rate is the best quartile, nothing to avoid
      [4, "Sub ICB Location", "S1", 54, 17, 1, 31.48, 0],
      [5, "sending practice", "X", 54, 17, 1, 31.48, 0],
      [6, "supplier pathway", "TPP → EMIS", 54, 17, 1, 31.48, 0],
      // three transfers with code 30 (one of them twice): below the peers' minimum, so no best quartile
      [7, "error code", "30", 3, 3, 0, null, 0],
      [8, "requesting practice", "PA", 10, 1, 4, 10, 0],
      // 0 − 4 × 10 % is negative: held at 0
      [9, "requesting practice", "PE", 4, 0, 4, 10, 0],
    ]);
    const top = rows[0]!;
    expect(top).toMatchObject({
      scope_name: "Practice PD",
      paper_fallback_percent: 50,
      staff_hours_avoided: 8 * HOURS,
      cost_avoided_gbp: 8 * HOURS * COST,
      who_can_act: "requesting practice",
      page_path: "/practices/PD/",
    });
    const byKind = new Map(rows.map((r) => [r.scope_kind, r]));
    expect(byKind.get("Sub ICB Location")).toMatchObject({ page_path: "/sub-icb-locations/S1/", who_can_act: "Sub ICB Location (ICB) digital team", scope_name: "Sub ICB S1" });
    expect(byKind.get("sending practice")).toMatchObject({ page_path: "/practices/X/", who_can_act: "sending practice" });
    expect(byKind.get("supplier pathway")).toMatchObject({ page_path: "/operations/supplier-pathways/", who_can_act: "system suppliers" });
    expect(byKind.get("error code")).toMatchObject({ page_path: "/operations/error-codes/", who_can_act: "system suppliers and service desk" });
    expect(byKind.get("error code")!.scope_name).toMatch(/^30 - /);
  });
});
