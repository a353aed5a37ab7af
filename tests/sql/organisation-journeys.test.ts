/**
 * organisation_journey_stages_monthly on DuckDB: the journey stages of a requesting practice, of the practices of a
 * Sub ICB Location (as practice_metrics_monthly attributes them) and of England, at the metrics cutoff: transfers
 * reaching each stage and stopping there, the median time in the stage and the share over its service level. England
 * matches journey_stages_monthly's all-pathway rows; no column names a transfer or a system.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { ENGLAND_ID, ORGANISATION_SCOPES, STAGES } from "../../includes/journeys";
import { INTERNAL_COLUMN } from "../../scripts/lib/reports/audience";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { transfersOf, watermarkRow } from "../support/transfers";
import { duckdbGraph, insertReference, insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const marts = datasets.marts;
const MART = "organisation_journey_stages_monthly";
const asid = (n: number) => `70000000000${n}`;
const MARCH = "2021-03-04 09:00";

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("organisation-journeys");
  await insertSpineRows(
    warehouse,
    [
      ...transfersOf("P1", ["ON3", "LATE", "RNA", "TNI", "CNS"], MARCH, asid(1)),
      ...transfersOf("P2", ["ON8", "FINAL"], MARCH, asid(2)),
      ...transfersOf("P3", ["COPCNA"], MARCH, asid(3)),
      ...transfersOf("P4", ["ON3"], MARCH, asid(4)),
      ...transfersOf("UNKNOWN", ["RNA"], MARCH, "555555555555"),
      watermarkRow("2021-04-20 00:00"),
    ],
    "spine_messages.csv",
  );
  await insertReference(
    warehouse,
    "2021-03",
    [1, 2, 3, 4].map((n) => ({ odsCode: `P${n}`, name: `Practice ${n}`, asids: [asid(n)] })),
    [
      { odsCode: "01A", name: "SICBL One", practices: ["P1", "P2"] },
      { odsCode: "02B", name: "SICBL Two", practices: ["P3"] },
    ],
  );
  const graph = await duckdbGraph();
  const actions = [MART, "journey_stages_monthly"];
  const own = graph.assertions.filter((a) => a.parentAction && actions.includes(a.parentAction.name)).map((a) => a.target.name);
  await runGraph(warehouse, { selection: { actions: [...actions, ...own], includeDependencies: true, includeTests: false } });
});

afterAll(() => warehouse?.close());

const FIGURES = ["stage_order", "transfers_reached", "transfers_ended", "timed_transfer_count", "time_in_stage_median_seconds", "exceeded_service_level_count", "exceeded_service_level_percent"] as const;
type Figures = Record<(typeof FIGURES)[number], number | null>;
const stage = (...values: (number | null)[]): Figures => Object.fromEntries(FIGURES.map((name, i) => [name, values[i] ?? null])) as Figures;

async function scope(kind: string, id: string): Promise<Record<string, unknown>[]> {
  return warehouse.rows(`select * from ${marts}.${MART} where scope_kind = '${kind}' and scope_id = '${id}' and metric_month = date '2021-03-01' order by stage_order`);
}
const figures = (rows: Record<string, unknown>[]) => rows.map((row) => Object.fromEntries(FIGURES.map((name) => [name, row[name]])));

describe(MART, () => {
  it("counts a requesting practice's transfers by stage: reached, stopped there, median time and the share over the service level", async () => {
    const rows = await scope(ORGANISATION_SCOPES.PRACTICE, "P1");
    expect(rows.map((r) => [r.stage, r.service_level_seconds, r.cutoff_days, r.is_final])).toEqual(STAGES.map((s) => [s.name, s.serviceLevelSeconds, 14, true]));
    expect(figures(rows)).toEqual([
      // RNA stops at the request; the other four were acknowledged a minute later
      stage(1, 5, 1, 4, 60, 0, 0),
      // CNS stops at the acknowledgement; three core EHRs sent 59 minutes after it, over the 20 minutes
      stage(2, 4, 1, 3, 3540, 3, 100),
      // TNI stops at the core EHR; ON3 (3 days) and LATE (8 days and a second) integrated: nearest rank median 3 days
      stage(3, 3, 1, 2, 259_200, 1, 50),
      // standard messages pass through the fragments stage with nothing to time
      stage(4, 2, 0, 0, null, 0, null),
      stage(5, 2, 2, 0, null, 0, null),
    ]);
  });

  it("counts a Sub ICB Location over the practices attributed to it", async () => {
    expect(figures(await scope(ORGANISATION_SCOPES.SICBL, "01A"))).toEqual([
      stage(1, 7, 1, 6, 60, 0, 0),
      stage(2, 6, 1, 5, 3540, 5, 100),
      // 7200 (FINAL), 259 200, 259 201, 691 201: the 2nd
      stage(3, 5, 1, 4, 259_200, 1, 25),
      stage(4, 4, 0, 0, null, 0, null),
      stage(5, 4, 4, 0, null, 0, null),
    ]);
    // a fragment never acknowledged: stopped at stage 4, reached by one transfer
    expect(figures(await scope(ORGANISATION_SCOPES.SICBL, "02B")).map((r) => [r.transfers_reached, r.transfers_ended])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
  });

  it("keeps a practice with no Sub ICB Location on its own row only, and a transfer with no practice in England only", async () => {
    expect((await scope(ORGANISATION_SCOPES.PRACTICE, "P4")).map((r) => r.transfers_reached)).toEqual([1, 1, 1, 1, 1]);
    const scopes = await warehouse.rows<{ scope_kind: string; scope_id: string; n: number }>(
      `select scope_kind, scope_id, transfers_reached as n from ${marts}.${MART} where stage_order = 1 order by scope_kind, scope_id`,
    );
    expect(scopes).toEqual([
      { scope_kind: ORGANISATION_SCOPES.ENGLAND, scope_id: ENGLAND_ID, n: 10 },
      { scope_kind: ORGANISATION_SCOPES.SICBL, scope_id: "01A", n: 7 },
      { scope_kind: ORGANISATION_SCOPES.SICBL, scope_id: "02B", n: 1 },
      { scope_kind: ORGANISATION_SCOPES.PRACTICE, scope_id: "P1", n: 5 },
      { scope_kind: ORGANISATION_SCOPES.PRACTICE, scope_id: "P2", n: 2 },
      { scope_kind: ORGANISATION_SCOPES.PRACTICE, scope_id: "P3", n: 1 },
      { scope_kind: ORGANISATION_SCOPES.PRACTICE, scope_id: "P4", n: 1 },
    ]);
  });

  it("gives England the figures of journey_stages_monthly's all-pathway rows at the metrics cutoff", async () => {
    const mismatched = await warehouse.rows(
      `select e.stage_order from ${marts}.${MART} as e
       full join (select * from ${marts}.journey_stages_monthly where cutoff_days = 14 and requesting_supplier = 'All' and sending_supplier = 'All') as j
         on j.metric_month = e.metric_month and j.stage_order = e.stage_order
       where e.scope_kind = '${ORGANISATION_SCOPES.ENGLAND}' and (
         j.stage_order is null or e.transfers_reached != j.transfers_reached or e.transfers_ended != j.transfers_ended
         or e.timed_transfer_count != j.timed_transfer_count or e.time_in_stage_median_seconds is distinct from j.time_in_stage_median_seconds
         or e.exceeded_service_level_count != j.exceeded_service_level_count)`,
    );
    expect(mismatched).toEqual([]);
    expect((await scope(ORGANISATION_SCOPES.ENGLAND, ENGLAND_ID)).length).toBe(STAGES.length);
  });

  it("names no transfer or system: its columns are fit for the public site", async () => {
    const columns = await warehouse.rows<{ column_name: string }>(`select column_name from information_schema.columns where table_schema = '${marts}' and table_name = '${MART}'`);
    expect(columns.length).toBeGreaterThan(0);
    expect(columns.map((c) => c.column_name).filter((name) => INTERNAL_COLUMN.test(name))).toEqual([]);
  });
});
