/**
 * Test helpers for the generator: reading its files back, and a small, independent implementation of the
 * classification rules (spec §4.1 steps 2–9, §5.2) used only to check that each scenario's messages really
 * produce the outcome the generator records for it. It is deliberately literal rather than fast.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { ACK_CODE, FAILURE_REASON, FATAL_SENDER_ERROR_CODES, INTERACTION_PREFIX, INTERACTIONS, STATUS, UNKNOWN_INTERACTION } from "../../includes/constants";
import type { DraftMessage } from "../../scripts/lib/generate/messages";
import { DISCARDED, type IntendedOutcome } from "../../scripts/lib/generate/scenarios";

const DAY_MS = 24 * 3600 * 1000;

/** A message as the classifier sees it (spec §2.1 internal record), with its position in the input for ordering. */
export interface ClassifierMessage {
  readonly time: number;
  readonly order: number;
  readonly conversationId: string;
  readonly guid: string;
  readonly interaction: string;
  readonly sender: string;
  readonly recipient: string;
  readonly messageRef: string | null;
  readonly errorCode: number | null;
}

function shortInteraction(urn: string): string {
  const code = urn.startsWith(INTERACTION_PREFIX) ? urn.slice(INTERACTION_PREFIX.length) : urn;
  return (INTERACTIONS as Record<string, string>)[code] ?? UNKNOWN_INTERACTION;
}

export function fromDraft(message: DraftMessage, order: number): ClassifierMessage {
  return {
    time: message.time,
    order,
    conversationId: message.conversationId,
    guid: message.guid,
    interaction: shortInteraction(message.interactionId),
    sender: message.from.asid,
    recipient: message.to.asid,
    messageRef: message.messageRef === "NotProvided" || message.messageRef === "" ? null : message.messageRef,
    errorCode: message.jdiEvent === "NONE" || message.jdiEvent === "" ? null : Number(message.jdiEvent),
  };
}

/** `_time` in any of the three accepted spellings (spec §7.3 P1) → epoch ms. */
export function parseSpineTime(value: string): number {
  let match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3}) (UTC|BST)$/.exec(value);
  if (match) return Date.parse(`${match[1]}T${match[2]}Z`) - (match[3] === "BST" ? 3600_000 : 0);
  match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\+0000$/.exec(value);
  if (match) return Date.parse(`${match[1]}Z`);
  throw new Error(`Unparseable _time "${value}"`);
}

export interface CsvFile {
  readonly header: string[];
  readonly rows: string[][];
}

/** One CSV line; quoted fields (RFC 4180) only take the slow path. */
function parseLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Reads a (possibly gzipped) CSV written by the generator: "\n" line ends, no line breaks inside fields. */
export function readCsv(filePath: string): CsvFile {
  const raw = fs.readFileSync(filePath);
  const text = filePath.endsWith(".gz") ? zlib.gunzipSync(raw).toString("utf8") : raw.toString("utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const [header, ...rows] = lines.map(parseLine);
  return { header, rows };
}

export interface SpineFile {
  readonly name: string;
  readonly csv: CsvFile;
}

/** Every Spine day file of a generated output directory, in day order. */
export function readSpineFiles(outDir: string): SpineFile[] {
  const dir = path.join(outDir, "spine");
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, csv: readCsv(path.join(dir, name)) }));
}

/** All Spine rows as the classifier reads them, in file (day) order then row order. */
export function spineMessages(files: readonly SpineFile[]): ClassifierMessage[] {
  const messages: ClassifierMessage[] = [];
  for (const { csv } of files) {
    const at = (h: string) => csv.header.indexOf(h);
    const [time, conversation, guid, interaction, sender, recipient, messageRef, jdiEvent] = [
      "_time", "conversationID", "GUID", "interactionID", "messageSender", "messageRecipient", "messageRef", "jdiEvent",
    ].map(at);
    for (const row of csv.rows) {
      const ref = row[messageRef];
      const jdi = row[jdiEvent];
      messages.push({
        time: parseSpineTime(row[time]),
        order: messages.length,
        conversationId: row[conversation],
        guid: row[guid],
        interaction: shortInteraction(row[interaction]),
        sender: row[sender],
        recipient: row[recipient],
        messageRef: ref === "NotProvided" || ref === "" ? null : ref,
        errorCode: jdi === "NONE" || jdi === "" ? null : Number(jdi),
      });
    }
  }
  return messages;
}

