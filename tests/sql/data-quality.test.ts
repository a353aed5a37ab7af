/**
 * data_quality_daily: each check and reason counted on the day it belongs to, from conversations built to show it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph, type SpineRow } from "../support/warehouse";

const P = "urn:nhs:names:services:gp2gp/";
const R = "012345678901";
const S = "987654321098";
const UNKNOWN = "000000000999";

function row(time: string, conversation: string, guid: string, interaction: string, from: string, to: string, ref = "NotProvided", code = "NONE"): SpineRow {
  return { _time: `${time} UTC`, conversationID: conversation, GUID: guid, interactionID: `${P}${interaction}`, messageSender: from, messageRecipient: to, messageRef: ref, jdiEvent: code, toSystem: "TPP", fromSystem: "EMIS" };
}
const REQ = "RCMR_IN010000UK05";
const EHR = "RCMR_IN030000UK06";
const ACK = "MCCI_IN010000UK13";

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await openTestWarehouse("data-quality");
  await insertReference(warehouse, "2024-03", [{ odsCode: "A11111", name: "Requesting", asids: [R] }, { odsCode: "B22222", name: "Sending", asids: [S] }], [{ odsCode: "01A", name: "SICBL", practices: ["A11111", "B22222"] }]);
  await insertSpineRows(
    warehouse,
    [
      // discarded: the first message is an acknowledgement
      row("2024-03-04 08:59:00", "D1", "D1-A", ACK, S, R, "D1"),
      row("2024-03-04 09:00:00", "D1", "D1", REQ, R, S),
      // a message on the day before the request: not part of the transfer
      row("2024-03-03 23:00:00", "E1", "E1-X", ACK, S, R, "E1"),
      row("2024-03-04 09:00:00", "E1", "E1", REQ, R, S),
      // unmatched acknowledgements, one of each reason
      row("2024-03-04 09:00:00", "U1", "U1", REQ, R, S),
      row("2024-03-04 09:01:00", "U1", "U1-A1", ACK, S, R), // no message reference
      row("2024-03-04 09:02:00", "U1", "U1-A2", ACK, S, R, "U1-A1"), // acknowledges an acknowledgement
      row("2024-03-04 09:03:00", "U1", "U1-A3", ACK, S, R, "NOT-HERE"), // a GUID not in the conversation
      row("2024-03-04 09:04:00", "U1", "U1-A4", ACK, R, S, "U1-E1"), // before the message it acknowledges
      row("2024-03-04 09:05:00", "U1", "U1-E1", EHR, S, R),
      row("2024-03-04 09:06:00", "U1", "U1-A5", ACK, R, S, "U1-E1", "12"), // forgotten when the EHR is sent again
      row("2024-03-04 09:07:00", "U1", "U1-E1", EHR, S, R),
      // an unknown interaction, and an unknown requesting ASID
      row("2024-03-04 10:00:00", "K1", "K1", REQ, UNKNOWN, S),
      row("2024-03-04 10:01:00", "K1", "K1-U", "RCMR_IN010000UK08", UNKNOWN, S),
    ],
    "2024-03-04_spine_messages.csv",
  );
  await warehouse.run(
    `insert into gp2gp_raw.spine_messages_rejected (message_time, reason, field, raw_line, source_file, source_row, load_id)
     values ('garbage', '_time "garbage" is not a Spine time', '_time', null, '2024-03-05_spine_messages.csv', 7, 99)`,
  );
  await runGraph(warehouse);
});
afterAll(() => warehouse?.close());

describe("data_quality_daily", () => {
  it("counts each check and reason on its day", async () => {
    const rows = await warehouse.rows(`select cast(day as varchar) as day, check_name, reason, item_count from gp2gp_marts.data_quality_daily order by all`);
    expect(rows).toEqual([
      { day: "2024-03-04", check_name: "conversation_discarded", reason: "first message is ACK, not the EHR request", item_count: 1 },
      { day: "2024-03-04", check_name: "message_before_request_day", reason: "logged on a day before the request (not part of the transfer, as upstream)", item_count: 1 },
      { day: "2024-03-04", check_name: "unknown_asid", reason: "requesting ASID not in the reference data", item_count: 1 },
      { day: "2024-03-04", check_name: "unknown_interaction", reason: `${P}RCMR_IN010000UK08`, item_count: 1 },
      { day: "2024-03-04", check_name: "unmatched_acknowledgement", reason: "acknowledges a GUID not in the conversation", item_count: 1 },
      { day: "2024-03-04", check_name: "unmatched_acknowledgement", reason: "acknowledges an acknowledgement", item_count: 1 },
      { day: "2024-03-04", check_name: "unmatched_acknowledgement", reason: "forgotten when the message was sent again", item_count: 1 },
      { day: "2024-03-04", check_name: "unmatched_acknowledgement", reason: "has no message reference", item_count: 1 },
      { day: "2024-03-04", check_name: "unmatched_acknowledgement", reason: "received before the message it acknowledges", item_count: 1 },
      { day: "2024-03-05", check_name: "rejected_row", reason: "_time", item_count: 1 },
    ]);
  });
});
