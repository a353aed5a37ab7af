/**
 * The organisation page generator on small fixed extracts (parquet written here with DuckDB, as `evidence sources`
 * writes them): names are escaped, every page opens on the latest final month in percentages, provisional months are
 * labelled wherever they appear (charts included), every cell of the default view is in the HTML with the marts'
 * figures, parts are sorted worst first with "n/a" last, and the embedded data gives the public site's CSV.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateOrgPages, type GenerateOrgPagesResult } from "../../scripts/lib/reports/org-pages";
import { orgPagesScript, type PageData } from "../../scripts/lib/reports/org-pages/shared";

const NASTY = `DR <SCRIPT>ALERT("X")</SCRIPT> & 'PARTNERS'`;
const MONTHS = [
  { month: "2026-09-01", final: false },
  { month: "2026-08-01", final: true },
  { month: "2026-07-01", final: true },
];

/** The public figures of one row, from a few counts (percentages given as a mart would round them). */
function figures(requested: number, received: number, within3: number, within8: number, failures: number) {
  const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);
  const notWithin8 = received - within3 - within8;
  return {
    requested_count: requested,
    received_count: received,
    received_percent_of_requested: pct(received, requested),
    integrated_within_3_days_count: within3,
    integrated_within_3_days_percent_of_received: pct(within3, received),
    integrated_within_8_days_count: within8,
    integrated_within_8_days_percent_of_received: pct(within8, received),
    not_integrated_within_8_days_total: notWithin8,
    not_integrated_within_8_days_percent_of_received: pct(notWithin8, received),
    failures_total_count: failures,
    failures_total_percent_of_requested: pct(failures, requested),
    integrated_on_time_count: within3 + within8,
    sla_duration_median_seconds: 7200,
    sla_duration_p90_seconds: 86400,
  };
}

const SERVICE_LEVELS = [86_400, 1_200, 691_200, 86_400, null];
const STAGE_NAMES = ["Requested", "Request acknowledged", "Core EHR sent", "Fragments sent", "Core EHR acknowledged"];
/** organisation_journey_stages_monthly rows of a scope: [reached, ended, timed, median seconds, over the service level] by stage. */
function journeyStages(month: string, kind: string, id: string, stages: [number, number, number, number | null, number][]) {
  return stages.map(([reached, ended, timed, median, exceeded], i) => ({
    metric_month: month,
    cutoff_days: 14,
    is_final: month !== "2026-09-01",
    scope_kind: kind,
    scope_id: id,
    stage_order: i + 1,
    stage: STAGE_NAMES[i],
    transfers_reached: reached,
    transfers_ended: ended,
    timed_transfer_count: timed,
    time_in_stage_median_seconds: median,
    service_level_seconds: SERVICE_LEVELS[i],
    exceeded_service_level_count: exceeded,
    exceeded_service_level_percent: SERVICE_LEVELS[i] === null || timed === 0 ? null : Math.round((1000 * exceeded) / timed) / 10,
  }));
}

