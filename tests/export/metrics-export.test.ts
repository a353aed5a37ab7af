/**
 * `gp2gp export metrics`: the practice and national metrics files (spec §6.4, v12) from the metric marts, with
 * the §7.4 grouping scenarios G1-G6, the month rules of §6.1, exact national figures, M17 rounding in the JSON,
 * the zod schemas (round trip) and the command line.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { registerExportMetricsCommand } from "../../scripts/commands/export-metrics";
import { Warehouse } from "../../scripts/lib/duckdb";
import {
  buildPracticeMetricsDocument,
  exportMetrics,
  ExportMetricsResult,
  formatGeneratedOn,
  metricMonths,
  metricsFileNames,
  parseExportOptions,
  PracticeMonthRow,
  toPythonJson,
} from "../../scripts/lib/export/metrics";
import { nationalMetricsDocumentSchema, practiceMetricsDocumentSchema } from "../../scripts/lib/export/schemas";
import { Outcome, runMetricGraph, transferRows, transfersOf } from "../support/transfers";
import { insertReference, insertSpineRows, openTestWarehouse, tempDir } from "../support/warehouse";

const GENERATED = 1_582_563_081_353_977n; // 2020-02-24T16:51:21.353977+00:00
const asid = (n: number) => `80000000${String(n).padStart(4, "0")}`;

/** Practices of the grouping warehouse: ODS code → ASID, and its SICBL per reference month (null: in none). */
const PRACTICES: { ods: string; n: number; sicbl: Record<string, string | null>; name?: Record<string, string> }[] = [
  // G1: named from its latest transfer (January), which moved it to another SICBL
  { ods: "G1111", n: 1, sicbl: { "2019-11": "AA1234", "2019-12": "AA1234", "2020-01": "LATEST1234", "2020-02": "LATEST1234" }, name: { "2019-11": "Practice Older", "2019-12": "Practice Old", "2020-01": "Practice Latest", "2020-02": "Practice Latest" } },
  // G4
  { ods: "A1234", n: 2, sicbl: { "2019-11": "AA1234" } },
  { ods: "A2345", n: 3, sicbl: { "2019-11": "AA1234" } },
  { ods: "B1234", n: 4, sicbl: { "2019-11": "BB1234" } },
  // G3: its only transfer has no SICBL
  { ods: "C3333", n: 5, sicbl: { "2019-11": null } },
  // first transfers at the same instant: ordered by conversation_id
  { ods: "T1111", n: 6, sicbl: { "2019-11": "TT1" } },
  { ods: "T2222", n: 7, sicbl: { "2019-11": "TT1" } },
  // W1: no SICBL on its latest transfer in the published months, a SICBL on a later one (dropped, as upstream)
  { ods: "W1111", n: 8, sicbl: { "2019-11": null, "2020-02": "WW1" } },
  // V1: the reverse (kept, with its January SICBL)
  { ods: "V1111", n: 9, sicbl: { "2019-11": "VV1", "2020-02": null } },
  // M17 in the JSON
  { ods: "K0001", n: 10, sicbl: { "2019-11": "KK1" } },
  { ods: "K0003", n: 11, sicbl: { "2019-11": "KK1" } },
  { ods: "K0005", n: 12, sicbl: { "2019-11": "KK1" } },
  // G6: a practice requesting in May 2021
  { ods: "Z1111", n: 13, sicbl: { "2019-11": "ZZ1" } },
];
const REFERENCE_MONTHS = ["2019-11", "2019-12", "2020-01", "2020-02"];
const SICBL_NAMES: Record<string, string> = { AA1234: "SICBL AA", LATEST1234: "SICBL Latest", BB1234: "SICBL BB", TT1: "SICBL TT", WW1: "SICBL WW", VV1: "SICBL VV", KK1: "SICBL KK", ZZ1: "SICBL ZZ" };

/** The value that applies in `month`: the entry of the latest month at or before it. */
function asOf<T>(byMonth: Record<string, T>, month: string): T | undefined {
  const months = Object.keys(byMonth).filter((m) => m <= month).sort();
  return months.length ? byMonth[months[months.length - 1]!] : undefined;
}

