/**
 * Test support for SQL scenario tests: compact conversations (spec §7.1 conventions) turned into Spine export
 * rows, reference geography rows, and readers that pick the compared columns of the marts.
 */
import { datasets } from "../../includes/config";
import { INTERACTION_PREFIX } from "../../includes/constants";
import type { Row, Warehouse } from "../../scripts/lib/duckdb";
import type { SpineRow } from "./warehouse";

/** Spec §7.1: requesting practice R, sending practice S and a third party X, with their suppliers. */
export const ASID = { R: "012345678901", S: "987654321098", X: "555555555555" } as const;
export const SUPPLIER = { R: "EMIS", S: "TPP", X: "Vision" } as const;
export type Party = keyof typeof ASID;

export const INTERACTION = {
  REQ: `${INTERACTION_PREFIX}RCMR_IN010000UK05`,
  EHR: `${INTERACTION_PREFIX}RCMR_IN030000UK06`,
  EHR7: `${INTERACTION_PREFIX}RCMR_IN030000UK07`,
  ACK: `${INTERACTION_PREFIX}MCCI_IN010000UK13`,
  COPC: `${INTERACTION_PREFIX}COPC_IN000001UK01`,
  UK08: `${INTERACTION_PREFIX}RCMR_IN010000UK08`,
} as const;
export type Interaction = keyof typeof INTERACTION;

/**
 * One message of a conversation: time, GUID, interaction, "from>to", messageRef (omitted: NotProvided) and
 * jdiEvent (omitted: NONE). GUIDs and refs are local names: "REQ" is the conversation id (the request's GUID by
 * convention), "!x" is the literal GUID x, any other name n becomes "<conversation id>-n". A time without a zone
 * suffix is written in the export's "… UTC" form.
 */
export type Message = readonly [
  time: string,
  guid: string,
  interaction: Interaction,
  route: `${Party}>${Party}`,
  ref?: string | null,
  code?: number | string | null,
];

const ZONE = /(?:UTC|BST|GMT|Z|[+-]\d{2}:?\d{2})$/;

/** The `_time` text of a message time. */
export function spineTime(time: string): string {
  return ZONE.test(time.trim()) ? time : `${time} UTC`;
}