interface Registered {
  readonly message: ClassifierMessage;
  readonly acks: ClassifierMessage[];
}

/**
 * The outcome of one conversation at a cutoff of `cutoffDays` (> 0), or DISCARDED when its first message is not
 * the request.
 */
export function classify(conversation: readonly ClassifierMessage[], cutoffDays = 14): IntendedOutcome {
  const sorted = [...conversation].sort((a, b) => a.time - b.time || a.order - b.order);
  const first = sorted[0];
  const visible = sorted.filter((m) => m.time - first.time <= cutoffDays * DAY_MS);
  if (first.interaction !== "REQ") return { status: DISCARDED, reason: null };

  // Pair acknowledgements with earlier messages; a re-registered GUID keeps its position and forgets its acks.
  const registered = new Map<string, Registered>();
  for (const m of visible) {
    if (m.interaction === "ACK") {
      const target = m.messageRef === null ? undefined : registered.get(m.messageRef);
      target?.acks.push(m);
    } else {
      registered.set(m.guid, { message: m, acks: [] });
    }
  }
  const [request, ...rest] = [...registered.values()];
  const requesterAsid = request.message.sender;
  const senderAsid = request.message.recipient;
  const completed = rest.filter((r) => r.message.interaction === "EHR" || r.message.interaction === "EHR7");
  const continues = rest.filter((r) => r.message.interaction === "COPC" && r.message.sender === requesterAsid);
  const fragments = rest.filter((r) => r.message.interaction === "COPC" && r.message.sender === senderAsid);

  let effective: { ehr: ClassifierMessage; ack: ClassifierMessage } | undefined;
  const pairs = completed.flatMap((r) => r.acks.map((ack) => ({ ehr: r.message, ack })));
  effective = pairs.find((p) => p.ack.errorCode === null || p.ack.errorCode === ACK_CODE.SUPPRESSED);
  effective ??= pairs.find((p) => p.ack.errorCode !== ACK_CODE.DUPLICATE_EHR);

  const senderCodes = request.acks.map((a) => a.errorCode);
  const finalCodes = completed.flatMap((r) => r.acks.map((a) => a.errorCode));
  const isIntegrated = effective !== undefined && (effective.ack.errorCode === null || effective.ack.errorCode === ACK_CODE.SUPPRESSED);
  if (isIntegrated) {
    const sla = effective!.ack.time - effective!.ehr.time;
    return sla <= 8 * DAY_MS ? { status: STATUS.INTEGRATED_ON_TIME, reason: null } : { status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.INTEGRATED_LATE };
  }
  if (effective) return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.FINAL_ERROR };
  if (continues.length > 0 || fragments.length > 0) {
    const missingAck = fragments.some((f) => f.acks.length === 0);
    const copcError = fragments.some((f) => f.acks.some((a) => a.errorCode !== null));
    const ambiguous = finalCodes.includes(ACK_CODE.DUPLICATE_EHR) && !completed.every((r) => r.acks.length > 0);
    if (ambiguous) return { status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.AMBIGUOUS_COPC };
    if (copcError && !missingAck) return { status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR };
    if (continues.length > 0 && fragments.length === 0) return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.COPC_NOT_SENT };
    if (missingAck) return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.COPC_NOT_ACKNOWLEDGED };
    return { status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED };
  }
  if (senderCodes.some((c) => c !== null && FATAL_SENDER_ERROR_CODES.includes(c))) {
    return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR };
  }
  if (request.acks.length === 0) return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED };
  if (completed.length === 0) return { status: STATUS.TECHNICAL_FAILURE, reason: FAILURE_REASON.CORE_EXTRACT_NOT_SENT };
  if (senderCodes.some((c) => c !== null)) return { status: STATUS.UNCLASSIFIED_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR };
  return { status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED };
}

/** Messages grouped by conversation id, in input order. */
export function groupByConversation(messages: readonly ClassifierMessage[]): Map<string, ClassifierMessage[]> {
  const groups = new Map<string, ClassifierMessage[]>();
  for (const m of messages) {
    let group = groups.get(m.conversationId);
    if (!group) groups.set(m.conversationId, (group = []));
    group.push(m);
  }
  return groups;
}
