/**
 * Test support for the metric scenarios (spec §7.4): the Spine export rows of a transfer that the classifier turns
 * into a chosen outcome, for a given requesting practice ASID and request time, following the §7.1 conventions
 * (REQ from the requesting ASID to the sending ASID, its GUID = the conversation id, acknowledgements as ACK rows
 * whose messageRef is the acknowledged GUID and whose jdiEvent is the code or NONE).
 */
import { datasets } from "../../includes/config";
import { FAILURE_REASON, INTERACTION_PREFIX, STATUS } from "../../includes/constants";
import type { Warehouse } from "../../scripts/lib/duckdb";
import type { RunSummary } from "../../scripts/lib/runner/runner";
import { duckdbGraph, runGraph, SpineRow } from "./warehouse";

/** §7.1: the requesting practice R and the sending practice S, with their suppliers. */
export const R = "012345678901";
export const S = "987654321098";
const SUPPLIER: Record<string, string> = { [R]: "EMIS", [S]: "TPP" };

const REQ = `${INTERACTION_PREFIX}RCMR_IN010000UK05`;
const EHR = `${INTERACTION_PREFIX}RCMR_IN030000UK06`;
const ACK = `${INTERACTION_PREFIX}MCCI_IN010000UK13`;
const COPC = `${INTERACTION_PREFIX}COPC_IN000001UK01`;

/** The §7.4 shorthands. */
export type Outcome = "ON3" | "ON8" | "LATE" | "TNI" | "FINAL" | "RNA" | "CNS" | "FATAL" | "COPCNS" | "COPCNA" | "TNIWE" | "AMB";

/** What each shorthand classifies as (status, failure reason, sla_duration). */
export const OUTCOMES: Record<Outcome, { status: string; failure_reason: string | null; sla_duration: number | null }> = {
  ON3: { status: STATUS.INTEGRATED_ON_TIME, failure_reason: null, sla_duration: 259_200 },
  ON8: { status: STATUS.INTEGRATED_ON_TIME, failure_reason: null, sla_duration: 259_201 },
  LATE: { status: STATUS.PROCESS_FAILURE, failure_reason: FAILURE_REASON.INTEGRATED_LATE, sla_duration: 691_201 },
  TNI: { status: STATUS.PROCESS_FAILURE, failure_reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED, sla_duration: null },
  FINAL: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.FINAL_ERROR, sla_duration: 7_200 },
  RNA: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED, sla_duration: null },
  CNS: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.CORE_EXTRACT_NOT_SENT, sla_duration: null },
  FATAL: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR, sla_duration: null },
  COPCNS: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.COPC_NOT_SENT, sla_duration: null },
  COPCNA: { status: STATUS.TECHNICAL_FAILURE, failure_reason: FAILURE_REASON.COPC_NOT_ACKNOWLEDGED, sla_duration: null },
  TNIWE: { status: STATUS.UNCLASSIFIED_FAILURE, failure_reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR, sla_duration: null },
  AMB: { status: STATUS.UNCLASSIFIED_FAILURE, failure_reason: FAILURE_REASON.AMBIGUOUS_COPC, sla_duration: null },
};

export interface TransferOptions {
  /** Conversation id (also the request's GUID). */
  id: string;
  /** Request time, UTC: "2021-03-04 09:00[:00]" or an ISO string. */
  at: string;
  /** Requesting practice ASID (default R). */
  requester?: string;
  /** Sending practice ASID (default S). */
  sender?: string;
}

const SECOND = 1000;