/** "2024-03-04 09:00[:00[.000]]" (UTC) as the ISO string the warehouse returns. */
export function iso(time: string): string {
  const date = new Date(`${time.trim().replace(" ", "T")}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`iso: not a UTC time: ${time}`);
  return date.toISOString();
}

/** An ISO time moved by some milliseconds. */
export function plusMs(isoTime: string, ms: number): string {
  return new Date(new Date(isoTime).getTime() + ms).toISOString();
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

function guidOf(conversationId: string, local: string): string {
  if (local === "REQ") return conversationId;
  if (local.startsWith("!")) return local.slice(1);
  return `${conversationId}-${local}`;
}

/** The export rows of one conversation, in the given (file) order. */
export function conversationRows(conversationId: string, messages: readonly Message[]): SpineRow[] {
  return messages.map(([time, guid, interaction, route, ref, code]) => {
    const [from, to] = route.split(">") as [Party, Party];
    return {
      _time: spineTime(time),
      conversationID: conversationId,
      GUID: guidOf(conversationId, guid),
      interactionID: INTERACTION[interaction],
      messageSender: ASID[from],
      messageRecipient: ASID[to],
      messageRef: ref === undefined || ref === null ? "NotProvided" : guidOf(conversationId, ref),
      jdiEvent: code === undefined || code === null ? "NONE" : String(code),
      toSystem: SUPPLIER[to],
      fromSystem: SUPPLIER[from],
    };
  });
}

let nextGeographyLoad = 1_000_000;
/** Inserts a Sub-ICB location → ICB → region lookup as one load (Decision 6). */
export async function insertGeography(
  warehouse: Warehouse,
  rows: readonly { sicbl: string; sicblName: string; icb: string; icbName: string; region: string; regionName: string }[],
): Promise<void> {
  const loadId = nextGeographyLoad++;
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const values = rows.map(
    (r, i) => `(${[r.sicbl, r.sicblName, r.icb, r.icbName, r.region, r.regionName].map(q).join(", ")}, 'geography.csv', ${i + 1}, ${loadId})`,
  );
  await warehouse.run(
    `insert into "${datasets.raw}".geography (sicbl_ods_code, sicbl_name, icb_ods_code, icb_name, region_ods_code, region_name, source_file, source_row, load_id)
     values ${values.join(", ")}`,
  );
}

/** The §4.2 outcome of a transfer as the marts give it (error lists without NULLs, plus the ack counts). */
export interface Outcome {
  status: string;
  failure_reason: string | null;
  decision_rule: string;
  sla_duration: number | null;
  sender_error_codes: number[];
  sender_ack_count: number;
  final_error_codes: number[];
  final_ack_count: number;
  intermediate_error_codes: number[];
  date_requested: string;
  date_completed: string | null;
  last_sender_message_timestamp: string | null;
}

/** Expected outcome: lists, counts, sla and completion default to "nothing happened". */
export type ExpectedOutcome = Pick<Outcome, "status" | "failure_reason" | "decision_rule" | "date_requested" | "last_sender_message_timestamp"> &
  Partial<Outcome>;

export function outcome(expected: ExpectedOutcome): Outcome {
  return {
    sla_duration: null,
    sender_error_codes: [],
    sender_ack_count: 0,
    final_error_codes: [],
    final_ack_count: 0,
    intermediate_error_codes: [],
    date_completed: null,
    ...expected,
  };
}

export const OUTCOME_COLUMNS: readonly (keyof Outcome)[] = [
  "status",
  "failure_reason",
  "decision_rule",
  "sla_duration",
  "sender_error_codes",
  "sender_ack_count",
  "final_error_codes",
  "final_ack_count",
  "intermediate_error_codes",
  "date_requested",
  "date_completed",
  "last_sender_message_timestamp",
];

/** The named columns of a row. */
export function pick<K extends string>(row: Row, columns: readonly K[]): Record<K, unknown> {
  return Object.fromEntries(columns.map((c) => [c, row[c]])) as Record<K, unknown>;
}

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** The transfers rows of a conversation keyed by cutoff. */
export async function transfersByCutoff(warehouse: Warehouse, conversationId: string): Promise<Map<number, Row>> {
  const rows = await warehouse.rows(`select * from "${datasets.marts}".transfers where conversation_id = ${quote(conversationId)} order by cutoff_days`);
  return new Map(rows.map((r) => [r.cutoff_days as number, r]));
}

/** The one transfers row of a conversation at a cutoff; fails when there is not exactly one. */
export async function transferAt(warehouse: Warehouse, conversationId: string, cutoffDays: number): Promise<Row> {
  const rows = await warehouse.rows(
    `select * from "${datasets.marts}".transfers where conversation_id = ${quote(conversationId)} and cutoff_days = ${cutoffDays}`,
  );
  if (rows.length !== 1) throw new Error(`${conversationId}: expected one transfers row at cutoff ${cutoffDays}, found ${rows.length}`);
  return rows[0]!;
}

/** The transfers_live rows of a conversation. */
export async function liveRows(warehouse: Warehouse, conversationId: string): Promise<Row[]> {
  return warehouse.rows(`select * from "${datasets.marts}".transfers_live where conversation_id = ${quote(conversationId)}`);
}

/** The conversations row of a conversation (correlated layer), or undefined. */
export async function conversationRow(warehouse: Warehouse, conversationId: string): Promise<Row | undefined> {
  const rows = await warehouse.rows(`select * from "${datasets.correlated}".conversations where conversation_id = ${quote(conversationId)}`);
  return rows[0];
}
