/**
 * transfer_journeys and journey_stages_monthly on DuckDB: the stage times, durations, last stage and who waits, of
 * scenario conversations at each cutoff; the monthly stage counts, percentiles and service levels of the same
 * scenarios; and the identities of both marts over a generated warehouse (stage 1 is the month's transfers, no stage
 * is reached by more transfers than the one before, ended plus reaching the next is reaching, durations are the
 * differences of the stage times, core EHR to integration is sla_duration); organisation_journey_stages_monthly's
 * England rows are journey_stages_monthly's at 14 days and its practices add up to their Sub ICB Locations.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { STAGES, WAITING_ON } from "../../includes/journeys";
import { Warehouse } from "../../scripts/lib/duckdb";
import { generate } from "../../scripts/lib/generate";
import { loadGeography } from "../../scripts/lib/load/geography";
import { loadOds } from "../../scripts/lib/load/ods";
import { loadSpine } from "../../scripts/lib/load/spine";
import { conversationRows, iso, Message, pick } from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph, tempDir } from "../support/warehouse";

const marts = datasets.marts;
const day = "2024-03-04";
const t = (hms: string, d = day) => `${d} ${hms}`;
const at = (hms: string, d = day) => iso(t(hms, d));

/** Request at 09:00, acknowledged by the sending practice at 09:01. */
const requested: Message[] = [
  [t("09:00:00"), "REQ", "REQ", "R>S"],
  [t("09:01:00"), "A1", "ACK", "S>R", "REQ"],
];
/** …and the core EHR at 09:05. */
const sent: Message[] = [...requested, [t("09:05:00"), "E1", "EHR", "S>R"]];

const SCENARIOS: Record<string, Message[]> = {
  // integrated on time, an hour after the core EHR
  ONTIME: [...sent, [t("10:05:00"), "A2", "ACK", "R>S", "E1"]],
  // integrated 9 days after the core EHR: late at 14 days, still awaiting integration at 0 and 2 days
  LATE: [...sent, [t("09:05:00", "2024-03-13"), "A2", "ACK", "R>S", "E1"]],
  // a large message: the continue, two fragments acknowledged (one twice), then the core EHR integrated
  LARGE: [
    ...sent,
    [t("09:06:00"), "C1", "COPC", "R>S"],
    [t("09:07:00"), "F1", "COPC", "S>R"],
    [t("09:08:00"), "F2", "COPC", "S>R"],
    [t("09:09:00"), "A3", "ACK", "R>S", "F1"],
    [t("09:10:00"), "A4", "ACK", "R>S", "F2"],
    [t("09:11:00"), "A5", "ACK", "R>S", "F2"],
    [t("09:30:00"), "A2", "ACK", "R>S", "E1"],
  ],
  // the core EHR rejected (wrong patient) two hours after it was sent
  REJECTED: [...sent, [t("11:05:00"), "A2", "ACK", "R>S", "E1", 28]],
  // stalled: nothing after the request; the request acknowledged only; the core EHR never acknowledged
  NOACK: [[t("09:00:00"), "REQ", "REQ", "R>S"]],
  NOCORE: requested,
  STALLED: sent,
  // the request refused with a fatal sender error (10)
  FATAL: [[t("09:00:00"), "REQ", "REQ", "R>S"], [t("09:01:00"), "A1", "ACK", "S>R", "REQ", 10]],
  // the requesting practice asked for fragments and none came
  COPCNS: [...sent, [t("09:06:00"), "C1", "COPC", "R>S"]],
  // a fragment never acknowledged
  COPCNA: [...sent, [t("09:06:00"), "C1", "COPC", "R>S"], [t("09:07:00"), "F1", "COPC", "S>R"]],
  // integrated with no acknowledgement of the request in the log
  UNACKED: [[t("09:00:00"), "REQ", "REQ", "R>S"], [t("09:05:00"), "E1", "EHR", "S>R"], [t("10:05:00"), "A2", "ACK", "R>S", "E1"]],
};

