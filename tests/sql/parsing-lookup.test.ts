/**
 * Parsing, ordering, month bucketing and practice lookup (spec §2.1, §2.2, §7.3 P1-P4, P6-P10, Decision 6) as SQL
 * scenario tests on DuckDB: raw export text in, the staged message and the transfer out. One conversation per case.
 *
 * Not applicable to the warehouse design, so not tested here:
 *  - P5 (jdiEvent INVALID aborts the run): the loader rejects such a row into spine_messages_rejected instead.
 *  - P11/P12 (START/END datetime validation): the warehouse has no START/END configuration; windows come from
 *    the cutoff_days var.
 * P6 (cutoff windows) is in rules-cutoffs.test.ts; P7's same-timestamp ties are also in rules-ordering.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Row, Warehouse } from "../../scripts/lib/duckdb";
import {
  ASID,
  conversationRow,
  conversationRows,
  ExpectedOutcome,
  insertGeography,
  INTERACTION,
  Message,
  outcome,
  OUTCOME_COLUMNS,
  pick,
  transferAt,
  transfersByCutoff,
} from "../support/scenarios";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph, SpineRow } from "../support/warehouse";

/** Rule 6: the request alone. */
const notAcknowledged = (dateRequested: string): ExpectedOutcome => ({
  status: "Technical failure", failure_reason: "Request not acknowledged", decision_rule: "6",
  date_requested: dateRequested, last_sender_message_timestamp: null,
});
/** Rule 7: the request acknowledged positively once, no core EHR. */
const noCoreEhr = (dateRequested: string, lastSender: string): ExpectedOutcome => ({
  status: "Technical failure", failure_reason: "Core extract not sent", decision_rule: "7", sender_ack_count: 1,
  date_requested: dateRequested, last_sender_message_timestamp: lastSender,
});

// ---------------------------------------------------------------------------------------------------------------
// Organisations (spec §2.2, Decision 6): three reference months loaded, 2020-06 and 2020-08 missing.

interface Organisation {
  practice_ods_code: string | null;
  practice_name: string | null;
  practice_sicbl_ods_code: string | null;
  practice_sicbl_name: string | null;
  practice_icb_ods_code: string | null;
  practice_icb_name: string | null;
  practice_region_ods_code: string | null;
  practice_region_name: string | null;
}
const ORGANISATION_FIELDS = [
  "practice_ods_code", "practice_name", "practice_sicbl_ods_code", "practice_sicbl_name",
  "practice_icb_ods_code", "practice_icb_name", "practice_region_ods_code", "practice_region_name",
] as const;

const UNKNOWN: Organisation = Object.fromEntries(ORGANISATION_FIELDS.map((f) => [f, null])) as unknown as Organisation;
const SICBL_ONE = { practice_sicbl_ods_code: "01A", practice_sicbl_name: "SICBL One", practice_icb_ods_code: "QAA", practice_icb_name: "ICB One", practice_region_ods_code: "Y01", practice_region_name: "Region One" };
const SICBL_TWO = { practice_sicbl_ods_code: "02B", practice_sicbl_name: "SICBL Two", practice_icb_ods_code: "QBB", practice_icb_name: "ICB Two", practice_region_ods_code: "Y02", practice_region_name: "Region Two" };
const NO_SICBL = { practice_sicbl_ods_code: null, practice_sicbl_name: null, practice_icb_ods_code: null, practice_icb_name: null, practice_region_ods_code: null, practice_region_name: null };

const requesting = (suffix: string, sicbl: typeof SICBL_ONE): Organisation => ({ practice_ods_code: "A11111", practice_name: `Requesting Practice${suffix}`, ...sicbl });
const sending = (suffix: string, sicbl: typeof SICBL_ONE | typeof NO_SICBL): Organisation => ({ practice_ods_code: "B22222", practice_name: `Sending Practice${suffix}`, ...sicbl });