const fromPractice = (ods: string, outcomes: Outcome[], at: string, id = ods) => transfersOf(id, outcomes, at, asid(PRACTICES.find((p) => p.ods === ods)!.n));
const sixteen = (received: number) => [...Array<Outcome>(received).fill("TNI"), ...Array<Outcome>(16 - received).fill("RNA")];

let warehouse: Warehouse;
let empty: Warehouse;
let out: string;
let result: ExportMetricsResult;

beforeAll(async () => {
  warehouse = await openTestWarehouse("metrics-export");
  await insertSpineRows(
    warehouse,
    [
      // G1: listed oldest, latest, old
      ...fromPractice("G1111", ["ON3"], "2019-11-20 09:00", "G1-OLDER"),
      ...fromPractice("G1111", ["TNI"], "2020-01-30 09:00", "G1-LATEST"),
      ...fromPractice("G1111", ["ON8"], "2019-12-05 09:00", "G1-OLD"),
      ...fromPractice("A1234", ["ON3"], "2019-11-21 09:00"),
      ...fromPractice("B1234", ["ON3"], "2019-11-22 09:00"),
      ...fromPractice("A2345", ["FINAL"], "2019-11-23 09:00"),
      ...fromPractice("T1111", ["ON3"], "2019-11-24 09:00", "T-b"),
      ...fromPractice("T2222", ["ON3"], "2019-11-24 09:00", "T-a"),
      ...fromPractice("C3333", ["ON3"], "2019-12-10 09:00"),
      ...fromPractice("K0001", sixteen(1), "2019-12-11 09:00"),
      ...fromPractice("K0003", sixteen(3), "2019-12-12 09:00"),
      ...fromPractice("K0005", sixteen(5), "2019-12-13 09:00"),
      // G2: an ASID not in the reference data
      ...transfersOf("G2-UNKNOWN", ["RNA"], "2020-01-15 09:00", "555555555555"),
      ...fromPractice("W1111", ["ON3"], "2020-01-10 09:00"),
      ...fromPractice("W1111", ["ON3"], "2020-02-05 09:00", "W1111-FEB"),
      ...fromPractice("V1111", ["LATE"], "2020-01-10 09:00"),
      ...fromPractice("V1111", ["ON3"], "2020-02-05 09:00", "V1111-FEB"),
      ...fromPractice("Z1111", ["ON3"], "2021-05-10 09:00"),
    ],
    "spine_messages.csv",
  );
  for (const month of REFERENCE_MONTHS) {
    const practices = PRACTICES.map((p) => ({ odsCode: p.ods, name: (p.name && asOf(p.name, month)) ?? `Practice ${p.ods}`, asids: [asid(p.n)] }));
    const members = new Map<string, string[]>();
    for (const p of PRACTICES) {
      const sicbl = asOf(p.sicbl, month);
      if (sicbl) members.set(sicbl, [...(members.get(sicbl) ?? []), p.ods]);
    }
    await insertReference(warehouse, month, practices, [...members].map(([odsCode, list]) => ({ odsCode, name: SICBL_NAMES[odsCode]!, practices: list })));
  }
  await runMetricGraph(warehouse);
  out = tempDir("metrics-export-out");
  result = await exportMetrics({ marts: datasets.marts, warehouse, anchor: "2020-02-10", months: 3, outDir: out, generatedAtMicros: GENERATED });

  empty = await openTestWarehouse("metrics-export-empty");
  await runMetricGraph(empty);
});

afterAll(() => {
  warehouse?.close();
  empty?.close();
});

const practice = (ods: string) => result.practiceDocument.practices.find((p) => p.odsCode === ods);

