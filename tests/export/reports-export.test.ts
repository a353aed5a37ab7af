/**
 * `gp2gp export report`: the four upstream reports written from the report marts (spec §6.5, reporting-products §4):
 * file names, exact headers and column order, unrounded percentages over the window, upstream sort orders, CSV
 * quoting, and the publish gate blocking the export.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerExportReportCommand } from "../../scripts/commands/export-report";
import type { Warehouse } from "../../scripts/lib/duckdb";
import { compareCells, exportReport, parseReportName, parseWindow, percentOf, renderCsv, reportFileName } from "../../scripts/lib/export/reports";
import { PublishGateError } from "../../scripts/lib/gate";
import { DECEMBER_2019, DECEMBER_WATERMARK, graphWithVars, runWithVars, warehouseWith, watermarkRow } from "../support/report-transfers";
import { tempDir } from "../support/warehouse";

const DEMO = { gate_min_national_transfers: "10" };
let warehouse: Warehouse;
let out: string;

beforeAll(async () => {
  warehouse = await warehouseWith("report-export", DECEMBER_2019, { referenceMonth: "2019-12", extraRows: [watermarkRow(DECEMBER_WATERMARK)] });
  await runWithVars(warehouse);
  out = tempDir("reports-out");
});
afterAll(() => warehouse?.close());

const exportWith = async (report: string, start: string, end: string, cutoff: number, extra: { skipGate?: boolean; vars?: Record<string, string> } = {}) =>
  exportReport(warehouse, { report, start, end, cutoff, outDir: out, graph: await graphWithVars(extra.vars ?? DEMO), skipGate: extra.skipGate });
const lines = (file: string) => fs.readFileSync(file, "utf8").trimEnd().split("\n");

describe("report names, windows and CSV", () => {
  it("names files as upstream: <start>-to-<end - 1 day>-<name>--<cutoff>-days-cutoff.csv, end exclusive", () => {
    const window = parseWindow("2019-12-01", "2020-01-01", "14");
    expect(reportFileName("SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES", window)).toBe("2019-12-01-to-2019-12-31-sub_icb_location_level_integration_times--14-days-cutoff.csv");
    expect(reportFileName("TRANSFER_DETAILS_BY_HOUR", parseWindow("2024-03-01", "2024-03-02", 0))).toBe("2024-03-01-to-2024-03-01-transfer_details_by_hour--0-days-cutoff.csv");
    expect(parseReportName("transfer-outcomes-per-supplier-pathway")).toBe("TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY");
    expect(() => parseReportName("MONTHLY_SUMMARY")).toThrow(/Unknown report "MONTHLY_SUMMARY". Reports: TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY/);
    expect(() => parseWindow("2024-02-30", "2024-03-01", 0)).toThrow(/--start 2024-02-30: is not a calendar date/);
    expect(() => parseWindow("2024-03-01", "2024-03-01", 0)).toThrow(/must be before --end 2024-03-01 \(the end is exclusive/);
    expect(() => parseWindow("2024-03-01", "2024-04-01", "two")).toThrow(/--cutoff two/);
  });

  it("computes unrounded percentages, NULL on a zero total, and sorts NULL first", () => {
    expect(percentOf(1, 7)).toBe(14.285714285714285);
    expect(percentOf(3, 7)).toBe(42.857142857142854);
    expect(percentOf(0, 0)).toBeNull();
    expect([null, "b", "a"].sort(compareCells)).toEqual([null, "a", "b"]);
  });

  it("quotes headers and strings, not numbers; NULL is empty, an empty string is \"\"", () => {
    expect(renderCsv(["a", "b", "c", "d"], [{ a: "x, y", b: 50, c: null, d: "" }])).toBe('"a","b","c","d"\n"x, y",50,,""\n');
  });
});

describe("TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY", () => {
  it("sums the window, computes the three percentages and sorts by count, then pathway and status", async () => {
    const result = await exportWith("TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY", "2019-12-01", "2020-01-01", 14);
    expect(path.basename(result.file)).toBe("2019-12-01-to-2019-12-31-transfer_outcomes_per_supplier_pathway--14-days-cutoff.csv");
    expect(result.totals).toEqual({ transfer_count: 21, technical_failure_count: 7, technical_failure_percent: 33.33 });
    expect(result.provisionalTransfers).toBe(0);
    expect(lines(result.file)).toEqual([
      '"requesting supplier","sending supplier","status","failure reason","unique final errors","unique sender errors","unique intermediate errors","number of transfers","% of transfers","% of technical failures","% of supplier pathway"',
      '"Vision","TPP","Integrated on time",,"","","",3,14.285714285714285,,37.5',
      '"Vision","TPP","Process failure","Transferred, not integrated","","","",3,14.285714285714285,,37.5',
      '"EMIS","TPP","Integrated on time",,"","","",2,9.523809523809524,,18.181818181818183',
      '"EMIS","TPP","Integrated on time",,"9 - Unexpected EHR","","",1,4.761904761904762,,9.090909090909092',
      '"EMIS","TPP","Process failure","Transferred, not integrated","","","",1,4.761904761904762,,9.090909090909092',
      '"EMIS","TPP","Technical failure","Contains fatal sender error","","10 - Failed to generate","",1,4.761904761904762,14.285714285714285,9.090909090909092',
      '"EMIS","TPP","Technical failure","Core extract not sent","","42 - Unknown error code","",1,4.761904761904762,14.285714285714285,9.090909090909092',
      '"EMIS","TPP","Technical failure","Final error","1 - Unknown error code","","",1,4.761904761904762,14.285714285714285,9.090909090909092',
      '"EMIS","TPP","Technical failure","Final error","6 - Not at surgery, 7 - GP2GP disabled, 9 - Unexpected EHR","","",1,4.761904761904762,14.285714285714285,9.090909090909092',
      '"EMIS","TPP","Technical failure","Request not acknowledged","","","",1,4.761904761904762,14.285714285714285,9.090909090909092',
      '"EMIS","TPP","Unclassified failure","Transferred, not integrated, with error","","","29 - LM reassembly",1,4.761904761904762,,9.090909090909092',
      '"EMIS","TPP","Unclassified failure","Transferred, not integrated, with error","","20 - Spine error","",1,4.761904761904762,,9.090909090909092',
      '"EMIS","Vision","Integrated on time",,"","","",1,4.761904761904762,,50',
      '"EMIS","Vision","Technical failure","Contains fatal sender error","","6 - Not at surgery","",1,4.761904761904762,14.285714285714285,50',
      '"Vision","TPP","Process failure","Integrated late","","","",1,4.761904761904762,,12.5',
      '"Vision","TPP","Technical failure","Final error","11 - Failed to integrate","","",1,4.761904761904762,14.285714285714285,12.5',
    ]);
  });

  it("computes the percentages over the window asked for", async () => {
    const result = await exportWith("transfer_outcomes_per_supplier_pathway", "2019-12-12", "2019-12-13", 14);
    expect(path.basename(result.file)).toBe("2019-12-12-to-2019-12-12-transfer_outcomes_per_supplier_pathway--14-days-cutoff.csv");
    expect(lines(result.file).slice(1)).toEqual([
      '"Vision","TPP","Process failure","Transferred, not integrated","","","",3,75,,75',
      '"Vision","TPP","Technical failure","Final error","11 - Failed to integrate","","",1,25,100,25',
    ]);
  });
});

describe("TRANSFER_LEVEL_TECHNICAL_FAILURES (R3)", () => {
  it("lists technical and unclassified failures only, by date requested, with the upstream columns", async () => {
    const result = await exportWith("TRANSFER_LEVEL_TECHNICAL_FAILURES", "2019-12-01", "2020-01-01", 14);
    const csv = lines(result.file);
    expect(csv[0]).toBe(
      '"sending practice ASID","sending supplier","sending practice ODS code","sending practice Sub ICB Location ODS code","requesting practice ASID","requesting supplier","requesting practice ODS code","requesting practice Sub ICB Location ODS code","conversation ID","date requested","status","failure reason","unique final errors","unique sender errors","unique intermediate errors"',
    );
    expect(csv[1]).toBe('"987654321098","TPP","B22222",,"012345678901","EMIS","A11111","01A","r1-final","2019-12-02 09:00:00.000000","Technical failure","Final error","6 - Not at surgery, 7 - GP2GP disabled, 9 - Unexpected EHR","",""');
    expect(csv.slice(1).map((line) => line.split(",")[8])).toEqual(
      ['"r1-final"', '"r2-unknown"', '"fatal-10"', '"cns-42"', '"rna"', '"fragment-29"', '"r5-final"', '"rv-fatal"', '"r4-unclassified"'],
    );
    expect(csv.at(-1)).toBe('"987654321098","TPP","B22222",,"012345678901","EMIS","A11111","01A","r4-unclassified","2019-12-31 12:00:21.000000","Unclassified failure","Transferred, not integrated, with error","","20 - Spine error",""');
  });
});

describe("SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES (R5)", () => {
  it("writes one row per practice, sorted by SICBL then practice name, with unrounded percentages", async () => {
    const result = await exportWith("SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES", "2019-12-01", "2020-01-01", 14);
    expect(lines(result.file)).toEqual([
      '"Sub ICB Location name","Sub ICB Location ODS","Requesting practice name","Requesting practice ODS","GP2GP Transfers received","Integrated within 3 days","Integrated within 3 days - %","Integrated within 8 days","Integrated within 8 days - %","Not integrated within 8 days (integrated late + not integrated)","Not integrated within 8 days (integrated late + not integrated) - %","Integrated late","Integrated late - %","Not integrated within 14 days","Not integrated within 14 days - %"',
      '"SICBL One","01A","Requesting Practice","A11111",5,4,80,0,0,1,20,0,0,1,20',
      '"SICBL Two","02B","Third Practice","C33333",7,1,14.285714285714285,2,28.57142857142857,4,57.14285714285714,1,14.285714285714285,3,42.857142857142854',
    ]);
  });

  it("refuses a window that is not whole months", async () => {
    await expect(exportWith("SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES", "2019-12-02", "2020-01-01", 14)).rejects.toThrow(/kept per month: --start and --end must be first days of months/);
  });
});

describe("TRANSFER_DETAILS_BY_HOUR (R4)", () => {
  it("writes one row per hour 'YYYY-MM-DD HH:00'", async () => {
    const result = await exportWith("TRANSFER_DETAILS_BY_HOUR", "2019-12-31", "2020-01-01", 0);
    expect(path.basename(result.file)).toBe("2019-12-31-to-2019-12-31-transfer_details_by_hour--0-days-cutoff.csv");
    expect(lines(result.file)).toEqual([
      '"Date/Time","Total number of transfers","Total technical failures","Total unclassified failures"',
      '"2019-12-31 12:00",1,0,1',
      '"2019-12-31 18:00",1,0,0',
    ]);
  });
});

describe("publish gate and checks before writing", () => {
  it("blocks the export when the gate fails, naming the check, and writes nothing", async () => {
    const before = fs.readdirSync(out);
    const attempt = exportWith("TRANSFER_DETAILS_BY_HOUR", "2019-12-30", "2020-01-01", 14, { vars: {} });
    await expect(attempt).rejects.toBeInstanceOf(PublishGateError);
    await expect(attempt).rejects.toThrow(/gate__national_transfers_below_minimum: national transfers in 2019-12 \(the latest final month\): 21, below gate_min_national_transfers = 150000/);
    expect(fs.readdirSync(out)).toEqual(before);
  });

  it("writes an ad hoc report with --skip-gate", async () => {
    const result = await exportWith("TRANSFER_DETAILS_BY_HOUR", "2019-12-30", "2020-01-01", 14, { vars: {}, skipGate: true });
    expect(result.gate).toBe("skipped");
    expect(lines(result.file)).toHaveLength(3);
  });

  it("refuses a cutoff the warehouse does not hold", async () => {
    await expect(exportWith("TRANSFER_DETAILS_BY_HOUR", "2019-12-30", "2020-01-01", 7)).rejects.toThrow(/--cutoff 7: the warehouse has transfers at cutoffs 0, 2, 14 only/);
  });

  it("leaves no temporary file behind", () => {
    expect(fs.readdirSync(out).filter((f) => !f.endsWith(".csv"))).toEqual([]);
  });
});

describe("the command", () => {
  it("runs as `gp2gp export report` on a read-only warehouse, and exits 1 when the gate fails", async () => {
    warehouse.close();
    const database = warehouse.path;
    const program = new Command().exitOverride();
    registerExportReportCommand(program);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const dir = tempDir("reports-cli");
    try {
      const args = ["export", "report", "transfer_details_by_hour", "--start", "2019-12-31", "--end", "2020-01-01", "--cutoff", "0", "--out", dir, "--database", database];
      await program.parseAsync([...args, "--vars", "gate_min_national_transfers=10"], { from: "user" });
      expect(fs.readdirSync(dir)).toEqual(["2019-12-31-to-2019-12-31-transfer_details_by_hour--0-days-cutoff.csv"]);
      expect(stdout.mock.calls.map((c) => String(c[0])).join("")).toMatch(/^Wrote .*transfer_details_by_hour--0-days-cutoff\.csv \(2 rows\)\.\nWindow: 2 transfers, 0 technical failures \(technical failures percentage 0\)\.\n$/);
      await program.parseAsync(args, { from: "user" });
      expect(process.exitCode).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/Publish gate failed \(1 of 4 checks\):\n  gate__national_transfers_below_minimum: /);
    } finally {
      process.exitCode = undefined;
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(program.commands.find((c) => c.name() === "export")?.commands.map((c) => c.name())).toEqual(["report"]);
  });
});
