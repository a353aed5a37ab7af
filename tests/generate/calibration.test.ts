/**
 * The calibration report: every measure is there with its source, and four weeks of 1,000 practices come out
 * within sensible tolerances of the published figures the generator is calibrated to.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, type GenerateSummary } from "../../scripts/lib/generate";
import { PUBLISHED, calibrationReport, type CalibrationRow } from "../../scripts/lib/generate/calibration";
import { DEFAULT_GENERATOR_CONFIG, type GeneratorConfig } from "../../scripts/lib/generate/config";

// Small large messages keep the run quick: fragment counts change the rows written, not any measure compared here.
const CONFIG: GeneratorConfig = {
  ...DEFAULT_GENERATOR_CONFIG,
  modifiers: { ...DEFAULT_GENERATOR_CONFIG.modifiers, fragments: { median: 3, p90: 6, min: 2, max: 10 } },
};

let tmp: string;
let summary: GenerateSummary;
let rows: CalibrationRow[];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-calibration-"));
  // Four whole weeks from a Monday, so every weekday counts equally.
  summary = await generate({ outDir: tmp, start: "2024-06-03", days: 28, practices: 1000, seed: 5, config: CONFIG });
  rows = calibrationReport(summary);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Largest allowed |generated − published| per measure, in the measure's unit. */
const TOLERANCE: Readonly<Record<string, number>> = {
  "Transfers a month at 6,300 practices": 25_000,
  "Integrated on time (≤ 8 days), %": 1.5,
  "Process failure: integrated late, %": 1,
  "Process failure: transferred, not integrated, %": 1,
  "Process failure, %": 1,
  "Technical failure, %": 0.75,
  "  no core EHR sent (no ack, not sent, fatal error), %": 0.75,
  "Unclassified failure, %": 0.4,
  "Paper fallback (not integrated on time), %": 1.5,
  "Request → core EHR, median s": 3,
  "Request → core EHR, 90th percentile s": 15,
  "Core EHR within 45 minutes, %": 1,
  ...Object.fromEntries(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => [`Requested on ${d}, %`, 1.5])),
  // Pathways depend on which SICBLs lean to TPP, which varies more between seeds at 1,000 practices than nationally.
  "Pathway EMIS/EMIS (requesting/sending), %": 7,
  "Pathway TPP/EMIS (requesting/sending), %": 5,
  "Pathway EMIS/TPP (requesting/sending), %": 5,
  "Pathway EMIS/Vision (requesting/sending), %": 1,
  "Pathway Vision/EMIS (requesting/sending), %": 1,
  "Pathway Vision/Vision (requesting/sending), %": 0.5,
  "Pathway TPP/TPP (requesting/sending), %": 0.1,
};

describe("calibration report", () => {
  it("has every measure, with a generated value and a source, and a published value where one is published", () => {
    const measures = rows.map((r) => r.measure);
    expect(new Set(measures).size).toBe(measures.length);
    for (const measure of Object.keys(TOLERANCE)) expect(measures, measure).toContain(measure);
    for (const reason of ["Final error", "Request not acknowledged", "Core extract not sent", "Contains fatal sender error", "COPC(s) not sent", "COPC(s) not acknowledged"]) {
      expect(measures).toContain(`  technical: ${reason}, %`);
    }
    for (const row of rows) {
      expect(row.generated, row.measure).not.toBeNull();
      expect(row.source, row.measure).not.toBe("");
      expect(row.published === null, row.measure).toBe(row.measure.startsWith("  technical: "));
    }
    expect(rows.find((r) => r.measure === "Integrated on time (≤ 8 days), %")!.published).toBe(87.75);
    expect(rows.find((r) => r.measure === "Integrated on time (≤ 8 days), %")!.source).toMatch(/notebook 66/);
    expect(PUBLISHED.pathwayPercent["EMIS/EMIS"].value).toBe(58.67);
  });

  it("adds up: the four statuses make 100 % of transfers, and the technical reasons make the technical rate", () => {
    const value = (measure: string) => rows.find((r) => r.measure === measure)!.generated!;
    const statuses = ["Integrated on time (≤ 8 days), %", "Process failure, %", "Technical failure, %", "Unclassified failure, %"].map(value);
    expect(statuses.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 1);
    const reasons = rows.filter((r) => r.measure.startsWith("  technical: ")).map((r) => r.generated!);
    expect(reasons.reduce((a, b) => a + b, 0)).toBeCloseTo(value("Technical failure, %"), 1);
    expect(value("Paper fallback (not integrated on time), %")).toBeCloseTo(100 - value("Integrated on time (≤ 8 days), %"), 1);
  });

  it("comes out within tolerance of the published figures for four weeks of 1,000 practices", () => {
    const misses = rows
      .filter((r) => r.published !== null && r.measure in TOLERANCE)
      .filter((r) => Math.abs(r.generated! - r.published!) > TOLERANCE[r.measure])
      .map((r) => `${r.measure}: generated ${r.generated}, published ${r.published} (± ${TOLERANCE[r.measure]})`);
    expect(misses).toEqual([]);
  });
});
