/**
 * Test support for the report, alert, impact and gate tests: transfers with a chosen outcome written as the Spine
 * export rows that classify into it (spec §7.1 conventions: REQ from the requesting practice's ASID to the sending
 * practice's, acknowledgements paired by messageRef, `_time` in the export's "… UTC" form), a warehouse loaded with
 * them, and graph runs with extra vars.
 */
import { INTERACTION_PREFIX } from "../../includes/constants";
import { compileProject, CompiledGraph } from "../../scripts/lib/compile";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { runPipeline } from "../../scripts/lib/pipeline";
import { SilentReporter } from "../../scripts/lib/runner/reporter";
import type { RunSummary } from "../../scripts/lib/runner/runner";
import { insertReference, insertSpineRows, openTestWarehouse, ReferencePractice, SpineRow } from "./warehouse";

export interface Practice {
  readonly asid: string;
  readonly odsCode: string;
  readonly name: string;
  readonly supplier: string;
}

/** Spec §7.1: R (EMIS, practice A11111 in SICBL 01A) requests from S (TPP, practice B22222, in no SICBL). */
export const R: Practice = { asid: "012345678901", odsCode: "A11111", name: "Requesting Practice", supplier: "EMIS" };
export const S: Practice = { asid: "987654321098", odsCode: "B22222", name: "Sending Practice", supplier: "TPP" };
/** A third practice (Vision) in SICBL 02B, for a second pathway and a second SICBL. */
export const V: Practice = { asid: "555555555555", odsCode: "C33333", name: "Third Practice", supplier: "Vision" };

export const SECOND = 1;
export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86400;

/** What happens after the request. Every message time is an offset in seconds from the request. */
export type Outcome =
  /** Integrated on time: positive sender ack, core EHR 10 min after the request, integrated sla seconds later. */
  | { kind: "on_time"; sla?: number }
  /** Integrated late (sla above 8 days; visible at cutoff 14 only). */
  | { kind: "late"; sla?: number }
  /** Process failure / Transferred, not integrated: the core EHR is never acknowledged. */
  | { kind: "not_integrated" }
  /** Technical failure / Final error: the core EHR acknowledged with these codes in turn (the first decides). */
  | { kind: "final_error"; codes: readonly (number | null)[] }
  /** The core EHR acknowledged with these codes (nulls are positive acks): e.g. [null, null, 9] integrates. */
  | { kind: "ehr_acks"; codes: readonly (number | null)[]; sla?: number }
  /** Technical failure / Contains fatal sender error. */
  | { kind: "fatal_sender"; code: number }
  /** Technical failure / Request not acknowledged. */
  | { kind: "request_not_acknowledged" }
  /** Technical failure / Core extract not sent (positive or non-fatal sender ack, no core EHR). */
  | { kind: "core_extract_not_sent"; code?: number | null }
  /** Unclassified failure / Transferred, not integrated, with error: non-fatal sender error, core EHR unacknowledged. */
  | { kind: "sender_error_unacknowledged"; code?: number }
  /** Unclassified failure / Transferred, not integrated, with error: a large-message fragment acknowledged with an error. */
  | { kind: "fragment_error"; code: number };

export interface TransferSpec {
  readonly id: string;
  /** UTC request time, "YYYY-MM-DD HH:MM:SS". */
  readonly at: string;
  readonly outcome: Outcome;
  readonly requester?: Practice;
  readonly sender?: Practice;
}

const INTERACTION = {
  REQ: "RCMR_IN010000UK05",
  EHR: "RCMR_IN030000UK06",
  ACK: "MCCI_IN010000UK13",
  COPC: "COPC_IN000001UK01",
} as const;