describe("metric months (§6.1)", () => {
  it("are the N months before the anchor's month, latest first; the last metric month names the files", () => {
    expect(metricMonths("2021-02-04", 3)).toEqual([{ year: 2021, month: 1 }, { year: 2020, month: 12 }, { year: 2020, month: 11 }]);
    expect(metricMonths("2021-03-04", 1)).toEqual([{ year: 2021, month: 2 }]);
    expect(metricMonths("2021-01-04", 1)).toEqual([{ year: 2020, month: 12 }]);
    expect(metricMonths("2021-05-01", 1)).toEqual([{ year: 2021, month: 4 }]);
    expect(metricsFileNames({ year: 2020, month: 1 })).toEqual({ practice: "2020-1-practiceMetrics.json", national: "2020-1-nationalMetrics.json" });
  });

  it("rejects a bad anchor or number of months, naming the option", () => {
    expect(() => parseExportOptions("2020-02-30", 6)).toThrow(/--anchor 2020-02-30: is not a calendar date/);
    expect(() => parseExportOptions("2020/02/01", 6)).toThrow(/--anchor/);
    expect(() => parseExportOptions("2020-02-01", "0")).toThrow(/--months 0/);
    expect(parseExportOptions(" 2020-02-01 ", "6")).toEqual({ anchor: "2020-02-01", months: 6 });
  });

  it("writes generatedOn in ISO 8601 with microseconds and +00:00", () => {
    expect(formatGeneratedOn(GENERATED)).toBe("2020-02-24T16:51:21.353977+00:00");
    expect(formatGeneratedOn(1_600_000_000_000_001n)).toBe("2020-09-13T12:26:40.000001+00:00");
  });
});