/** The organisations of both sides and the reference month used. */
interface Lookup {
  requesting: Organisation;
  sending: Organisation;
  referenceMonth: string;
}
const JULY_2019: Lookup = { requesting: requesting("", SICBL_ONE), sending: sending("", NO_SICBL), referenceMonth: "2019-07-01T00:00:00.000Z" };
const MAY_2020: Lookup = { requesting: requesting(" (May)", SICBL_ONE), sending: sending(" (May)", NO_SICBL), referenceMonth: "2020-05-01T00:00:00.000Z" };
const JULY_2020: Lookup = { requesting: requesting(" (July)", SICBL_TWO), sending: sending(" (July)", SICBL_TWO), referenceMonth: "2020-07-01T00:00:00.000Z" };

function organisationColumns(row: Row) {
  const side = (s: string) => Object.fromEntries(ORGANISATION_FIELDS.map((f) => [f, row[`${s}_${f}`]]));
  return { requesting: side("requesting"), sending: side("sending"), referenceMonth: row.organisation_reference_month };
}

// ---------------------------------------------------------------------------------------------------------------
// Cases that produce a transfer: rows in, the transfer at one or more cutoffs out.

interface TransferCase {
  id: string;
  title: string;
  messages: Message[];
  /** Per cutoff; cutoffs not listed are not compared. */
  byCutoff: Partial<Record<0 | 2 | 14, ExpectedOutcome>>;
  /** One month for every cutoff, or per cutoff. */
  requestMonth: string | Record<0 | 2 | 14, string>;
  lookup?: Lookup;
  requestingAsid?: string;
  sendingAsid?: string;
  suppliers?: [requesting: string | null, sending: string | null];
  /** Rows of the same conversation loaded from another file (name given). */
  otherFile?: { name: string; messages: Message[] };
}