/** "YYYY-MM-DD HH:MM:SS" + seconds, in the export's `_time` form. */
export function spineTime(at: string, offsetSeconds = 0): string {
  const date = new Date(new Date(`${at.replace(" ", "T")}Z`).getTime() + offsetSeconds * 1000);
  if (Number.isNaN(date.getTime())) throw new Error(`spineTime: not a UTC time: ${at}`);
  return `${date.toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

/** The export rows of one transfer. */
export function transferRows(spec: TransferSpec): SpineRow[] {
  const requester = spec.requester ?? R;
  const sender = spec.sender ?? S;
  const rows: SpineRow[] = [];
  const message = (offset: number, guid: string, interaction: keyof typeof INTERACTION, from: Practice, to: Practice, ref?: string, code?: number | null) =>
    rows.push({
      _time: spineTime(spec.at, offset),
      conversationID: spec.id,
      GUID: guid,
      interactionID: `${INTERACTION_PREFIX}${INTERACTION[interaction]}`,
      messageSender: from.asid,
      messageRecipient: to.asid,
      messageRef: ref ?? "NotProvided",
      jdiEvent: code === null || code === undefined ? "NONE" : String(code),
      toSystem: to.supplier,
      fromSystem: from.supplier,
    });
  const ehrAt = 10 * MINUTE;
  const senderAck = (code: number | null) => message(MINUTE, `${spec.id}-A1`, "ACK", sender, requester, spec.id, code);
  const coreEhr = () => message(ehrAt, `${spec.id}-E1`, "EHR", sender, requester);
  const ehrAcks = (codes: readonly (number | null)[], sla: number) =>
    codes.forEach((code, i) => message(ehrAt + sla + i, `${spec.id}-F${i + 1}`, "ACK", requester, sender, `${spec.id}-E1`, code));

  message(0, spec.id, "REQ", requester, sender);
  const outcome = spec.outcome;
  switch (outcome.kind) {
    case "on_time":
    case "late":
      senderAck(null);
      coreEhr();
      ehrAcks([null], outcome.sla ?? (outcome.kind === "on_time" ? HOUR : 9 * DAY));
      break;
    case "not_integrated":
      senderAck(null);
      coreEhr();
      break;
    case "final_error":
    case "ehr_acks":
      senderAck(null);
      coreEhr();
      ehrAcks(outcome.codes, outcome.kind === "ehr_acks" ? (outcome.sla ?? HOUR) : HOUR);
      break;
    case "fatal_sender":
      senderAck(outcome.code);
      break;
    case "request_not_acknowledged":
      break;
    case "core_extract_not_sent":
      senderAck(outcome.code ?? null);
      break;
    case "sender_error_unacknowledged":
      senderAck(outcome.code ?? 20);
      coreEhr();
      break;
    case "fragment_error":
      senderAck(null);
      coreEhr();
      message(ehrAt + MINUTE, `${spec.id}-C1`, "COPC", requester, sender);
      message(ehrAt + 2 * MINUTE, `${spec.id}-C2`, "COPC", sender, requester);
      message(ehrAt + 3 * MINUTE, `${spec.id}-C3`, "ACK", requester, sender, `${spec.id}-C2`, outcome.code);
      break;
  }
  return rows;
}

/** A lone acknowledgement (a discarded conversation) at `at`: moves the data watermark without adding a transfer. */
export function watermarkRow(at: string): SpineRow {
  return {
    _time: spineTime(at),
    conversationID: `watermark-${at}`,
    GUID: `watermark-${at}`,
    interactionID: `${INTERACTION_PREFIX}${INTERACTION.ACK}`,
    messageSender: R.asid,
    messageRecipient: S.asid,
    messageRef: "NotProvided",
    jdiEvent: "NONE",
    toSystem: S.supplier,
    fromSystem: R.supplier,
  };
}

/** Inserts rows as daily export files (one load per UTC day of `_time`, rows kept in the given order). */
export async function insertByDay(warehouse: Warehouse, rows: readonly SpineRow[]): Promise<void> {
  const byDay = new Map<string, SpineRow[]>();
  for (const row of rows) {
    const day = String(row._time).slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  for (const day of [...byDay.keys()].sort()) await insertSpineRows(warehouse, byDay.get(day)!, `${day}_spine_messages.csv.gz`);
}

/** The reference month: R in SICBL 01A, V in SICBL 02B (unless `unmapped` lists it), S in none. */
export async function insertPractices(warehouse: Warehouse, month: string, options: { unmapped?: readonly Practice[] } = {}): Promise<void> {
  const practices: ReferencePractice[] = [R, S, V].map((p) => ({ odsCode: p.odsCode, name: p.name, asids: [p.asid] }));
  const mapped = (p: Practice) => !(options.unmapped ?? []).includes(p);
  const sicbls = [
    { odsCode: "01A", name: "SICBL One", practices: [R].filter(mapped).map((p) => p.odsCode) },
    { odsCode: "02B", name: "SICBL Two", practices: [V].filter(mapped).map((p) => p.odsCode) },
  ].filter((s) => s.practices.length > 0);
  await insertReference(warehouse, month, practices, sicbls);
}

/** A warehouse holding `specs` (plus extra rows) and the reference data of `referenceMonth`. */
export async function warehouseWith(
  prefix: string,
  specs: readonly TransferSpec[],
  options: { referenceMonth: string; extraRows?: readonly SpineRow[]; unmapped?: readonly Practice[] },
): Promise<Warehouse> {
  const warehouse = await openTestWarehouse(prefix);
  await insertByDay(warehouse, [...specs.flatMap(transferRows), ...(options.extraRows ?? [])]);
  await insertPractices(warehouse, options.referenceMonth, { unmapped: options.unmapped });
  return warehouse;
}

const graphs = new Map<string, Promise<CompiledGraph>>();
/** The project compiled for DuckDB with extra vars (cached per vars). */
export function graphWithVars(vars: Record<string, string> = {}): Promise<CompiledGraph> {
  const key = JSON.stringify(vars);
  if (!graphs.has(key)) graphs.set(key, compileProject({ engine: "duckdb", vars }));
  return graphs.get(key)!;
}

/** Runs the graph (no SQLX unit tests, or only `actions`) compiled with `vars`; throws with the failures when anything failed. */
export async function runWithVars(warehouse: Warehouse, vars: Record<string, string> = {}, actions?: string[]): Promise<RunSummary> {
  const summary = await runPipeline({
    engine: "duckdb",
    database: warehouse.path,
    warehouse,
    graph: await graphWithVars(vars),
    reporter: new SilentReporter(),
    selection: { includeTests: false, actions },
  });
  if (!summary.ok) {
    const failures = summary.outcomes.filter((o) => o.status === "failed").map((o) => `${o.action.name}: ${o.error} ${JSON.stringify(o.sample?.slice(0, 3) ?? [])}`);
    throw new Error(`Run failed:\n${failures.join("\n")}`);
  }
  return summary;
}

/**
 * December 2019 (the upstream reports' e2e month): transfers covering every outcome and the error-string cases
 * R1-R2 (spec §7.6), the hour report's R4 pair, and practice V's seven received transfers of R5. Three supplier
 * pathways: EMIS→TPP (R→S, 11 transfers), Vision→TPP (V→S, 8) and EMIS→Vision (R→V, 2); 21 transfers in all,
 * 7 technical failures at cutoff 14. With `DECEMBER_WATERMARK` loaded the month is final at cutoff 14.
 */
export const DECEMBER_2019: readonly TransferSpec[] = [
  { id: "r1-final", at: "2019-12-02 09:00:00", outcome: { kind: "final_error", codes: [7, 9, 6, 7, 7] } },
  { id: "r2-mixed", at: "2019-12-02 10:00:00", outcome: { kind: "ehr_acks", codes: [null, null, 9] } },
  { id: "r2-positive", at: "2019-12-03 09:00:00", outcome: { kind: "ehr_acks", codes: [null] } },
  { id: "r2-none", at: "2019-12-03 10:00:00", outcome: { kind: "not_integrated" } },
  { id: "r2-unknown", at: "2019-12-04 09:00:00", outcome: { kind: "final_error", codes: [1] } },
  { id: "fatal-10", at: "2019-12-04 10:00:00", outcome: { kind: "fatal_sender", code: 10 } },
  { id: "cns-42", at: "2019-12-05 09:00:00", outcome: { kind: "core_extract_not_sent", code: 42 } },
  { id: "rna", at: "2019-12-05 10:00:00", outcome: { kind: "request_not_acknowledged" } },
  { id: "fragment-29", at: "2019-12-06 09:00:00", outcome: { kind: "fragment_error", code: 29 } },
  { id: "r4-unclassified", at: "2019-12-31 12:00:21", outcome: { kind: "sender_error_unacknowledged", code: 20 } },
  { id: "r4-on-time", at: "2019-12-31 18:02:29", outcome: { kind: "on_time" } },
  { id: "r5-3d", at: "2019-12-10 09:00:00", requester: V, outcome: { kind: "on_time", sla: 1 * DAY } },
  { id: "r5-8d-a", at: "2019-12-10 10:00:00", requester: V, outcome: { kind: "on_time", sla: 4 * DAY } },
  { id: "r5-8d-b", at: "2019-12-11 09:00:00", requester: V, outcome: { kind: "on_time", sla: 8 * DAY } },
  { id: "r5-late", at: "2019-12-11 10:00:00", requester: V, outcome: { kind: "late", sla: 9 * DAY } },
  { id: "r5-tni-1", at: "2019-12-12 09:00:00", requester: V, outcome: { kind: "not_integrated" } },
  { id: "r5-tni-2", at: "2019-12-12 10:00:00", requester: V, outcome: { kind: "not_integrated" } },
  { id: "r5-tni-3", at: "2019-12-12 11:00:00", requester: V, outcome: { kind: "not_integrated" } },
  { id: "r5-final", at: "2019-12-12 12:00:00", requester: V, outcome: { kind: "final_error", codes: [11] } },
  { id: "rv-on-time", at: "2019-12-13 09:00:00", sender: V, outcome: { kind: "on_time" } },
  { id: "rv-fatal", at: "2019-12-13 10:00:00", sender: V, outcome: { kind: "fatal_sender", code: 6 } },
];

/** Loaded after DECEMBER_2019, it makes December final at cutoff 14 (2020-01-01 + 14 days). */
export const DECEMBER_WATERMARK = "2020-01-20 00:00:00";