const org = { sicbl_ods_code: "S1A", sicbl_name: "NHS TEST ICB - S1A", icb_ods_code: "QI1", icb_name: "NHS <TEST> INTEGRATED CARE BOARD", region_ods_code: "Y01", region_name: "NORTH & SOUTH" };
const area = { integrated_on_time_percent: 80.25, paper_fallback_percent: 19.75 };
const TABLES: Record<string, Record<string, unknown>[]> = {
  national_metrics_monthly: MONTHS.map(({ month, final }) => ({ metric_month: month, transfer_count: 1000, integrated_on_time_count: 850, integrated_on_time_percent: 85, paper_fallback_count: 150, paper_fallback_percent: 15, is_final: final })),
  practice_metrics_monthly: MONTHS.flatMap(({ month, final }, index) => [
    { practice_ods_code: "A11111", practice_name: NASTY, ...org, ...figures(40 + index, 38, 30, 5, 2), integrated_late_count: 1, transferred_not_integrated_count: 1, metric_month: month, is_final: final },
    { practice_ods_code: "B22222", practice_name: "HIGH STREET SURGERY", ...org, ...figures(20, 18, 10, 2, 2), integrated_late_count: 3, transferred_not_integrated_count: 3, metric_month: month, is_final: final },
    { practice_ods_code: "C33333", practice_name: null, ...org, ...figures(0, 0, 0, 0, 0), integrated_late_count: 0, transferred_not_integrated_count: 0, metric_month: month, is_final: final },
  ]),
  sicbl_metrics_monthly: MONTHS.map(({ month, final }) => ({ sicbl_ods_code: "S1A", sicbl_name: "NHS TEST ICB - S1A", icb_ods_code: "QI1", icb_name: "NHS <TEST> INTEGRATED CARE BOARD", practice_count: 3, ...figures(60, 56, 40, 7, 4), ...area, metric_month: month, is_final: final })),
  icb_metrics_monthly: MONTHS.map(({ month, final }) => ({ icb_ods_code: "QI1", icb_name: "NHS <TEST> INTEGRATED CARE BOARD", region_ods_code: "Y01", region_name: "NORTH & SOUTH", practice_count: 3, ...figures(60, 56, 40, 7, 4), ...area, metric_month: month, is_final: final })),
  region_metrics_monthly: MONTHS.map(({ month, final }) => ({ region_ods_code: "Y01", region_name: "NORTH & SOUTH", practice_count: 3, ...figures(60, 56, 40, 7, 4), ...area, metric_month: month, is_final: final })),
  sending_practice_metrics_monthly: MONTHS.map(({ month, final }) => ({
    sending_practice_ods_code: "A11111",
    metric_month: month,
    requested_count: 10,
    integrated_on_time_count: 8,
    integrated_on_time_percent: 80,
    paper_fallback_count: 2,
    paper_fallback_percent: 20,
    technical_failure_count: 1,
    technical_failure_percent: 10,
    process_failure_count: 1,
    process_failure_percent: 10,
    unclassified_failure_count: 0,
    unclassified_failure_percent: 0,
    is_final: final,
  })),
  practice_failure_reasons_monthly: [
    { practice_ods_code: "A11111", metric_month: "2026-08-01", status: "Technical failure", failure_reason: "Core EHR not sent <x>", transfer_count: 2, percent_of_requested: 4.9 },
    { practice_ods_code: "A11111", metric_month: "2026-09-01", status: "Process failure", failure_reason: "Integrated late", transfer_count: 1, percent_of_requested: 2.5 },
  ],
  practice_error_codes_monthly: [{ practice_ods_code: "A11111", metric_month: "2026-08-01", error_location: "final", error_code: "30", short_name: "Large message", description: null, transfer_count: 2, technical_failure_count: 2 }],
  organisation_journey_stages_monthly: [
    ...journeyStages("2026-08-01", "requesting practice", "A11111", [
      [41, 2, 39, 60, 1],
      [39, 1, 38, 240, 2],
      [38, 2, 36, 7200, 1],
      [36, 0, 3, 180, 0],
      [36, 36, 0, null, 0],
    ]),
    // the provisional month: not shown
    ...journeyStages("2026-09-01", "requesting practice", "A11111", [
      [99, 9, 90, 99, 9],
      [90, 0, 90, 99, 9],
      [90, 0, 90, 99, 9],
      [90, 0, 0, null, 0],
      [90, 90, 0, null, 0],
    ]),
    ...journeyStages("2026-08-01", "Sub ICB Location", "S1A", [
      [61, 3, 58, 50, 2],
      [58, 1, 57, 240, 2],
      [57, 2, 55, 7200, 1],
      // no large message: nothing timed at the fragments stage
      [55, 0, 0, null, 0],
      [55, 55, 0, null, 0],
    ]),
    ...journeyStages("2026-08-01", "England", "England", [
      [1000, 10, 990, 45, 5],
      [990, 20, 970, 300, 30],
      [970, 20, 950, 259_200, 40],
      [950, 5, 100, 3600, 2],
      [945, 945, 0, null, 0],
    ]),
  ],
  data_freshness: [{ extracted_at: "2026-10-01 06:00:00", data_watermark_at: "2026-09-30 23:00:00" }],
};

let dir: string;
let result: GenerateOrgPagesResult;
const progress: number[] = [];
const page = (route: string) => fs.readFileSync(path.join(dir, "site", route, "index.html"), "utf8");

