/**
 * The operational report marts and the error code seed on DuckDB (spec §5.5, §6.5, §7.6 R1-R5): Spine rows that
 * classify into each outcome in, the marts' rows out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../includes/constants";
import { helpersFor } from "../../includes/engine";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { DECEMBER_2019, DECEMBER_WATERMARK, runWithVars, warehouseWith, watermarkRow } from "../support/report-transfers";

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await warehouseWith("report-marts", DECEMBER_2019, { referenceMonth: "2019-12", extraRows: [watermarkRow(DECEMBER_WATERMARK)] });
  await runWithVars(warehouse);
});
afterAll(() => warehouse?.close());

const marts = "gp2gp_marts";

describe("stg_error_codes", () => {
  it("seeds every code of the GP2GP error code table with its short name and description", async () => {
    const rows = await warehouse.rows("select code, short_name, description from gp2gp_staged.stg_error_codes order by code");
    expect(rows).toEqual(ERROR_CODES.map((c) => ({ code: c.code, short_name: c.shortName, description: c.description })));
  });
});

describe("error strings (R1, R2)", () => {
  const finalErrors = async (id: string) =>
    warehouse.scalar(`select unique_final_errors from ${marts}.technical_failures where conversation_id = '${id}' and cutoff_days = 14`);

  it("R1: distinct codes, sorted numerically, '<code> - <short name>' joined with ', '", async () => {
    expect(await finalErrors("r1-final")).toBe("6 - Not at surgery, 7 - GP2GP disabled, 9 - Unexpected EHR");
  });

  it("R2: an unknown code is '<code> - Unknown error code'", async () => {
    expect(await finalErrors("r2-unknown")).toBe("1 - Unknown error code");
  });

  it("R2: [None, None, 9] -> '9 - Unexpected EHR'; [None] and [] -> ''", async () => {
    const rows = await warehouse.rows(
      `select status, unique_final_errors, transfer_count from ${marts}.supplier_pathway_outcomes
       where cutoff_days = 14 and requesting_supplier = 'EMIS' and sending_supplier = 'TPP' and status in ('Integrated on time', 'Process failure')
       order by status, unique_final_errors`,
    );
    expect(rows).toEqual([
      { status: "Integrated on time", unique_final_errors: "", transfer_count: 1 },
      { status: "Integrated on time", unique_final_errors: "", transfer_count: 1 },
      { status: "Integrated on time", unique_final_errors: "9 - Unexpected EHR", transfer_count: 1 },
      { status: "Process failure", unique_final_errors: "", transfer_count: 1 },
    ]);
  });

  it("formats the list of a literal array exactly as upstream, nulls and repeats included (the helper itself)", async () => {
    const duck = helpersFor("duckdb");
    // The helper's SQL on hand-made arrays: R1 and R2's four inputs.
    const { errorStrings } = await import("../../includes/reports");
    const source = `(select * from (values (1, [7, 9, 6, 7, 7]), (2, [null, null, 9]), (3, [null]), (4, cast([] as bigint[])), (5, [1])) as v(id, codes))`;
    const relation = `(select id, codes as final_error_codes, ${duck.emptyArray("INT64")} as sender_error_codes, ${duck.emptyArray("INT64")} as intermediate_error_codes from ${source})`;
    const rows = await warehouse.rows(
      `with listed as ${relation}, error_codes as (select * from gp2gp_staged.stg_error_codes)
       select id, unique_final_errors from (${errorStrings("listed", ["id"], "error_codes")}) as s order by id`,
    );
    expect(rows.map((r) => r.unique_final_errors)).toEqual([
      "6 - Not at surgery, 7 - GP2GP disabled, 9 - Unexpected EHR",
      "9 - Unexpected EHR",
      "",
      "",
      "1 - Unknown error code",
    ]);
  });
});

describe("supplier_pathway_outcomes", () => {
  it("counts transfers per day, pathway, outcome and error strings, summing to every transfer", async () => {
    const total = await warehouse.scalar(`select sum(transfer_count) from ${marts}.supplier_pathway_outcomes where cutoff_days = 14`);
    expect(Number(total)).toBe(21);
    const rows = await warehouse.rows(
      `select requesting_supplier, sending_supplier, status, failure_reason, unique_final_errors, unique_sender_errors, unique_intermediate_errors, cast(sum(transfer_count) as integer) as n
       from ${marts}.supplier_pathway_outcomes where cutoff_days = 14 and status = 'Technical failure'
       group by all order by all`,
    );
    expect(rows).toEqual([
      { requesting_supplier: "EMIS", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Contains fatal sender error", unique_final_errors: "", unique_sender_errors: "10 - Failed to generate", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "EMIS", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Core extract not sent", unique_final_errors: "", unique_sender_errors: "42 - Unknown error code", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "EMIS", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Final error", unique_final_errors: "1 - Unknown error code", unique_sender_errors: "", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "EMIS", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Final error", unique_final_errors: "6 - Not at surgery, 7 - GP2GP disabled, 9 - Unexpected EHR", unique_sender_errors: "", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "EMIS", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Request not acknowledged", unique_final_errors: "", unique_sender_errors: "", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "EMIS", sending_supplier: "Vision", status: "Technical failure", failure_reason: "Contains fatal sender error", unique_final_errors: "", unique_sender_errors: "6 - Not at surgery", unique_intermediate_errors: "", n: 1 },
      { requesting_supplier: "Vision", sending_supplier: "TPP", status: "Technical failure", failure_reason: "Final error", unique_final_errors: "11 - Failed to integrate", unique_sender_errors: "", unique_intermediate_errors: "", n: 1 },
    ]);
  });

  it("keeps the days apart so that any window can be summed", async () => {
    const days = await warehouse.rows(
      `select cast(request_date as varchar) as day, cast(sum(transfer_count) as integer) as n from ${marts}.supplier_pathway_outcomes
       where cutoff_days = 14 and request_date between date '2019-12-10' and date '2019-12-12' group by all order by all`,
    );
    expect(days).toEqual([
      { day: "2019-12-10", n: 2 },
      { day: "2019-12-11", n: 2 },
      { day: "2019-12-12", n: 4 },
    ]);
  });
});

describe("technical_failures (R3)", () => {
  it("lists the technical and unclassified failures only, with the report's columns", async () => {
    const ids = await warehouse.rows<{ conversation_id: string; status: string }>(
      `select conversation_id, status from ${marts}.technical_failures where cutoff_days = 14 order by conversation_id`,
    );
    expect(ids.map((r) => r.conversation_id)).toEqual(["cns-42", "fatal-10", "fragment-29", "r1-final", "r2-unknown", "r4-unclassified", "r5-final", "rna", "rv-fatal"]);
    expect(new Set(ids.map((r) => r.status))).toEqual(new Set(["Technical failure", "Unclassified failure"]));
    const row = await warehouse.rows(`select * exclude (date_requested) from ${marts}.technical_failures where conversation_id = 'fragment-29' and cutoff_days = 14`);
    expect(row[0]).toMatchObject({
      sending_practice_asid: "987654321098",
      sending_supplier: "TPP",
      sending_practice_ods_code: "B22222",
      sending_practice_sicbl_ods_code: null,
      requesting_practice_asid: "012345678901",
      requesting_supplier: "EMIS",
      requesting_practice_ods_code: "A11111",
      requesting_practice_sicbl_ods_code: "01A",
      status: "Unclassified failure",
      failure_reason: "Transferred, not integrated, with error",
      unique_final_errors: "",
      unique_sender_errors: "",
      unique_intermediate_errors: "29 - LM reassembly",
      is_final: true,
    });
  });
});

describe("transfers_by_hour (R4)", () => {
  it("groups requests by hour 'YYYY-MM-DD HH:00' with technical and unclassified counts", async () => {
    for (const cutoff of [0, 14]) {
      const rows = await warehouse.rows(
        `select date_time, transfer_count, technical_failure_count, unclassified_failure_count from ${marts}.transfers_by_hour
         where cutoff_days = ${cutoff} and request_hour >= timestamp '2019-12-31' order by request_hour`,
      );
      expect(rows).toEqual([
        { date_time: "2019-12-31 12:00", transfer_count: 1, technical_failure_count: 0, unclassified_failure_count: 1 },
        { date_time: "2019-12-31 18:00", transfer_count: 1, technical_failure_count: 0, unclassified_failure_count: 0 },
      ]);
    }
  });
});

describe("sicbl_integration_times (R5)", () => {
  it("splits a practice's 7 received transfers with unrounded percentages", async () => {
    const rows = await warehouse.rows(
      `select * exclude (cutoff_days, request_month) from ${marts}.sicbl_integration_times
       where cutoff_days = 14 and requesting_practice_ods_code = 'C33333'`,
    );
    expect(rows).toEqual([
      {
        requesting_practice_ods_code: "C33333",
        requesting_practice_name: "Third Practice",
        requesting_practice_sicbl_ods_code: "02B",
        requesting_practice_sicbl_name: "SICBL Two",
        received_count: 7,
        integrated_within_3_days_count: 1,
        integrated_within_3_days_percent: 14.285714285714285,
        integrated_within_8_days_count: 2,
        integrated_within_8_days_percent: 28.57142857142857,
        not_integrated_within_8_days_count: 4,
        not_integrated_within_8_days_percent: 57.14285714285714,
        integrated_late_count: 1,
        integrated_late_percent: 14.285714285714285,
        not_integrated_within_14_days_count: 3,
        not_integrated_within_14_days_percent: 42.857142857142854,
        provisional_transfer_count: 0,
      },
    ]);
  });
});

describe("error_code_summary", () => {
  it("counts each code where it was seen, with the seed's names and unknown codes as 'Unknown error code'", async () => {
    const rows = await warehouse.rows(
      `select error_location, error_code, short_name, description, is_known_code, occurrence_count, transfer_count, technical_failure_count, unclassified_failure_count
       from ${marts}.error_code_summary where cutoff_days = 14 and request_month = date '2019-12-01' order by error_location, error_code`,
    );
    const known = (code: number) => ERROR_CODES.find((c) => c.code === code)!;
    const row = (location: string, code: number, occurrences: number, transfers: number, technical: number, unclassified = 0) => ({
      error_location: location,
      error_code: code,
      short_name: known(code)?.shortName ?? "Unknown error code",
      description: known(code)?.description ?? null,
      is_known_code: Boolean(known(code)),
      occurrence_count: occurrences,
      transfer_count: transfers,
      technical_failure_count: technical,
      unclassified_failure_count: unclassified,
    });
    expect(rows).toEqual([
      row("final", 1, 1, 1, 1),
      row("final", 6, 1, 1, 1),
      row("final", 7, 3, 1, 1),
      row("final", 9, 2, 2, 1),
      row("final", 11, 1, 1, 1),
      row("intermediate", 29, 1, 1, 0, 1),
      row("sender", 6, 1, 1, 1),
      row("sender", 10, 1, 1, 1),
      row("sender", 20, 1, 1, 0, 1),
      row("sender", 42, 1, 1, 1),
    ]);
    expect(rows.filter((r) => !r.is_known_code).map((r) => [r.error_code, r.short_name, r.description])).toEqual([
      [1, "Unknown error code", null],
      [42, "Unknown error code", null],
    ]);
  });
});