const JOURNEY_COLUMNS = [
  "requested_at",
  "request_acknowledged_at",
  "core_ehr_sent_at",
  "copc_fragments_sent",
  "first_copc_sent_at",
  "last_copc_sent_at",
  "copc_fragments_acknowledged",
  "first_copc_acknowledged_at",
  "last_copc_acknowledged_at",
  "core_ehr_acknowledged_at",
  "request_to_acknowledgement_seconds",
  "acknowledgement_to_core_ehr_seconds",
  "core_ehr_to_integration_seconds",
  "copc_fragments_seconds",
  "stopped_at_stage",
  "waiting_on",
  "is_large_message",
  "status",
  "failure_reason",
] as const;
type Journey = Record<(typeof JOURNEY_COLUMNS)[number], unknown>;

/** A journey that stopped after the request: every later time NULL, unless given. */
function journey(expected: Partial<Journey> & Pick<Journey, "stopped_at_stage" | "waiting_on" | "status" | "failure_reason">): Journey {
  return {
    requested_at: at("09:00:00"),
    request_acknowledged_at: null,
    core_ehr_sent_at: null,
    copc_fragments_sent: 0,
    first_copc_sent_at: null,
    last_copc_sent_at: null,
    copc_fragments_acknowledged: 0,
    first_copc_acknowledged_at: null,
    last_copc_acknowledged_at: null,
    core_ehr_acknowledged_at: null,
    request_to_acknowledgement_seconds: null,
    acknowledgement_to_core_ehr_seconds: null,
    core_ehr_to_integration_seconds: null,
    copc_fragments_seconds: null,
    is_large_message: false,
    ...expected,
  };
}
const acknowledged = { request_acknowledged_at: at("09:01:00"), request_to_acknowledgement_seconds: 60 };
const coreSent = { ...acknowledged, core_ehr_sent_at: at("09:05:00"), acknowledgement_to_core_ehr_seconds: 240 };
const ONTIME = { status: "Integrated on time", failure_reason: null };
const TNI = { status: "Process failure", failure_reason: "Transferred, not integrated" };

/** Expected journey of each scenario at cutoff 14 (and, where given, at 0 and 2 days). */
const EXPECTED: Record<string, { 14: Journey; 2?: Journey }> = {
  ONTIME: {
    14: journey({ ...coreSent, core_ehr_acknowledged_at: at("10:05:00"), core_ehr_to_integration_seconds: 3600, stopped_at_stage: 5, waiting_on: "none", ...ONTIME }),
  },
  LATE: {
    14: journey({
      ...coreSent,
      core_ehr_acknowledged_at: at("09:05:00", "2024-03-13"),
      core_ehr_to_integration_seconds: 9 * 86_400,
      stopped_at_stage: 5,
      waiting_on: "none",
      status: "Process failure",
      failure_reason: "Integrated late",
    }),
    2: journey({ ...coreSent, stopped_at_stage: 3, waiting_on: "requesting practice", ...TNI }),
  },
  LARGE: {
    14: journey({
      ...coreSent,
      copc_fragments_sent: 2,
      first_copc_sent_at: at("09:07:00"),
      last_copc_sent_at: at("09:08:00"),
      copc_fragments_acknowledged: 2,
      first_copc_acknowledged_at: at("09:09:00"),
      last_copc_acknowledged_at: at("09:10:00"),
      core_ehr_acknowledged_at: at("09:30:00"),
      core_ehr_to_integration_seconds: 1500,
      copc_fragments_seconds: 180,
      stopped_at_stage: 5,
      waiting_on: "none",
      is_large_message: true,
      ...ONTIME,
    }),
  },
  REJECTED: {
    14: journey({
      ...coreSent,
      core_ehr_acknowledged_at: at("11:05:00"),
      core_ehr_to_integration_seconds: 7200,
      stopped_at_stage: 5,
      waiting_on: "none",
      status: "Technical failure",
      failure_reason: "Final error",
    }),
  },
  NOACK: { 14: journey({ stopped_at_stage: 1, waiting_on: "sending practice", status: "Technical failure", failure_reason: "Request not acknowledged" }) },
  NOCORE: { 14: journey({ ...acknowledged, stopped_at_stage: 2, waiting_on: "sending practice", status: "Technical failure", failure_reason: "Core extract not sent" }) },
  STALLED: { 14: journey({ ...coreSent, stopped_at_stage: 3, waiting_on: "requesting practice", ...TNI }) },
  FATAL: { 14: journey({ ...acknowledged, stopped_at_stage: 2, waiting_on: "none", status: "Technical failure", failure_reason: "Contains fatal sender error" }) },
  COPCNS: {
    14: journey({ ...coreSent, stopped_at_stage: 3, waiting_on: "sending practice", is_large_message: true, status: "Technical failure", failure_reason: "COPC(s) not sent" }),
  },
  COPCNA: {
    14: journey({
      ...coreSent,
      copc_fragments_sent: 1,
      first_copc_sent_at: at("09:07:00"),
      last_copc_sent_at: at("09:07:00"),
      stopped_at_stage: 4,
      waiting_on: "requesting practice",
      is_large_message: true,
      status: "Technical failure",
      failure_reason: "COPC(s) not acknowledged",
    }),
  },
  UNACKED: {
    14: journey({ core_ehr_sent_at: at("09:05:00"), core_ehr_acknowledged_at: at("10:05:00"), core_ehr_to_integration_seconds: 3600, stopped_at_stage: 5, waiting_on: "none", ...ONTIME }),
  },
};