function parseUtc(time: string): number {
  const text = time.trim().replace(" ", "T");
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a UTC time: ${time}`);
  return ms;
}

/** The `_time` text of an instant, as the export writes it ("2024-03-04 09:00:00.000 UTC"). */
export function spineTime(ms: number): string {
  return `${new Date(ms).toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

/** Builds the rows of one conversation: messages at offsets (seconds) from the request. */
class Conversation {
  readonly rows: SpineRow[] = [];
  private readonly start: number;
  constructor(private readonly options: TransferOptions) {
    this.start = parseUtc(options.at);
  }
  get requester(): string {
    return this.options.requester ?? R;
  }
  get sender(): string {
    return this.options.sender ?? S;
  }
  guid(local?: string): string {
    return local ? `${this.options.id}-${local}` : this.options.id;
  }
  message(offsetSeconds: number, guid: string, interaction: string, from: string, to: string, ref: string | null = null, code: number | null = null): this {
    this.rows.push({
      _time: spineTime(this.start + offsetSeconds * SECOND),
      conversationID: this.options.id,
      GUID: guid,
      interactionID: interaction,
      messageSender: from,
      messageRecipient: to,
      messageRef: ref ?? "NotProvided",
      jdiEvent: code === null ? "NONE" : String(code),
      toSystem: SUPPLIER[to] ?? "Vision",
      fromSystem: SUPPLIER[from] ?? "Vision",
    });
    return this;
  }
  /** The request, from the requesting to the sending practice. */
  request(): this {
    return this.message(0, this.guid(), REQ, this.requester, this.sender);
  }
  /** The sending practice acknowledges the request one minute later (code null: positive). */
  requestAck(code: number | null = null): this {
    return this.message(60, this.guid("A1"), ACK, this.sender, this.requester, this.guid(), code);
  }
  /** A core EHR from the sending practice at `offset` seconds. */
  coreEhr(local: string, offset: number): this {
    return this.message(offset, this.guid(local), EHR, this.sender, this.requester);
  }
  /** The requesting practice acknowledges the message `ref` at `offset` seconds. */
  ack(local: string, offset: number, ref: string, code: number | null = null): this {
    return this.message(offset, this.guid(local), ACK, this.requester, this.sender, this.guid(ref), code);
  }
  /** A COPC message: from the requesting practice it is the "continue", from the sending practice a fragment. */
  copc(local: string, offset: number, from: "requester" | "sender"): this {
    const [a, b] = from === "requester" ? [this.requester, this.sender] : [this.sender, this.requester];
    return this.message(offset, this.guid(local), COPC, a, b);
  }
}

const HOUR_S = 3600;

/** A transfer integrated `slaSeconds` after its core EHR (on time up to 691 200 s, late beyond). */
export function integrated(options: TransferOptions, slaSeconds: number): SpineRow[] {
  return new Conversation(options).request().requestAck().coreEhr("E1", HOUR_S).ack("A2", HOUR_S + slaSeconds, "E1").rows;
}

/** The Spine rows of a transfer that classifies as `outcome` (spec §5.2 rules; see OUTCOMES). */
export function transferRows(outcome: Outcome, options: TransferOptions): SpineRow[] {
  const c = new Conversation(options);
  switch (outcome) {
    case "ON3":
    case "ON8":
    case "LATE":
      return integrated(options, OUTCOMES[outcome].sla_duration!);
    case "TNI": // rule 9: core EHR sent, never acknowledged
      return c.request().requestAck().coreEhr("E1", HOUR_S).rows;
    case "FINAL": // rule 3: the core EHR rejected with error 28
      return c.request().requestAck().coreEhr("E1", HOUR_S).ack("A2", 3 * HOUR_S, "E1", 28).rows;
    case "RNA": // rule 6: request only
      return c.request().rows;
    case "CNS": // rule 7: request acknowledged, no core EHR
      return c.request().requestAck().rows;
    case "FATAL": // rule 5: request acknowledged with fatal sender error 10
      return c.request().requestAck(10).rows;
    case "COPCNS": // rule 4c: a COPC continue but no fragment
      return c.request().requestAck().coreEhr("E1", HOUR_S).copc("C1", 2 * HOUR_S, "requester").rows;
    case "COPCNA": // rule 4d: a fragment never acknowledged
      return c.request().requestAck().coreEhr("E1", HOUR_S).copc("C1", 2 * HOUR_S, "requester").copc("F1", 3 * HOUR_S, "sender").rows;
    case "TNIWE": // rule 8: core EHR after a non-fatal sender error (20), not acknowledged
      return c.request().requestAck(20).coreEhr("E1", HOUR_S).rows;
    case "AMB": // rule 4a: a duplicate (12) EHR acknowledgement, COPC messages and an unacknowledged core EHR
      return c
        .request()
        .requestAck()
        .coreEhr("E1", HOUR_S)
        .coreEhr("E2", HOUR_S + 60)
        .ack("A2", 2 * HOUR_S, "E2", 12)
        .copc("C1", 3 * HOUR_S, "requester")
        .copc("F1", 4 * HOUR_S, "sender")
        .ack("A3", 5 * HOUR_S, "F1")
        .rows;
  }
}

/** Several transfers of one practice: outcomes in order, conversation ids `${prefix}-1`, `${prefix}-2`, … one minute apart. */
export function transfersOf(prefix: string, outcomes: readonly Outcome[], at: string, requester = R): SpineRow[] {
  const start = parseUtc(at);
  return outcomes.flatMap((outcome, i) => transferRows(outcome, { id: `${prefix}-${i + 1}`, at: new Date(start + i * 60 * SECOND).toISOString(), requester }));
}

/**
 * A lone acknowledgement in a conversation of its own: no transfer (the conversation does not start with a
 * request), but it moves the data watermark (the latest message loaded) to `at`.
 */
export function watermarkRow(at: string): SpineRow {
  return new Conversation({ id: `WATERMARK-${at}`, at }).message(0, `WATERMARK-${at}-A`, ACK, S, R, "UNKNOWN-GUID").rows[0]!;
}

/** Inserts the SICBL → ICB → region geography lookup (one load). */
export async function insertGeography(
  warehouse: Warehouse,
  rows: readonly { sicbl: string; sicblName: string; icb: string; icbName: string; region: string; regionName: string }[],
): Promise<void> {
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const values = rows.map((r, i) => `(${[r.sicbl, r.sicblName, r.icb, r.icbName, r.region, r.regionName].map(lit).join(", ")}, 'geography.csv', ${i + 1}, 900000)`);
  await warehouse.run(`insert into "${datasets.raw}".geography values ${values.join(", ")}`);
}

/** The metric marts and the assertions on them. */
export const METRIC_MARTS = ["practice_month_counts", "area_integration_times", "practice_metrics_monthly", "sicbl_metrics_monthly", "icb_metrics_monthly", "region_metrics_monthly", "national_metrics_monthly", "sending_practice_metrics_monthly"];
const METRIC_ASSERTIONS = [
  "practice_metrics__do_not_add_up",
  "area_metrics__do_not_add_up",
  "national_metrics__do_not_add_up",
  "metric_marts__repeat_a_key",
  "national_metrics__miss_a_month_with_transfers",
  "final_months__lie_after_the_watermark",
];

/**
 * Runs the metric marts, everything they depend on, and every assertion on them (their own key, non-null and row
 * checks and the metric assertions), so that a scenario test does not depend on unrelated marts.
 */
export async function runMetricGraph(warehouse: Warehouse): Promise<RunSummary> {
  const graph = await duckdbGraph();
  const own = graph.assertions
    .filter((a) => METRIC_ASSERTIONS.includes(a.target.name) || (a.parentAction && METRIC_MARTS.includes(a.parentAction.name)))
    .map((a) => a.target.name);
  // transfer_journeys too: marts that depend on the metric marts (delay_drivers_monthly) also read it, so that a test
  // rebuilding the metric marts with their dependents finds every table those read.
  return runGraph(warehouse, { selection: { actions: [...METRIC_MARTS, "transfer_journeys", ...own], includeDependencies: true, includeTests: false } });
}