/** The cells of a table's body rows, as text. */
function cells(html: string, id: string): string[][] {
  const table = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) throw new Error(`No table ${id}`);
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(table)![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1]!.replace(/<[^>]+>/g, ""))));
}
const decode = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const caption = (html: string, id: string) => decode(new RegExp(`<caption id="${id}-caption">([^<]*)</caption>`).exec(html)?.[1] ?? "");
const pageData = (html: string): PageData => JSON.parse(/<script type="application\/json" id="gp2gp-page-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as PageData;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-org-pages-"));
  const dataDir = path.join(dir, "data");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const files: string[] = [];
  try {
    for (const [table, rows] of Object.entries(TABLES)) {
      const folder = path.join(dataDir, "gp2gp", table);
      fs.mkdirSync(folder, { recursive: true });
      const json = path.join(folder, `${table}.json`);
      fs.writeFileSync(json, rows.map((row) => JSON.stringify(row)).join("\n"));
      const casts = table === "data_freshness" ? "* replace (cast(extracted_at as timestamp) as extracted_at, cast(data_watermark_at as timestamp) as data_watermark_at)" : "* replace (cast(metric_month as date) as metric_month)";
      await connection.run(`copy (select ${casts} from read_json('${json}', format = 'newline_delimited')) to '${path.join(folder, `${table}.parquet`)}' (format parquet)`);
      files.push(`static/data/gp2gp/${table}/${table}.parquet`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  fs.writeFileSync(path.join(dataDir, "manifest.json"), JSON.stringify({ renderedFiles: { gp2gp: files } }));
  result = await generateOrgPages({ dataDir, siteDir: path.join(dir, "site"), onProgress: (p) => progress.push(p.done) });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("organisation pages from fixed extracts", () => {
  it("writes one page per practice, Sub ICB Location, ICB and region, reporting progress to the total", () => {
    expect(result.pages).toEqual({ practices: 3, sicbls: 1, icbs: 1, regions: 1, total: 6 });
    for (const route of ["practices/A11111", "practices/B22222", "practices/C33333", "sub-icb-locations/S1A", "icbs/QI1", "regions/Y01"]) expect(fs.existsSync(path.join(dir, "site", route, "index.html")), route).toBe(true);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(6);
    const assets = fs.readdirSync(path.join(dir, "site", "org-pages"));
    expect(assets.some((name) => /^org-pages\.[0-9a-f]{10}\.css$/.test(name)) && assets.some((name) => /^org-pages\.[0-9a-f]{10}\.js$/.test(name))).toBe(true);
  });

  it("escapes every name it writes, in text, attributes and the embedded data", () => {
    const html = page("practices/A11111");
    expect(html).not.toMatch(/<script>alert/i);
    expect(html).toContain("<h1>Dr &lt;script&gt;alert(&quot;x&quot;)&lt;/Script&gt; &amp; &#39;Partners&#39; - A11111</h1>");
    expect(html.match(/<script\b/gi)).toHaveLength(2); // the page's script and its data, nothing else
    expect(page("icbs/QI1")).toContain("NHS &lt;test&gt; Integrated Care Board - QI1");
    expect(pageData(page("sub-icb-locations/S1A")).download!.name).toBe("NHS Test ICB - S1A");
    expect(page("sub-icb-locations/S1A")).not.toContain("<TEST>");
  });

  it("opens on the latest final month, in percentages, and labels the provisional month everywhere", () => {
    const practice = page("practices/A11111");
    expect(practice).toContain("August 2026, the latest final month");
    expect(caption(practice, "failure-reasons")).toBe("Table 5: Transfers not integrated within 8 days by failure type and reason - August 2026");
    expect(cells(practice, "failure-reasons")).toEqual([["Technical failure", "Core EHR not sent <x>", "2", "4.9%"]]);
    expect(practice).toContain('<option value="2026-08-01" selected>August 2026</option>');
    expect(practice).toContain('<option value="2026-09-01">September 2026 (provisional)</option>');
    expect(cells(practice, "integration-times").map((row) => row[0])).toEqual(["September 2026 (provisional)", "August 2026", "July 2026"]);
    const chart = /<svg id="integration-chart"[\s\S]*?<\/svg>/.exec(practice)![0];
    expect(chart).toContain('role="img"');
    expect(chart.match(/\(provisional\)/g)!.length).toBeGreaterThanOrEqual(1);
    expect(chart).toContain("Sep 2026");

    const sicbl = page("sub-icb-locations/S1A");
    expect(caption(sicbl, "parts-integration")).toBe("Table 1: Integration times for registering practices - August 2026");
    expect(sicbl).toContain('<option value="2026-09-01">September 2026 (provisional)</option>');
    expect(sicbl).toMatch(/<p data-comparison data-month="2026-08-01">In August 2026, 19\.75% of the transfers requested[^<]*against 19\.75% in its ICB and 15\.00% across England\.<\/p>/);
    expect(sicbl).toMatch(/<p data-comparison data-month="2026-09-01" hidden>/);
    const data = pageData(sicbl);
    expect(data.month).toBe("2026-08-01");
    expect(data.units).toBe("percentages");
  });

  it("puts every cell of the default view in the HTML, with the marts' figures", () => {
    const practice = page("practices/A11111");
    expect(cells(practice, "integration-times")).toEqual([
      ["September 2026 (provisional)", "38", "78.9%", "13.2%", "7.9%"],
      ["August 2026", "38", "78.9%", "13.2%", "7.9%"],
      ["July 2026", "38", "78.9%", "13.2%", "7.9%"],
    ]);
    expect(cells(practice, "transfers-requested")[1]).toEqual(["August 2026", "41", "92.7%", "4.9%"]);
    expect(cells(practice, "integration-durations")[1]).toEqual(["August 2026", "36", "2.0", "24.0", "1", "1"]);
    expect(cells(practice, "sending")[1]).toEqual(["August 2026", "10", "8 (80.0%)", "2 (20.0%)", "1 (10.0%)", "1 (10.0%)", "0 (0.0%)"]);
    expect(cells(practice, "error-codes")).toEqual([["30", "Large message", "Not in the GP2GP error code table", "Acknowledging the core record", "2", "2"]]);
    expect(practice).toMatch(/data-headline="not-within-8-days"><dt[^>]*>[^<]*<\/dt><dd class="gp2gp-headline-value">7\.9%<\/dd>/);

    const sicbl = page("sub-icb-locations/S1A");
    // worst first by "not integrated within 8 days" %, n/a (no transfer received) last
    expect(cells(sicbl, "parts-integration")).toEqual([
      ["High Street Surgery - B22222", "18", "55.6%", "11.1%", "33.3%"],
      [`Dr <script>alert("x")</Script> & 'Partners' - A11111`, "38", "78.9%", "13.2%", "7.9%"],
      ["C33333", "0", "n/a", "n/a", "n/a"],
    ]);
    expect(sicbl).toContain('<a href="/practices/B22222/">High Street Surgery - B22222</a>');
    expect(cells(sicbl, "parts-requested").map((row) => row[0])).toEqual(["High Street Surgery - B22222", `Dr <script>alert("x")</Script> & 'Partners' - A11111`, "C33333"]);
    expect(cells(sicbl, "failure-reasons")).toEqual([["Technical failure", "Core EHR not sent <x>", "2"]]);
    expect(cells(sicbl, "comparison")).toEqual([
      ["This Sub ICB Location", "60", "47", "80.25%", "19.75%"],
      ["Its ICB: NHS <test> Integrated Care Board - QI1", "60", "47", "80.25%", "19.75%"],
      ["England", "1,000", "850", "85.00%", "15.00%"],
    ]);
    expect(cells(page("regions/Y01"), "parts-integration")).toEqual([["NHS <test> Integrated Care Board - QI1", "3", "56", "71.4%", "12.5%", "16.1%"]]);
    expect(page("icbs/QI1")).toContain('<a href="/regions/Y01/">North &amp; South</a>');
  });

  it("shows where the practice's and the Sub ICB Location's transfers stopped in the latest final month, against England, as a static table", () => {
    const practice = page("practices/A11111");
    expect(caption(practice, "journey-stages")).toBe("Table 8: Where the transfers requested by this practice stopped, by stage, against England - August 2026");
    expect(practice).toContain("requested as the registering (new) practice");
    const table = /<table id="journey-stages">[\s\S]*?<\/table>/.exec(practice)![0];
    expect(table.match(/<th scope="col"/g)).toHaveLength(9);
    expect(table.match(/<th scope="row">/g)).toHaveLength(5);
    expect(cells(practice, "journey-stages")).toEqual([
      ["1. Requested", "41", "2 (4.9%)", "1.0%", "1 minute", "45 seconds", "24 hours", "1 (2.6%)", "0.5%"],
      ["2. Request acknowledged", "39", "1 (2.6%)", "2.0%", "4 minutes", "5 minutes", "20 minutes", "2 (5.3%)", "3.1%"],
      ["3. Core EHR sent", "38", "2 (5.3%)", "2.1%", "2 hours", "3 days", "8 days", "1 (2.8%)", "4.2%"],
      ["4. Fragments sent", "36", "0 (0.0%)", "0.5%", "3 minutes", "60 minutes", "24 hours", "0 (0.0%)", "2.0%"],
      ["5. Core EHR acknowledged", "36", "36 (100.0%)", "100.0%", "n/a", "n/a", "None", "n/a", "n/a"],
    ]);
    // figures in the HTML only: nothing for the script to redraw, so nothing added to the page's data
    expect(JSON.stringify(pageData(practice))).not.toContain("journey");

    const sicbl = page("sub-icb-locations/S1A");
    expect(caption(sicbl, "journey-stages")).toBe("Table 8: Where the transfers requested by this Sub ICB Location's practices stopped, by stage, against England - August 2026");
    expect(cells(sicbl, "journey-stages")[0]).toEqual(["1. Requested", "61", "3 (4.9%)", "1.0%", "50 seconds", "45 seconds", "24 hours", "2 (3.4%)", "0.5%"]);
    expect(cells(sicbl, "journey-stages")[3]).toEqual(["4. Fragments sent", "55", "0 (0.0%)", "0.5%", "n/a", "60 minutes", "24 hours", "n/a", "2.0%"]);

    expect(page("practices/B22222")).toContain("No transfer was requested by this practice in August 2026.");
    expect(page("practices/B22222")).not.toContain('id="journey-stages"');
    for (const route of ["icbs/QI1", "regions/Y01"]) expect(page(route)).not.toContain("Where transfers stopped");
  });

  it("carries the layout's internal banner, word for word, on an internal site's pages only", async () => {
    const internal = path.join(dir, "site-internal");
    await generateOrgPages({ dataDir: path.join(dir, "data"), siteDir: internal, audience: "internal" });
    const banner =
      '<p class="gp2gp-internal" role="note" data-gp2gp-internal><strong>Internal</strong> <span>This site holds transfer-level identifiers (conversation IDs and ASIDs). It is for service desks and system suppliers: do not publish it or share it outside them.</span></p>';
    expect(fs.readFileSync(path.join(internal, "practices", "A11111", "index.html"), "utf8")).toContain(banner);
    expect(page("practices/A11111")).not.toContain("data-gp2gp-internal");
  });

  it("re-renders from the embedded data in numbers and in another sort, and writes the public site's CSV", () => {
    const script = orgPagesScript();
    const data = script.decodeData(pageData(page("sub-icb-locations/S1A")));
    const table = data.tables.find((t) => t.id === "parts-integration")!;
    const numbers = script.renderTable(table, data, { month: "2026-08-01", units: "numbers", sorts: {} });
    expect(numbers).toContain('<td class="gp2gp-number gp2gp-sorted">6</td>'); // B22222's 6 not within 8 days, first
    const byName = script.tableRows(table, data, { month: "2026-08-01", units: "percentages", sorts: { [table.id]: { column: "name", order: "ascending" } } });
    expect(byName.map((row) => row.ods)).toEqual(["C33333", "A11111", "B22222"]);

    const csv = script.downloadCsv(data, "requested", "six").trim().split("\r\n");
    expect(csv[0]).toBe(
      '"Sub ICB Location name","Sub ICB Location ODS","Requesting practice name","Practice ODS","Month","GP2GP transfers requested","GP2GP transfers received","GP2GP transfers received - %","GP2GP technical failures (paper copy requested)","GP2GP technical failures (paper copy requested) - %"',
    );
    // final months only (August and July), practice by practice, newest first
    expect(csv.slice(1).map((line) => line.split(",").slice(3, 5).join(","))).toEqual(['"A11111","August 2026"', '"A11111","July 2026"', '"B22222","August 2026"', '"B22222","July 2026"', '"C33333","August 2026"', '"C33333","July 2026"']);
    expect(csv[3]).toBe('"NHS TEST ICB - S1A","S1A","HIGH STREET SURGERY","B22222","August 2026",20,18,"90%",2,"10%"');
    expect(script.downloadCsv(data, "all", "latest").trim().split("\r\n")).toHaveLength(4);
    expect(script.downloadFileName(data, "integration", "latest")).toBe("GP Registrations Data NHS Test ICB - S1A integration-times-latest-month.csv");
  });
});