let scenarios: Warehouse;

const journeyAt = async (warehouse: Warehouse, id: string, cutoff: number) => {
  const rows = await warehouse.rows(`select * from ${marts}.transfer_journeys where conversation_id = '${id}' and cutoff_days = ${cutoff}`);
  expect(rows, `${id} at ${cutoff}`).toHaveLength(1);
  return rows[0]!;
};

describe("transfer_journeys: the scenarios' stage times", () => {
  beforeAll(async () => {
    scenarios = await openTestWarehouse("journeys");
    await insertSpineRows(scenarios, Object.entries(SCENARIOS).flatMap(([id, messages]) => conversationRows(id, messages)), "2024-03-04_spine_messages.csv");
    await runGraph(scenarios);
  });
  afterAll(() => scenarios?.close());

  it.each(Object.keys(EXPECTED))("%s at 14 days", async (id) => {
    expect(pick(await journeyAt(scenarios, id, 14), JOURNEY_COLUMNS)).toEqual(EXPECTED[id]![14]);
  });

  it("sees only the window's messages: integrated late at 14 days, awaiting integration at 0 and 2 days", async () => {
    for (const cutoff of [0, 2]) expect(pick(await journeyAt(scenarios, "LATE", cutoff), JOURNEY_COLUMNS)).toEqual(EXPECTED.LATE![2]);
  });

  it("keeps core EHR to integration equal to transfers.sla_duration, and the outcome and keys of transfers", async () => {
    const mismatched = await scenarios.rows(
      `select t.conversation_id, t.cutoff_days from ${marts}.transfers as t
       full join ${marts}.transfer_journeys as j on j.conversation_id = t.conversation_id and j.cutoff_days = t.cutoff_days
       where j.conversation_id is null or t.conversation_id is null
         or j.core_ehr_to_integration_seconds is distinct from t.sla_duration
         or j.core_ehr_acknowledged_at is distinct from t.date_completed
         or j.status != t.status or j.failure_reason is distinct from t.failure_reason or j.is_final != t.is_final`,
    );
    expect(mismatched).toEqual([]);
  });

  it("names every waiting_on value the rule can give", async () => {
    const values = await scenarios.rows<{ waiting_on: string }>(`select distinct waiting_on from ${marts}.transfer_journeys order by 1`);
    expect(values.map((v) => v.waiting_on)).toEqual(Object.values(WAITING_ON).sort());
  });

  it("journey_stages_monthly: reached, ended by status, percentiles and service levels of the scenarios", async () => {
    const rows = await scenarios.rows(
      `select requesting_supplier, sending_supplier, stage_order, stage, transfers_reached, large_messages_reached, transfers_ended,
         ended_integrated_on_time, ended_process_failure, ended_technical_failure, ended_unclassified_failure, timed_transfer_count,
         time_in_stage_median_seconds, time_in_stage_p90_seconds, time_in_stage_p99_seconds, service_level_seconds, exceeded_service_level_count,
         exceeded_service_level_percent
       from ${marts}.journey_stages_monthly where cutoff_days = 14 and metric_month = date '2024-03-01'
       order by requesting_supplier, stage_order`,
    );
    const pathway = rows.filter((r) => r.requesting_supplier === "EMIS");
    const all = rows.filter((r) => r.requesting_supplier === "All");
    expect(pathway.every((r) => r.sending_supplier === "TPP")).toBe(true);
    expect(all.every((r) => r.sending_supplier === "All")).toBe(true);
    const strip = (r: Record<string, unknown>) => ({ ...r, requesting_supplier: undefined, sending_supplier: undefined });
    expect(all.map(strip)).toEqual(pathway.map(strip));
    const stage = (n: number) => ({ stage_order: n, stage: STAGES[n - 1]!.name, service_level_seconds: STAGES[n - 1]!.serviceLevelSeconds });
    expect(pathway.map((r) => pick(r, ["stage_order", "stage", "service_level_seconds"]))).toEqual([1, 2, 3, 4, 5].map(stage));
    const counts = pathway.map((r) =>
      pick(r, ["transfers_reached", "large_messages_reached", "transfers_ended", "ended_integrated_on_time", "ended_process_failure", "ended_technical_failure", "ended_unclassified_failure"]),
    );
    expect(counts).toEqual([
      // NOACK ends at 1
      { transfers_reached: 11, large_messages_reached: 3, transfers_ended: 1, ended_integrated_on_time: 0, ended_process_failure: 0, ended_technical_failure: 1, ended_unclassified_failure: 0 },
      // NOCORE and FATAL end at 2
      { transfers_reached: 10, large_messages_reached: 3, transfers_ended: 2, ended_integrated_on_time: 0, ended_process_failure: 0, ended_technical_failure: 2, ended_unclassified_failure: 0 },
      // STALLED and COPCNS end at 3
      { transfers_reached: 8, large_messages_reached: 3, transfers_ended: 2, ended_integrated_on_time: 0, ended_process_failure: 1, ended_technical_failure: 1, ended_unclassified_failure: 0 },
      // COPCNA ends at 4; the standard messages that went on pass through it
      { transfers_reached: 6, large_messages_reached: 2, transfers_ended: 1, ended_integrated_on_time: 0, ended_process_failure: 0, ended_technical_failure: 1, ended_unclassified_failure: 0 },
      // ONTIME, LATE, LARGE, REJECTED, UNACKED
      { transfers_reached: 5, large_messages_reached: 1, transfers_ended: 5, ended_integrated_on_time: 3, ended_process_failure: 1, ended_technical_failure: 1, ended_unclassified_failure: 0 },
    ]);
    const times = pathway.map((r) =>
      pick(r, ["timed_transfer_count", "time_in_stage_median_seconds", "time_in_stage_p90_seconds", "time_in_stage_p99_seconds", "exceeded_service_level_count", "exceeded_service_level_percent"]),
    );
    expect(times).toEqual([
      // every acknowledged request: 60 s each
      { timed_transfer_count: 9, time_in_stage_median_seconds: 60, time_in_stage_p90_seconds: 60, time_in_stage_p99_seconds: 60, exceeded_service_level_count: 0, exceeded_service_level_percent: 0 },
      // acknowledged and core EHR sent (UNACKED has no acknowledgement): 240 s each, above 20 minutes never
      { timed_transfer_count: 7, time_in_stage_median_seconds: 240, time_in_stage_p90_seconds: 240, time_in_stage_p99_seconds: 240, exceeded_service_level_count: 0, exceeded_service_level_percent: 0 },
      // sla_duration: 1500, 3600, 3600, 7200, 777600 (nearest rank: 3rd, 5th, 5th); LATE above 8 days
      { timed_transfer_count: 5, time_in_stage_median_seconds: 3600, time_in_stage_p90_seconds: 777_600, time_in_stage_p99_seconds: 777_600, exceeded_service_level_count: 1, exceeded_service_level_percent: 20 },
      // LARGE's fragments: first sent 09:07 to last acknowledged 09:10
      { timed_transfer_count: 1, time_in_stage_median_seconds: 180, time_in_stage_p90_seconds: 180, time_in_stage_p99_seconds: 180, exceeded_service_level_count: 0, exceeded_service_level_percent: 0 },
      { timed_transfer_count: 0, time_in_stage_median_seconds: null, time_in_stage_p90_seconds: null, time_in_stage_p99_seconds: null, exceeded_service_level_count: 0, exceeded_service_level_percent: null },
    ]);
  });
});

