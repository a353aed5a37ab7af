/**
 * One colour per outcome on every chart of the site: the Evidence pages' charts of outcomes take their colours from
 * reports/components/outcome-colours.json (no page sets a palette of its own), and the palette keeps the outcomes of
 * a chart apart: the colours of the Okabe-Ito set, which stay distinct with the common colour-vision deficiencies.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPORTS_DIR } from "../../scripts/lib/reports/project";
import { filesUnder } from "../../scripts/lib/files";
import OUTCOME_COLOURS from "../../reports/components/outcome-colours.json";

const OKABE_ITO = ["#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#8c8c8c"];
/** Charts whose series are not outcomes (error locations, stages, data-quality checks) keep Evidence's palette. */
const NOT_OUTCOMES = new Set(["error_location", "stage", "check_name"]);

const pages = filesUnder(path.join(REPORTS_DIR, "pages")).filter((file) => file.endsWith(".md"));
const charts = pages.flatMap((file) =>
  [...fs.readFileSync(file, "utf8").matchAll(/<(BarChart|LineChart|AreaChart)\b([^>]*?)\/?>/gs)].map((match) => ({ file: path.relative(REPORTS_DIR, file), props: match[2]! })),
);

describe("chart colours", () => {
  it("finds the site's charts", () => {
    expect(charts.length).toBeGreaterThan(8);
  });

  it("colours every chart of outcomes from the one palette, and no page sets its own", () => {
    const wrong = charts
      .filter((chart) => /\bseries=/.test(chart.props))
      .filter((chart) => !NOT_OUTCOMES.has(/\bseries=(\w+)/.exec(chart.props)![1]!))
      .filter((chart) => !chart.props.includes("seriesColors={outcomeColours}"))
      .map((chart) => chart.file);
    expect(wrong).toEqual([]);
    expect(pages.filter((file) => /colorPalette=/.test(fs.readFileSync(file, "utf8"))).map((file) => path.relative(REPORTS_DIR, file))).toEqual([]);
  });

  it("uses colour-blind-safe colours, failures never in the colour of integration on time", () => {
    for (const colour of Object.values(OUTCOME_COLOURS)) expect(OKABE_ITO).toContain(colour);
    const onTime = OUTCOME_COLOURS["Integrated on time"];
    for (const failure of ["Technical failure", "Process failure", "Unclassified failure", "Transferred, not integrated", "Integrated late"] as const) {
      expect(OUTCOME_COLOURS[failure]).not.toBe(onTime);
    }
    expect(new Set([OUTCOME_COLOURS["Technical failure"], OUTCOME_COLOURS["Process failure"], OUTCOME_COLOURS["Unclassified failure"], OUTCOME_COLOURS["Transferred, not integrated"]]).size).toBe(4);
  });
});