describe("practice file (G1-G6)", () => {
  it("lists practices in order of first transfer (date_requested, then conversation_id), SICBLs in order of first appearance (G4)", () => {
    expect(result.practiceDocument.practices.map((p) => p.odsCode)).toEqual(["G1111", "A1234", "B1234", "A2345", "T2222", "T1111", "K0001", "K0003", "K0005", "V1111"]);
    expect(result.practiceDocument.sicbls).toEqual([
      { odsCode: "LATEST1234", name: "SICBL Latest", practices: ["G1111"] },
      { odsCode: "AA1234", name: "SICBL AA", practices: ["A1234", "A2345"] },
      { odsCode: "BB1234", name: "SICBL BB", practices: ["B1234"] },
      { odsCode: "TT1", name: "SICBL TT", practices: ["T2222", "T1111"] },
      { odsCode: "KK1", name: "SICBL KK", practices: ["K0001", "K0003", "K0005"] },
      { odsCode: "VV1", name: "SICBL VV", practices: ["V1111"] },
    ]);
  });

  it("G1: names a practice from its latest transfer, holding all its transfers", () => {
    const g1 = practice("G1111")!;
    expect([g1.name, g1.sicblOdsCode, g1.sicblName]).toEqual(["Practice Latest", "LATEST1234", "SICBL Latest"]);
    expect(g1.metrics.map((m) => m.requestedTransfers.requestedCount)).toEqual([1, 1, 1]);
  });

  it("G2: skips transfers with no practice ODS code (counted nationally)", () => {
    expect(result.unknownPracticeTransfers).toBe(1);
    expect(result.nationalDocument.metrics[0]!.transferCount).toBe(4);
  });

  it("G3: drops a practice whose latest transfer (in the published months) has no SICBL, as upstream; the mart keeps it", async () => {
    expect(practice("C3333")).toBeUndefined();
    expect(practice("W1111")).toBeUndefined();
    expect(result.exclusions.droppedWithoutSicbl).toEqual(["C3333", "W1111"]);
    const flags = await warehouse.rows("select distinct practice_ods_code, latest_transfer_lacks_sicbl from gp2gp_marts.practice_metrics_monthly where practice_ods_code in ('C3333', 'W1111', 'V1111') order by 1");
    expect(flags).toEqual([
      { practice_ods_code: "C3333", latest_transfer_lacks_sicbl: true },
      { practice_ods_code: "V1111", latest_transfer_lacks_sicbl: true },
      { practice_ods_code: "W1111", latest_transfer_lacks_sicbl: false },
    ]);
    expect([practice("V1111")!.sicblOdsCode, practice("V1111")!.metrics[0]!.requestedTransfers.notIntegratedWithin8DaysTotal]).toEqual(["VV1", 1]);
  });

  it("gives every practice one entry per metric month, latest first, zeros and nulls where it requested nothing", () => {
    for (const p of result.practiceDocument.practices) expect(p.metrics.map((m) => `${m.year}-${m.month}`)).toEqual(["2020-1", "2019-12", "2019-11"]);
    expect(practice("A1234")!.metrics[0]).toEqual({
      year: 2020,
      month: 1,
      requestedTransfers: {
        requestedCount: 0,
        receivedCount: 0,
        receivedPercentOfRequested: null,
        integratedWithin3DaysCount: 0,
        integratedWithin3DaysPercentOfReceived: null,
        integratedWithin8DaysCount: 0,
        integratedWithin8DaysPercentOfReceived: null,
        notIntegratedWithin8DaysTotal: 0,
        notIntegratedWithin8DaysPercentOfReceived: null,
        failuresTotalCount: 0,
        failuresTotalPercentOfRequested: null,
      },
    });
    // K0001's first month with a row in the mart is December: November is filled in
    expect(practice("K0001")!.metrics[2]!.requestedTransfers.requestedCount).toBe(0);
  });

  it("M17 in the JSON: 1/16, 3/16, 5/16 → 6.2, 18.8, 31.2", () => {
    const december = (ods: string) => practice(ods)!.metrics[1]!.requestedTransfers;
    expect(["K0001", "K0003", "K0005"].map((ods) => december(ods).receivedPercentOfRequested)).toEqual([6.2, 18.8, 31.2]);
    expect(december("K0001")).toEqual({
      requestedCount: 16,
      receivedCount: 1,
      receivedPercentOfRequested: 6.2,
      integratedWithin3DaysCount: 0,
      integratedWithin3DaysPercentOfReceived: 0.0,
      integratedWithin8DaysCount: 0,
      integratedWithin8DaysPercentOfReceived: 0.0,
      notIntegratedWithin8DaysTotal: 1,
      notIntegratedWithin8DaysPercentOfReceived: 100.0,
      failuresTotalCount: 15,
      failuresTotalPercentOfRequested: 93.8,
    });
  });

  it("G5: no transfers → practices: [], sicbls: [] (and a national month of zeros and nulls, N6)", async () => {
    const dir = tempDir("metrics-export-empty-out");
    const none = await exportMetrics({ marts: datasets.marts, warehouse: empty, anchor: "2020-02-01", months: 6, outDir: dir, generatedAtMicros: GENERATED });
    expect(none.practiceDocument).toEqual({ generatedOn: "2020-02-24T16:51:21.353977+00:00", practices: [], sicbls: [] });
    const zero = { transferCount: 0, transferPercentage: null };
    expect(none.nationalDocument.metrics).toEqual([
      { year: 2020, month: 1, transferCount: 0, integratedOnTime: zero, paperFallback: { ...zero, technicalFailure: zero, processFailure: { integratedLate: zero, transferredNotIntegrated: zero }, unclassifiedFailure: zero } },
    ]);
    expect(none.warnings[0]).toMatch(/2020-01 has no transfers/);
    expect(fs.readFileSync(path.join(dir, "2020-1-practiceMetrics.json"), "utf8")).toBe('{"generatedOn": "2020-02-24T16:51:21.353977+00:00", "practices": [], "sicbls": []}');
    await expect(exportMetrics({ marts: datasets.marts, warehouse: empty, anchor: "2020-02-01", months: 6, outDir: dir, requireFinal: true })).rejects.toThrow(/--require-final/);
  });

  it("G6: anchor 2021-07, 3 months → metrics for months 6, 5, 4 of 2021", async () => {
    const g6 = await exportMetrics({ marts: datasets.marts, warehouse, anchor: "2021-07-15", months: 3, outDir: tempDir("metrics-export-g6"), generatedAtMicros: GENERATED });
    expect(g6.practiceDocument.practices.map((p) => [p.odsCode, p.metrics.map((m) => `${m.year}-${m.month}`)])).toEqual([["Z1111", ["2021-6", "2021-5", "2021-4"]]]);
    expect(g6.practiceDocument.practices[0]!.metrics[1]!.requestedTransfers.requestedCount).toBe(1);
    expect(g6.warnings.join("\n")).toMatch(/2021-05 is provisional/);
  });

  it("orders practices from the rows, whatever order they come in", () => {
    const row = (ods: string, first: string, id: string): PracticeMonthRow => ({
      practice_ods_code: ods,
      metric_month: "2020-01-01",
      requested_count: 1,
      received_count: 1,
      received_percent_of_requested: 100,
      integrated_within_3_days_count: 1,
      integrated_within_3_days_percent_of_received: 100,
      integrated_within_8_days_count: 0,
      integrated_within_8_days_percent_of_received: 0,
      not_integrated_within_8_days_total: 0,
      not_integrated_within_8_days_percent_of_received: 0,
      failures_total_count: 0,
      failures_total_percent_of_requested: 0,
      month_first_requested_at: first,
      month_first_conversation_id: id,
      month_latest_requested_at: first,
      month_latest_practice_name: ods,
      month_latest_sicbl_ods_code: "S1",
      month_latest_sicbl_name: "S",
      is_final: true,
    });
    const rows = [row("P3", "2020-01-02T00:00:00.000000Z", "a"), row("P1", "2020-01-01T00:00:00.000000Z", "z"), row("P2", "2020-01-01T00:00:00.000000Z", "y")];
    const { document } = buildPracticeMetricsDocument(rows, [{ year: 2020, month: 1 }], "x");
    expect(document.practices.map((p) => p.odsCode)).toEqual(["P2", "P1", "P3"]);
  });
});