describe("journey identities over a generated warehouse", () => {
  let generated: Warehouse;

  beforeAll(async () => {
    const dir = tempDir("journeys-generated");
    await generate({ outDir: path.join(dir, "data"), start: "2026-03-16", days: 30, practices: 30, seed: 11 });
    const reference = path.join(dir, "data", "reference");
    const files = fs.readdirSync(reference).sort();
    const spine = path.join(dir, "data", "spine");
    generated = await Warehouse.open(path.join(dir, "generated.duckdb"), { datasets });
    await loadOds(generated, files.filter((f) => f.endsWith("organisationMetadata.json")).map((f) => path.join(reference, f)), { raw: datasets.raw });
    await loadGeography(generated, files.filter((f) => f.startsWith("geography")).map((f) => path.join(reference, f)), { raw: datasets.raw });
    await loadSpine(generated, fs.readdirSync(spine).sort().map((f) => path.join(spine, f)), { raw: datasets.raw });
    await runGraph(generated, { selection: { includeTests: false } });
  }, 300_000);
  afterAll(() => generated?.close());

  const none = async (query: string) => expect(await generated.rows(query)).toEqual([]);

  it("has journeys at every stage and both waiting sides", async () => {
    const stages = await generated.rows<{ n: number }>(`select count(distinct stopped_at_stage) as n from ${marts}.transfer_journeys`);
    expect(Number(stages[0]!.n)).toBe(5);
    const waiting = await generated.rows<{ n: number }>(`select count(distinct waiting_on) as n from ${marts}.transfer_journeys`);
    expect(Number(waiting[0]!.n)).toBe(3);
  });

  it("has one journey per transfers row, with core EHR to integration equal to sla_duration", () =>
    none(
      `select coalesce(t.conversation_id, j.conversation_id) as conversation_id from ${marts}.transfers as t
       full join ${marts}.transfer_journeys as j on j.conversation_id = t.conversation_id and j.cutoff_days = t.cutoff_days
       where j.conversation_id is null or t.conversation_id is null
         or j.core_ehr_to_integration_seconds is distinct from t.sla_duration
         or j.requested_at != t.date_requested
         or j.core_ehr_acknowledged_at is distinct from t.date_completed`,
    ));

  it("stage 1 counts the month's transfers, for all pathways and summed over the pathways", () =>
    none(
      `with transfers as (
         select request_month, cutoff_days, count(*) as n from ${marts}.transfers group by all
       ), stage_one as (
         select metric_month, cutoff_days,
           sum(case when requesting_supplier = 'All' and sending_supplier = 'All' then transfers_reached else 0 end) as total,
           sum(case when requesting_supplier = 'All' and sending_supplier = 'All' then 0 else transfers_reached end) as by_pathway
         from ${marts}.journey_stages_monthly where stage_order = 1 group by all
       )
       select * from transfers full join stage_one on stage_one.metric_month = transfers.request_month and stage_one.cutoff_days = transfers.cutoff_days
       where transfers.n is distinct from stage_one.total or transfers.n is distinct from stage_one.by_pathway`,
    ));

  it("never has a stage reached by more transfers than the stage before it; ended plus reaching the next is reaching", () =>
    none(
      `select * from (
         select *, lead(transfers_reached, 1, 0) over (partition by metric_month, cutoff_days, requesting_supplier, sending_supplier order by stage_order) as next_reached,
           count(*) over (partition by metric_month, cutoff_days, requesting_supplier, sending_supplier) as stages
         from ${marts}.journey_stages_monthly
       ) as s
       where stages != 5 or next_reached > transfers_reached or transfers_ended + next_reached != transfers_reached`,
    ));

  it("counts each stage's reached and ended transfers from transfer_journeys", () =>
    none(
      `with expected as (
         select request_month as metric_month, cutoff_days, stage_order,
           count(*) filter (where stopped_at_stage >= stage_order) as reached, count(*) filter (where stopped_at_stage = stage_order) as ended
         from ${marts}.transfer_journeys cross join range(1, 6) as r(stage_order) group by all
       )
       select * from expected
       join ${marts}.journey_stages_monthly as m using (metric_month, cutoff_days, stage_order)
       where m.requesting_supplier = 'All' and (m.transfers_reached != expected.reached or m.transfers_ended != expected.ended)`,
    ));

  it("gives durations that are the differences of the stage times (whole seconds, never negative)", () =>
    none(
      `select conversation_id, cutoff_days from ${marts}.transfer_journeys
       where ${[
         ["request_to_acknowledgement_seconds", "request_acknowledged_at", "requested_at"],
         ["acknowledgement_to_core_ehr_seconds", "core_ehr_sent_at", "request_acknowledged_at"],
         ["core_ehr_to_integration_seconds", "core_ehr_acknowledged_at", "core_ehr_sent_at"],
       ]
         .map(
           ([duration, later, earlier]) =>
             `(${duration} is null) != (${later} is null or ${earlier} is null)
              or abs(${duration} - greatest(0, (epoch_ms(${later}) - epoch_ms(${earlier})) / 1000.0)) > 0.5`,
         )
         .join(" or ")}
         or (copc_fragments_seconds is not null and abs(copc_fragments_seconds - (epoch_ms(last_copc_acknowledged_at) - epoch_ms(first_copc_sent_at)) / 1000.0) > 0.5)`,
    ));

  it("orders the stage times of a journey as the stages", () =>
    none(
      `select conversation_id, cutoff_days from ${marts}.transfer_journeys
       where request_acknowledged_at < requested_at or core_ehr_sent_at < requested_at or core_ehr_acknowledged_at < core_ehr_sent_at
         or first_copc_sent_at > last_copc_sent_at or first_copc_acknowledged_at > last_copc_acknowledged_at
         or (stopped_at_stage = 5) != (core_ehr_acknowledged_at is not null)
         or (stopped_at_stage = 5 and waiting_on != 'none') or (failure_reason = 'Contains fatal sender error' and waiting_on != 'none')
         or (stopped_at_stage <= 2 and waiting_on = 'requesting practice') or (stopped_at_stage = 4 and waiting_on = 'sending practice')`,
    ));

  it("organisation_journey_stages_monthly: England is journey_stages_monthly's all-pathway rows at 14 days; practices add up to their Sub ICB Location", async () => {
    await none(
      `select coalesce(e.metric_month, j.metric_month) as metric_month, coalesce(e.stage_order, j.stage_order) as stage_order
       from (select * from ${marts}.organisation_journey_stages_monthly where scope_kind = 'England') as e
       full join (select * from ${marts}.journey_stages_monthly where cutoff_days = 14 and requesting_supplier = 'All' and sending_supplier = 'All') as j
         on j.metric_month = e.metric_month and j.stage_order = e.stage_order
       where e.stage_order is null or j.stage_order is null
         or e.transfers_reached != j.transfers_reached or e.transfers_ended != j.transfers_ended or e.timed_transfer_count != j.timed_transfer_count
         or e.time_in_stage_median_seconds is distinct from j.time_in_stage_median_seconds or e.exceeded_service_level_count != j.exceeded_service_level_count`,
    );
    await none(
      `with practices as (
         select o.metric_month, a.sicbl_ods_code, o.stage_order, sum(o.transfers_reached) as reached, sum(o.transfers_ended) as ended,
           sum(o.timed_transfer_count) as timed, sum(o.exceeded_service_level_count) as exceeded
         from ${marts}.organisation_journey_stages_monthly as o
         join (select distinct practice_ods_code, sicbl_ods_code from ${marts}.practice_metrics_monthly where sicbl_ods_code is not null) as a on a.practice_ods_code = o.scope_id
         where o.scope_kind = 'requesting practice' group by all
       )
       select * from practices
       full join (select * from ${marts}.organisation_journey_stages_monthly where scope_kind = 'Sub ICB Location') as s
         on s.metric_month = practices.metric_month and s.scope_id = practices.sicbl_ods_code and s.stage_order = practices.stage_order
       where practices.reached is distinct from s.transfers_reached or practices.ended is distinct from s.transfers_ended
         or practices.timed is distinct from s.timed_transfer_count or practices.exceeded is distinct from s.exceeded_service_level_count`,
    );
    const practices = await generated.rows<{ n: number }>(`select count(distinct scope_id) as n from ${marts}.organisation_journey_stages_monthly where scope_kind = 'requesting practice'`);
    expect(Number(practices[0]!.n)).toBeGreaterThan(10);
  });
});
