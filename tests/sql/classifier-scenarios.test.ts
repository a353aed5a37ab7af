/**
 * Spec §7.2 classifier scenarios S01-S30 (shared/fixtures/classifier-scenarios-public.json) as SQL scenario tests
 * on DuckDB: the scenario's Spine rows in, the expected transfer out, every column compared.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { insertReference, insertSpineRows, openTestWarehouse, runGraph, SpineRow } from "../support/warehouse";

interface Scenario {
  id: string;
  title: string;
  cutoff_days: number;
  rows: SpineRow[];
  expected: Record<string, unknown> & { sender_error_codes: (number | null)[]; final_error_codes: (number | null)[]; intermediate_error_codes: (number | null)[] };
}

const fixture = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../../shared/fixtures/classifier-scenarios-public.json"), "utf8"),
) as { scenarios: Scenario[] };

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("scenarios");
  // One export file holding every scenario's rows, in scenario order.
  await insertSpineRows(warehouse, fixture.scenarios.flatMap((s) => s.rows), "2024-03-04_spine_messages.csv.gz");
  await insertReference(
    warehouse,
    "2024-03",
    [
      { odsCode: "A11111", name: "Requesting Practice", asids: ["012345678901"] },
      { odsCode: "B22222", name: "Sending Practice", asids: ["987654321098"] },
    ],
    [{ odsCode: "01A", name: "SICBL One", practices: ["A11111"] }],
  );
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

const nonNull = (codes: (number | null)[]) => codes.filter((c): c is number => c !== null);

describe("classifier scenarios S01-S30", () => {
  it.each(fixture.scenarios.map((s) => [s.id, s] as const))("%s", async (id, scenario) => {
    const rows = await warehouse.rows(
      `select * from gp2gp_marts.transfers where conversation_id = '${id}' and cutoff_days = ${scenario.cutoff_days}`,
    );
    expect(rows, `${id}: ${scenario.title}`).toHaveLength(1);
    const row = rows[0]!;
    const e = scenario.expected;
    expect({
      conversation_id: row.conversation_id,
      status: row.status,
      failure_reason: row.failure_reason,
      sla_duration: row.sla_duration,
      sender_error_codes: row.sender_error_codes,
      final_error_codes: row.final_error_codes,
      intermediate_error_codes: row.intermediate_error_codes,
      sender_ack_count: row.sender_ack_count,
      final_ack_count: row.final_ack_count,
      date_requested: row.date_requested,
      date_completed: row.date_completed,
      last_sender_message_timestamp: row.last_sender_message_timestamp,
      req_ods: row.requesting_practice_ods_code,
      req_sicbl: row.requesting_practice_sicbl_ods_code,
      send_ods: row.sending_practice_ods_code,
      send_sicbl: row.sending_practice_sicbl_ods_code,
      requesting_supplier: row.requesting_supplier,
      sending_supplier: row.sending_supplier,
    }).toEqual({
      conversation_id: e.conversation_id,
      status: e.status,
      failure_reason: e.failure_reason,
      sla_duration: e.sla_duration,
      sender_error_codes: nonNull(e.sender_error_codes),
      final_error_codes: nonNull(e.final_error_codes),
      intermediate_error_codes: nonNull(e.intermediate_error_codes),
      sender_ack_count: e.sender_error_codes.length,
      final_ack_count: e.final_error_codes.length,
      date_requested: e.date_requested,
      date_completed: e.date_completed,
      last_sender_message_timestamp: e.last_sender_message_timestamp,
      req_ods: e.req_ods,
      req_sicbl: e.req_sicbl,
      send_ods: e.send_ods,
      send_sicbl: e.send_sicbl,
      requesting_supplier: e.requesting_supplier,
      sending_supplier: e.sending_supplier,
    });
  });
});