describe("national file", () => {
  it("has the last metric month only, all transfers counted, 2 dp", () => {
    expect(result.nationalDocument).toEqual({
      generatedOn: "2020-02-24T16:51:21.353977+00:00",
      metrics: [
        {
          year: 2020,
          month: 1,
          transferCount: 4,
          integratedOnTime: { transferCount: 1, transferPercentage: 25.0 },
          paperFallback: {
            transferCount: 3,
            transferPercentage: 75.0,
            technicalFailure: { transferCount: 1, transferPercentage: 25.0 },
            processFailure: { integratedLate: { transferCount: 1, transferPercentage: 25.0 }, transferredNotIntegrated: { transferCount: 1, transferPercentage: 25.0 } },
            unclassifiedFailure: { transferCount: 0, transferPercentage: 0.0 },
          },
        },
      ],
    });
    expect(result.warnings).toEqual([]);
  });
});

describe("written files", () => {
  it("are named YYYY-M-…json, parse with the zod schemas (round trip), and leave no temporary file", () => {
    expect(fs.readdirSync(out).sort()).toEqual(["2020-1-nationalMetrics.json", "2020-1-practiceMetrics.json"]);
    const practiceText = fs.readFileSync(path.join(out, "2020-1-practiceMetrics.json"), "utf8");
    const nationalText = fs.readFileSync(path.join(out, "2020-1-nationalMetrics.json"), "utf8");
    expect(practiceMetricsDocumentSchema.parse(JSON.parse(practiceText))).toEqual(result.practiceDocument);
    expect(nationalMetricsDocumentSchema.parse(JSON.parse(nationalText))).toEqual(result.nationalDocument);
    expect(JSON.parse(practiceText)).toEqual(result.practiceDocument);
  });

  it("write the v12 camelCase field names in the published order, percentages as floats", () => {
    const nationalText = fs.readFileSync(path.join(out, "2020-1-nationalMetrics.json"), "utf8");
    expect(nationalText).toBe(
      '{"generatedOn": "2020-02-24T16:51:21.353977+00:00", "metrics": [{"year": 2020, "month": 1, "transferCount": 4, ' +
        '"integratedOnTime": {"transferCount": 1, "transferPercentage": 25.0}, "paperFallback": {"transferCount": 3, "transferPercentage": 75.0, ' +
        '"technicalFailure": {"transferCount": 1, "transferPercentage": 25.0}, "processFailure": {"integratedLate": {"transferCount": 1, "transferPercentage": 25.0}, ' +
        '"transferredNotIntegrated": {"transferCount": 1, "transferPercentage": 25.0}}, "unclassifiedFailure": {"transferCount": 0, "transferPercentage": 0.0}}}]}',
    );
    const practiceText = fs.readFileSync(path.join(out, "2020-1-practiceMetrics.json"), "utf8");
    expect(practiceText).toContain(
      '{"odsCode": "G1111", "name": "Practice Latest", "sicblOdsCode": "LATEST1234", "sicblName": "SICBL Latest", "metrics": [{"year": 2020, "month": 1, "requestedTransfers": ' +
        '{"requestedCount": 1, "receivedCount": 1, "receivedPercentOfRequested": 100.0, "integratedWithin3DaysCount": 0, "integratedWithin3DaysPercentOfReceived": 0.0, ' +
        '"integratedWithin8DaysCount": 0, "integratedWithin8DaysPercentOfReceived": 0.0, "notIntegratedWithin8DaysTotal": 1, "notIntegratedWithin8DaysPercentOfReceived": 100.0, ' +
        '"failuresTotalCount": 0, "failuresTotalPercentOfRequested": 0.0}}',
    );
    expect(toPythonJson({ name: "Ysgol Gymraeg – Café", n: 16.7, aPercentB: 7 })).toBe('{"name": "Ysgol Gymraeg \\u2013 Caf\\u00e9", "n": 16.7, "aPercentB": 7.0}');
  });

  it("the schemas reject a document that breaks the shape or an identity", () => {
    const broken = JSON.parse(JSON.stringify(result.practiceDocument));
    broken.practices[0].metrics[0].requestedTransfers.receivedCount += 1;
    expect(practiceMetricsDocumentSchema.safeParse(broken).success).toBe(false);
    const extra = { ...result.nationalDocument, extra: 1 };
    expect(nationalMetricsDocumentSchema.safeParse(extra).success).toBe(false);
    const badDate = { ...result.nationalDocument, generatedOn: "2020-02-24T16:51:21Z" };
    expect(nationalMetricsDocumentSchema.safeParse(badDate).success).toBe(false);
  });
});