const transferCases: TransferCase[] = [
  // §7.3 P1: `+0000` offset form parses to 2019-07-01T09:10:00.334Z
  {
    id: "PAR-P1a", title: "P1: +0000 form",
    messages: [["2019-07-01T09:10:00.334+0000", "REQ", "REQ", "R>S"]],
    byCutoff: { 0: notAcknowledged("2019-07-01T09:10:00.334Z"), 14: notAcknowledged("2019-07-01T09:10:00.334Z") },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §7.3 P1: `UTC` suffix form gives the same instant
  {
    id: "PAR-P1b", title: "P1: UTC form",
    messages: [["2019-07-01 09:10:00.334 UTC", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2019-07-01T09:10:00.334Z") },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §7.3 P1: `BST` is UTC+1 h: 10:10:00.334 BST is 09:10:00.334Z
  {
    id: "PAR-P1c", title: "P1: BST form",
    messages: [["2019-07-01 10:10:00.334 BST", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2019-07-01T09:10:00.334Z") },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §2.1, §8.5 pitfall 2: messages sort on the UTC instant, not the text: the BST request (09:10Z) precedes a 09:30 UTC ack
  {
    id: "PAR-P1d", title: "P1: mixed zone forms sort by instant",
    messages: [
      ["2019-07-01 10:10:00.334 BST", "REQ", "REQ", "R>S"],
      ["2019-07-01 09:30:00.000 UTC", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: { 0: noCoreEhr("2019-07-01T09:10:00.334Z", "2019-07-01T09:30:00.000Z"), 14: noCoreEhr("2019-07-01T09:10:00.334Z", "2019-07-01T09:30:00.000Z") },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §2.1, §8.1: BST is a fixed +1 h even on a winter date: 2019-12-02 10:00 BST is 09:00Z
  {
    id: "PAR-P1e", title: "P1: BST on a winter date",
    messages: [["2019-12-02 10:00:00.000 BST", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2019-12-02T09:00:00.000Z") },
    requestMonth: "2019-12-01T00:00:00.000Z",
  },
  // §7.3 P3: ack with messageRef convo_xyz and jdiEvent "23" pairs with the request (GUID convo_xyz) as fatal error 23
  {
    id: "PAR-P3", title: "P3: messageRef and jdiEvent of an ack",
    messages: [
      ["2019-07-01 11:00:00.000", "!convo_xyz", "REQ", "R>S"],
      ["2019-07-01 11:01:00.000", "A1", "ACK", "S>R", "!convo_xyz", "23"],
    ],
    byCutoff: {
      14: {
        status: "Technical failure", failure_reason: "Contains fatal sender error", decision_rule: "5",
        sender_error_codes: [23], sender_ack_count: 1, date_requested: "2019-07-01T11:00:00.000Z",
        last_sender_message_timestamp: "2019-07-01T11:01:00.000Z",
      },
    },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §7.3 P7: rows given out of time order (ack 07-06 first, request 07-05 second) are sorted by time: the request starts it
  {
    id: "PAR-P7a", title: "P7: out-of-order rows in one file",
    messages: [
      ["2019-07-06 00:00:00.000", "A1", "ACK", "S>R", "REQ"],
      ["2019-07-05 00:00:00.000", "REQ", "REQ", "R>S"],
    ],
    byCutoff: {
      0: notAcknowledged("2019-07-05T00:00:00.000Z"),
      14: noCoreEhr("2019-07-05T00:00:00.000Z", "2019-07-06T00:00:00.000Z"),
    },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // Decision 3: time sorts before source file: a request in a later-named file precedes an ack 90 s later in an earlier-named file
  {
    id: "PAR-P7b", title: "P7: time before file name",
    messages: [["2019-07-08 00:00:30.000", "A1", "ACK", "S>R", "REQ"]],
    otherFile: { name: "2019-07-08_spine_messages.csv.gz", messages: [["2019-07-07 23:59:00.000", "REQ", "REQ", "R>S"]] },
    byCutoff: {
      0: notAcknowledged("2019-07-07T23:59:00.000Z"),
      14: noCoreEhr("2019-07-07T23:59:00.000Z", "2019-07-08T00:00:30.000Z"),
    },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
  // §7.3 P8: a request at 2020-05-31T23:59:59.999Z is a May transfer (May reference data); cutoff 0 does not see 06-01 00:00
  {
    id: "PAR-P8a", title: "P8: last millisecond of May",
    messages: [
      ["2020-05-31T23:59:59.999+0000", "REQ", "REQ", "R>S"],
      ["2020-06-01T00:00:00.000+0000", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-05-31T23:59:59.999Z"),
      2: noCoreEhr("2020-05-31T23:59:59.999Z", "2020-06-01T00:00:00.000Z"),
      14: noCoreEhr("2020-05-31T23:59:59.999Z", "2020-06-01T00:00:00.000Z"),
    },
    requestMonth: "2020-05-01T00:00:00.000Z", lookup: MAY_2020,
  },
  // §7.3 P8, §5.6: a request at 2020-06-01T00:00:00Z is a June transfer (June data missing → May's, P10)
  {
    id: "PAR-P8b", title: "P8: first instant of June",
    messages: [["2020-06-01T00:00:00.000+0000", "REQ", "REQ", "R>S"]],
    byCutoff: { 0: notAcknowledged("2020-06-01T00:00:00.000Z"), 14: notAcknowledged("2020-06-01T00:00:00.000Z") },
    requestMonth: "2020-06-01T00:00:00.000Z", lookup: MAY_2020,
  },
  // §7.3 P1 + P8: 2020-06-01 00:30 BST is 2020-05-31T23:30Z, a May transfer; its 00:45 BST ack is on the same UTC day (cutoff 0 sees it)
  {
    id: "PAR-P8c", title: "P8: BST just after midnight is the previous UTC month",
    messages: [
      ["2020-06-01 00:30:00.000 BST", "REQ", "REQ", "R>S"],
      ["2020-06-01 00:45:00.000 BST", "A1", "ACK", "S>R", "REQ"],
    ],
    byCutoff: {
      0: noCoreEhr("2020-05-31T23:30:00.000Z", "2020-05-31T23:45:00.000Z"),
      14: noCoreEhr("2020-05-31T23:30:00.000Z", "2020-05-31T23:45:00.000Z"),
    },
    requestMonth: "2020-05-01T00:00:00.000Z", lookup: MAY_2020,
  },
  // §7.3 P8 with §4.1 step 6: a request re-sent after midnight moves date_requested, and so the month, for the windows that see the copy
  {
    id: "PAR-P8d", title: "P8: re-sent request crosses the month boundary",
    messages: [
      ["2020-05-31 23:00:00.000", "REQ", "REQ", "R>S"],
      ["2020-06-01 01:00:00.000", "REQ", "REQ", "R>S"],
    ],
    byCutoff: {
      0: notAcknowledged("2020-05-31T23:00:00.000Z"),
      2: notAcknowledged("2020-06-01T01:00:00.000Z"),
      14: notAcknowledged("2020-06-01T01:00:00.000Z"),
    },
    requestMonth: { 0: "2020-05-01T00:00:00.000Z", 2: "2020-06-01T00:00:00.000Z", 14: "2020-06-01T00:00:00.000Z" },
    lookup: MAY_2020,
  },
  // §7.3 P9, §2.2: requesting ASID X not in the lookup → NULL organisation; sending side resolved; suppliers from fromSystem/toSystem
  {
    id: "PAR-P9", title: "P9: unknown requesting ASID",
    messages: [["2019-07-01 12:00:00.000", "REQ", "REQ", "X>R"]],
    byCutoff: { 14: notAcknowledged("2019-07-01T12:00:00.000Z") },
    requestMonth: "2019-07-01T00:00:00.000Z",
    lookup: { requesting: UNKNOWN, sending: requesting("", SICBL_ONE), referenceMonth: "2019-07-01T00:00:00.000Z" },
    requestingAsid: ASID.X, sendingAsid: ASID.R, suppliers: ["Vision", "EMIS"],
  },
  // §2.2: a known ASID whose practice is in no SICBL has its ODS code and name, and NULL SICBL (so NULL ICB and region)
  {
    id: "PAR-P9b", title: "known practice in no SICBL",
    messages: [["2019-07-01 13:00:00.000", "REQ", "REQ", "S>R"]],
    byCutoff: { 14: notAcknowledged("2019-07-01T13:00:00.000Z") },
    requestMonth: "2019-07-01T00:00:00.000Z",
    lookup: { requesting: sending("", NO_SICBL), sending: requesting("", SICBL_ONE), referenceMonth: "2019-07-01T00:00:00.000Z" },
    requestingAsid: ASID.S, sendingAsid: ASID.R, suppliers: ["TPP", "EMIS"],
  },
  // §2.2: a request month with its own reference data uses it (May)
  {
    id: "PAR-P10a", title: "P10: month with reference data (May)",
    messages: [["2020-05-15 12:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2020-05-15T12:00:00.000Z") },
    requestMonth: "2020-05-01T00:00:00.000Z", lookup: MAY_2020,
  },
  // §7.3 P10: June's reference data missing → the previous month's (May) is used, and organisation_reference_month says so
  {
    id: "PAR-P10b", title: "P10: June missing, May used",
    messages: [["2020-06-15 12:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2020-06-15T12:00:00.000Z") },
    requestMonth: "2020-06-01T00:00:00.000Z", lookup: MAY_2020,
  },
  // §2.2, Decision 6: July has its own data: new names, both practices in SICBL 02B with its ICB and region
  {
    id: "PAR-P10c", title: "P10: month with reference data (July)",
    messages: [["2020-07-15 12:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2020-07-15T12:00:00.000Z") },
    requestMonth: "2020-07-01T00:00:00.000Z", lookup: JULY_2020,
  },
  // Project decision (stg_reference_months): with August and September both missing the latest earlier month (July) is used, where upstream would fail
  {
    id: "PAR-P10d", title: "P10: two months missing, latest earlier month used",
    messages: [["2020-09-15 12:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2020-09-15T12:00:00.000Z") },
    requestMonth: "2020-09-01T00:00:00.000Z", lookup: JULY_2020,
  },
  // §2.1: conversationID is case-sensitive: the ack in "PAR-CASE" does not acknowledge this request
  {
    id: "PAR-case", title: "conversation ids are case-sensitive",
    messages: [["2019-07-01 14:00:00.000", "REQ", "REQ", "R>S"]],
    byCutoff: { 14: notAcknowledged("2019-07-01T14:00:00.000Z") },
    requestMonth: "2019-07-01T00:00:00.000Z", lookup: JULY_2019,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Raw rows with field values the Message helper does not write (P2, P4), and their staged messages.

const raw = (overrides: Partial<Record<string, string>>, omit: string[] = []): SpineRow => {
  const row: SpineRow = {
    _time: "2019-07-01 15:00:00.000 UTC",
    conversationID: "",
    GUID: "",
    interactionID: INTERACTION.REQ,
    messageSender: ASID.R,
    messageRecipient: ASID.S,
    messageRef: "NotProvided",
    jdiEvent: "NONE",
    toSystem: "TPP",
    fromSystem: "EMIS",
    ...overrides,
  };
  for (const key of omit) delete row[key];
  return row;
};

const DUPLICATE_ASID = "444444444444";

const rawRows: SpineRow[] = [
  // §2.2 lookups, last one wins: a request from an ASID listed by two practices
  raw({ _time: "2019-07-01 16:00:00.000 UTC", conversationID: "PAR-dup", GUID: "PAR-dup", messageSender: DUPLICATE_ASID, fromSystem: "Microtest" }),
  // §7.3 P2: messageRef NotProvided and jdiEvent NONE
  raw({ conversationID: "PAR-P2", GUID: "PAR-P2" }),
  // §7.3 P4: every field an empty string except _time
  raw({ _time: "2019-07-01 15:10:00.000 UTC", conversationID: "", GUID: "", interactionID: "", messageSender: "", messageRecipient: "", messageRef: "", jdiEvent: "", toSystem: "", fromSystem: "" }),
  // §7.3 P4: no toSystem/fromSystem columns at all
  raw({ _time: "2019-07-01 15:20:00.000 UTC", conversationID: "PAR-P4b", GUID: "PAR-P4b" }, ["toSystem", "fromSystem"]),
  // §7.3 P4, §8.1: empty supplier cells
  raw({ _time: "2019-07-01 15:30:00.000 UTC", conversationID: "PAR-P4c", GUID: "PAR-P4c", toSystem: "", fromSystem: "" }),
  // §2.1 case-sensitive conversation ids: an ack in "PAR-CASE" (starts with an ack: discarded)
  raw({ _time: "2019-07-01 14:01:00.000 UTC", conversationID: "PAR-CASE", GUID: "PAR-CASE-A1", interactionID: INTERACTION.ACK, messageSender: ASID.S, messageRecipient: ASID.R, messageRef: "PAR-case", toSystem: "EMIS", fromSystem: "TPP" }),
];

const STAGED_COLUMNS = ["message_at", "conversation_id", "guid", "interaction_id", "interaction", "sender_asid", "recipient_asid", "message_ref", "error_code", "from_system", "to_system"] as const;

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("parsing-lookup");
  await insertSpineRows(
    warehouse,
    [...transferCases.flatMap((c) => conversationRows(c.id, c.messages)), ...rawRows],
    "2019-07-07_spine_messages.csv.gz",
  );
  for (const c of transferCases.filter((c) => c.otherFile)) {
    await insertSpineRows(warehouse, conversationRows(c.id, c.otherFile!.messages), c.otherFile!.name);
  }
  const practices = (suffix: string) => [
    { odsCode: "A11111", name: `Requesting Practice${suffix}`, asids: [ASID.R] },
    { odsCode: "B22222", name: `Sending Practice${suffix}`, asids: [ASID.S] },
  ];
  // PAR-dup: ASID 444444444444 listed by C33333 then D44444, and D44444 listed in 01A then 02B
  await insertReference(
    warehouse,
    "2019-07",
    [...practices(""), { odsCode: "C33333", name: "Practice C", asids: [DUPLICATE_ASID] }, { odsCode: "D44444", name: "Practice D", asids: [DUPLICATE_ASID] }],
    [
      { odsCode: "01A", name: "SICBL One", practices: ["A11111", "D44444"] },
      { odsCode: "02B", name: "SICBL Two", practices: ["D44444"] },
    ],
  );
  await insertReference(warehouse, "2020-05", practices(" (May)"), [{ odsCode: "01A", name: "SICBL One", practices: ["A11111"] }]);
  await insertReference(warehouse, "2020-07", practices(" (July)"), [{ odsCode: "02B", name: "SICBL Two", practices: ["A11111", "B22222"] }]);
  await insertGeography(warehouse, [
    { sicbl: "01A", sicblName: "SICBL One", icb: "QAA", icbName: "ICB One", region: "Y01", regionName: "Region One" },
    { sicbl: "02B", sicblName: "SICBL Two", icb: "QBB", icbName: "ICB Two", region: "Y02", regionName: "Region Two" },
  ]);
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

async function stagedRow(where: string): Promise<Row> {
  const rows = await warehouse.rows(`select * from "${datasets.staged}".stg_spine_messages where ${where}`);
  expect(rows).toHaveLength(1);
  return pick(rows[0]!, STAGED_COLUMNS);
}

describe("parsing of the export fields (spec §2.1, §7.3 P1-P4)", () => {
  // §7.3 P1: the three _time forms are the same instant in the staged messages
  it("P1: +0000, UTC and BST forms parse to 2019-07-01T09:10:00.334Z", async () => {
    const rows = await warehouse.rows(
      `select conversation_id, message_at from "${datasets.staged}".stg_spine_messages where conversation_id in ('PAR-P1a', 'PAR-P1b', 'PAR-P1c') order by conversation_id`,
    );
    expect(rows).toEqual(["PAR-P1a", "PAR-P1b", "PAR-P1c"].map((id) => ({ conversation_id: id, message_at: "2019-07-01T09:10:00.334Z" })));
  });

  // §7.3 P2: NotProvided → NULL message_ref, NONE → NULL error_code
  it("P2: NotProvided and NONE are NULL", async () => {
    expect(await stagedRow("conversation_id = 'PAR-P2'")).toEqual({
      message_at: "2019-07-01T15:00:00.000Z", conversation_id: "PAR-P2", guid: "PAR-P2", interaction_id: INTERACTION.REQ,
      interaction: "REQ", sender_asid: ASID.R, recipient_asid: ASID.S, message_ref: null, error_code: null, from_system: "EMIS", to_system: "TPP",
    });
  });

  // §7.3 P3: messageRef kept as the GUID, jdiEvent "23" → 23
  it("P3: an ack's messageRef and jdiEvent", async () => {
    expect(await stagedRow("conversation_id = 'PAR-P3' and interaction = 'ACK'")).toEqual({
      message_at: "2019-07-01T11:01:00.000Z", conversation_id: "PAR-P3", guid: "PAR-P3-A1", interaction_id: INTERACTION.ACK,
      interaction: "ACK", sender_asid: ASID.S, recipient_asid: ASID.R, message_ref: "convo_xyz", error_code: 23, from_system: "TPP", to_system: "EMIS",
    });
  });

  // §7.3 P4: empty strings stay "" for ids and ASIDs; empty messageRef/jdiEvent are NULL; empty supplier cells stay ""
  it("P4: a row of empty strings", async () => {
    expect(await stagedRow("conversation_id = '' and message_at = timestamp '2019-07-01 15:10:00'")).toEqual({
      message_at: "2019-07-01T15:10:00.000Z", conversation_id: "", guid: "", interaction_id: "", interaction: "UNKNOWN",
      sender_asid: "", recipient_asid: "", message_ref: null, error_code: null, from_system: "", to_system: "",
    });
    // §4.1 step 5: its conversation does not start with a request: no transfer
    expect(pick((await conversationRow(warehouse, "")) ?? {}, ["starts_with_request"])).toEqual({ starts_with_request: false });
    expect((await transfersByCutoff(warehouse, "")).size).toBe(0);
  });

  // §7.3 P4: fromSystem/toSystem are NULL only when the columns are absent
  it("P4: absent supplier columns are NULL, in the message and the transfer", async () => {
    expect(pick(await stagedRow("conversation_id = 'PAR-P4b'"), ["from_system", "to_system"])).toEqual({ from_system: null, to_system: null });
    const row = await transferAt(warehouse, "PAR-P4b", 14);
    expect(pick(row, ["requesting_supplier", "sending_supplier", "status", "failure_reason"])).toEqual({
      requesting_supplier: null, sending_supplier: null, status: "Technical failure", failure_reason: "Request not acknowledged",
    });
  });

  // §4.2, §8.1: empty supplier cells are kept as "" in the transfer
  it("P4: empty supplier cells are empty strings in the transfer", async () => {
    const row = await transferAt(warehouse, "PAR-P4c", 14);
    expect(pick(row, ["requesting_supplier", "sending_supplier", "date_requested"])).toEqual({
      requesting_supplier: "", sending_supplier: "", date_requested: "2019-07-01T15:30:00.000Z",
    });
  });

  // §2.1: an ack in a conversation whose id differs only in case is its own conversation, which starts with an ack
  it("conversation ids are case-sensitive: PAR-CASE is discarded", async () => {
    expect(pick((await conversationRow(warehouse, "PAR-CASE")) ?? {}, ["starts_with_request", "first_interaction"])).toEqual({
      starts_with_request: false, first_interaction: "ACK",
    });
    expect((await transfersByCutoff(warehouse, "PAR-CASE")).size).toBe(0);
  });
});

describe("organisation lookup when the reference data lists a key twice (spec §2.2)", () => {
  // §2.2: "when several entries map the same key the last one wins": the ASID → D44444 (listed last), D44444 → SICBL 02B (listed last)
  it("PAR-dup: last listing wins for ASID → practice and practice → SICBL", async () => {
    const row = await transferAt(warehouse, "PAR-dup", 14);
    expect(organisationColumns(row)).toEqual({
      requesting: { practice_ods_code: "D44444", practice_name: "Practice D", ...SICBL_TWO },
      sending: sending("", NO_SICBL),
      referenceMonth: "2019-07-01T00:00:00.000Z",
    });
    expect(pick(row, ["requesting_practice_asid", "requesting_supplier", "status", "failure_reason"])).toEqual({
      requesting_practice_asid: DUPLICATE_ASID, requesting_supplier: "Microtest", status: "Technical failure", failure_reason: "Request not acknowledged",
    });
  });
});

describe("transfers from parsed rows: times, months and organisations (spec §7.3 P1, P3, P7-P10)", () => {
  it.each(transferCases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const rows = await transfersByCutoff(warehouse, c.id);
    expect([...rows.keys()]).toEqual([0, 2, 14]);
    for (const [cutoff, expected] of Object.entries(c.byCutoff)) {
      const row = rows.get(Number(cutoff))!;
      expect({ cutoff, ...pick(row, OUTCOME_COLUMNS) }).toEqual({ cutoff, ...outcome(expected!) });
    }
    const [requestingSupplier, sendingSupplier] = c.suppliers ?? ["EMIS", "TPP"];
    for (const [cutoff, row] of rows) {
      expect(pick(row, ["request_month", "requesting_practice_asid", "sending_practice_asid", "requesting_supplier", "sending_supplier"])).toEqual({
        request_month: typeof c.requestMonth === "string" ? c.requestMonth : c.requestMonth[cutoff as 0 | 2 | 14],
        requesting_practice_asid: c.requestingAsid ?? ASID.R,
        sending_practice_asid: c.sendingAsid ?? ASID.S,
        requesting_supplier: requestingSupplier,
        sending_supplier: sendingSupplier,
      });
      if (c.lookup) expect(organisationColumns(row)).toEqual(c.lookup);
    }
  });
});