describe("gp2gp export metrics", () => {
  it("refuses to write when the publish gate fails, and writes both files with --skip-gate (run last: it closes the test's connection)", async () => {
    const database = warehouse.path;
    warehouse.close();
    warehouse = undefined as unknown as Warehouse;
    const dir = path.join(tempDir("metrics-export-cli"), "new-folder");
    const program = new Command().exitOverride();
    registerExportMetricsCommand(program);
    const written: string[] = [];
    const notes: string[] = [];
    const [stdout, stderr] = [process.stdout.write, process.stderr.write];
    process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => notes.push(String(chunk)) > 0) as typeof process.stderr.write;
    const exitCode = process.exitCode;
    try {
      // The publish gate (150,000 national transfers by default) blocks this small warehouse: nothing is written.
      await program.parseAsync(["node", "gp2gp", "export", "metrics", "--database", database, "--anchor", "2020-02-10", "--months", "3", "--out", dir]);
      expect(process.exitCode).toBe(1);
      expect(notes.join("")).toMatch(/Publish gate failed/);
      expect(notes.join("")).toMatch(/\n  gate__national_transfers_below_minimum: national transfers in \d{4}-\d{2} .*below gate_min_national_transfers = 150000/);
      expect(fs.existsSync(dir)).toBe(false);
      process.exitCode = exitCode;
      notes.length = 0;
      await program.parseAsync(["node", "gp2gp", "export", "metrics", "--database", database, "--anchor", "2020-02-10", "--months", "3", "--out", dir, "--skip-gate"]);
    } finally {
      [process.stdout.write, process.stderr.write] = [stdout, stderr];
      process.exitCode = exitCode;
    }
    expect(notes.join("")).toContain("publish gate skipped (--skip-gate)");
    expect(written.join("")).toContain("2020-1-practiceMetrics.json (10 practices, 6 SICBLs)");
    expect(notes.join("")).toContain("2 practice(s) left out of the practice file because their latest transfer has no SICBL: C3333, W1111");
    expect(notes.join("")).toContain("1 transfer(s) with no practice ODS code are counted nationally only");
    const text = fs.readFileSync(path.join(dir, "2020-1-practiceMetrics.json"), "utf8");
    const parsed = practiceMetricsDocumentSchema.parse(JSON.parse(text));
    expect({ ...parsed, generatedOn: result.practiceDocument.generatedOn }).toEqual(result.practiceDocument);
    expect(nationalMetricsDocumentSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "2020-1-nationalMetrics.json"), "utf8"))).metrics).toEqual(result.nationalDocument.metrics);
  });
});
