/**
 * The reports build: Evidence extracts the marts from a freshly generated demo warehouse and prerenders every page,
 * offline and within time limits, with no page query failing ("Error in Query!" does not fail Evidence's build, so
 * the build fails on it), and the Evidence patch that makes this possible offline is in place. The default build is
 * the public site: no transfer-level page, extract or prerendered query, the leak check passed over every file, and
 * every compressible file precompressed.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { SqlType } from "../../includes/engine";
import { type Row, Warehouse } from "../../scripts/lib/duckdb";
import { planAudience } from "../../scripts/lib/reports/audience";
import { REPORTS_DIR } from "../../scripts/lib/reports/build";
import { INTERNAL_BANNER, NOINDEX } from "../../scripts/lib/reports/finish";
import { Catalog, typeOf, ZetaSqlAnalyzer } from "../support/zetasql";
import { builtSite, SITE_DATA, SITE_LIMITS, type BuiltSite } from "./site";

let site: BuiltSite;

beforeAll(async () => {
  site = await builtSite();
  const { warehouse, sources, build, orgPages, finish } = site.seconds;
  process.stderr.write(
    `reports build: demo warehouse ${warehouse.toFixed(0)} s, extract ${sources.toFixed(1)} s, Evidence build ${build.toFixed(0)} s, ` +
      `${site.orgPages} organisation pages ${orgPages.toFixed(1)} s, ${site.pages} pages in all, ` +
      `leak check ${site.leakCheck.seconds.toFixed(1)} s over ${site.leakCheck.files} files, checks and compression ${finish.toFixed(1)} s\n`,
  );
}, (SITE_LIMITS.sources + SITE_LIMITS.build + 300) * 1000);

const sourceTables = fs
  .readdirSync(path.join(REPORTS_DIR, "sources", "gp2gp"))
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.replace(/\.sql$/, ""));

/** Rows of a query against the warehouse the site was built from (opened read-only for the query). */
async function martRows<T extends Row>(sql: string): Promise<T[]> {
  const warehouse = await Warehouse.open(site.database, { readOnly: true });
  try {
    return await warehouse.rows<T>(sql);
  } finally {
    warehouse.close();
  }
}

/** What the public site leaves out: the transfer-level pages and sources. */
const plan = planAudience("public");
/** The report-mart pages under /operations/ (the transfer-level pages under /operations/transfers/ are internal). */
const OPERATIONS_PAGES = ["supplier-pathways", "technical-failure-rate", "transfers-by-hour", "error-codes", "integration-times", "impact"].map((page) => `operations/${page}`);

describe("gp2gp reports build", () => {
  it("finishes within its time limits with no failed page query", () => {
    expect(site.seconds.sources).toBeLessThan(SITE_LIMITS.sources);
    expect(site.seconds.build).toBeLessThan(SITE_LIMITS.build);
    expect(site.log).not.toMatch(/Error in Query/);
    expect(site.log).toMatch(/Finished, wrote \d+ rows/);
  });

  it("extracts every public source query into the site, and no transfer-level one", () => {
    expect(plan.excludedSources).toEqual(expect.arrayContaining(["transfer_technical_failures", "transfers_needing_attention"]));
    const manifest = JSON.parse(fs.readFileSync(path.join(site.siteDir, "data", "manifest.json"), "utf8")) as { renderedFiles: Record<string, string[]> };
    expect(Object.keys(manifest.renderedFiles)).toEqual(["gp2gp"]);
    const extracted = manifest.renderedFiles.gp2gp!.map((file) => path.basename(file, ".parquet")).sort();
    expect(extracted).toEqual(sourceTables.filter((table) => !plan.excludedSources.includes(table)).sort());
    const onDisk = fs.readdirSync(path.join(site.siteDir, "data"), { recursive: true, encoding: "utf8" });
    for (const source of plan.excludedSources) expect(onDisk.filter((file) => file.includes(source)), source).toEqual([]);
    for (const file of manifest.renderedFiles.gp2gp!) {
      const onDisk = path.join(site.siteDir, file.replace(/^static\//, ""));
      expect(fs.existsSync(onDisk), onDisk).toBe(true);
    }
  });

  it("prerenders every page, and one page per practice, Sub ICB Location, ICB and region", async () => {
    const indexes = ["", "trends", "journeys", "opportunities", "operations", "data-quality", "definitions", "practices", "sub-icb-locations", "icbs", "regions", "search", ...OPERATIONS_PAGES, "data-dictionary", "data-dictionary/lineage"];
    for (const page of indexes) {
      expect(fs.existsSync(path.join(site.siteDir, page, "index.html")), `/${page}`).toBe(true);
    }
    const warehouse = await Warehouse.open(site.database, { readOnly: true });
    const codes = async (column: string, mart: string) =>
      (await warehouse.rows<{ code: string }>(`select distinct ${column} as code from gp2gp_marts.${mart} order by 1`)).map((row) => row.code);
    let practices: string[];
    let sicbls: string[];
    let icbs: string[];
    let regions: string[];
    try {
      practices = await codes("practice_ods_code", "practice_metrics_monthly");
      sicbls = await codes("sicbl_ods_code", "sicbl_metrics_monthly");
      icbs = await codes("icb_ods_code", "icb_metrics_monthly");
      regions = await codes("region_ods_code", "region_metrics_monthly");
    } finally {
      warehouse.close();
    }
    expect(practices.length).toBeGreaterThan(SITE_DATA.practices / 2);
    expect(sicbls.length).toBeGreaterThan(0);
    expect(icbs.length).toBeGreaterThan(0);
    const built = (folder: string) => fs.readdirSync(path.join(site.siteDir, folder)).filter((name) => !name.startsWith("index.html")) // the index page and its .gz and .br.sort();
    expect(built("practices")).toEqual(practices);
    expect(built("sub-icb-locations")).toEqual(sicbls);
    expect(built("icbs")).toEqual(icbs);
    expect(built("regions")).toEqual(regions);
    expect(site.pages).toBe(indexes.length + practices.length + sicbls.length + icbs.length + regions.length);
  });

  it("is the public site: no transfer-level page, no internal marking, and the leak check passed over every file", () => {
    expect(plan.excludedRoutes).toContain("/operations/transfers/");
    for (const route of plan.excludedRoutes) expect(fs.existsSync(path.join(site.siteDir, route)), route).toBe(false);
    const files = fs.readdirSync(site.siteDir, { recursive: true, encoding: "utf8" });
    expect(files.filter((file) => /transfers_needing_attention|transfer_technical_failures|operations\/transfers\//.test(file.split(path.sep).join("/")))).toEqual([]);
    const home = fs.readFileSync(path.join(site.siteDir, "index.html"), "utf8");
    expect(home).not.toContain(INTERNAL_BANNER);
    expect(home).not.toMatch(NOINDEX);

    // The leak check read every file of the site, the prerendered queries and extracts decoded, and found nothing.
    expect(site.leakCheck.findings).toEqual([]);
    const original = files.filter((file) => fs.statSync(path.join(site.siteDir, file)).isFile() && !/\.(gz|br)$/.test(file));
    expect(site.leakCheck.files).toBe(original.length);
    expect(site.leakCheck.filesByKind[".parquet"]).toBe(files.filter((file) => file.endsWith(".parquet")).length);
    expect(site.leakCheck.filesByKind[".arrow"]).toBeGreaterThan(0);
    expect(site.leakCheck.filesByKind[".arrow"]).toBe(files.filter((file) => file.endsWith(".arrow")).length);
    expect(site.leakCheck.filesByKind[".html"]).toBeGreaterThan(0);
  });

  it("precompresses the site: a .gz and .br beside each page and script, which decompress to it", async () => {
    expect(site.precompressed).toBeGreaterThan(site.pages);
    const { gunzipSync, brotliDecompressSync } = await import("node:zlib");
    const home = path.join(site.siteDir, "index.html");
    expect(gunzipSync(fs.readFileSync(`${home}.gz`)).equals(fs.readFileSync(home))).toBe(true);
    expect(brotliDecompressSync(fs.readFileSync(`${home}.br`)).equals(fs.readFileSync(home))).toBe(true);
    const scripts = fs.readdirSync(path.join(site.siteDir, "_app"), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    const large = scripts.filter((file) => fs.statSync(path.join(site.siteDir, "_app", file)).size > 4096);
    for (const file of large) expect(fs.existsSync(path.join(site.siteDir, "_app", `${file}.gz`)), file).toBe(true);
  });

  it("writes pages whose prerendered figures come from the marts", () => {
    const home = fs.readFileSync(path.join(site.siteDir, "index.html"), "utf8");
    expect(home).toContain("GP2GP national performance for August 2026");
    expect(home).toContain("Data updated:");
    expect(home).toContain("Figures for September 2026 are provisional");
  });

  it("prerenders every table's cells into the HTML, default views that depend on a month or cutoff included", async () => {
    const evidencePages = ["index.html", "data-quality/index.html", "journeys/index.html", "opportunities/index.html", "trends/index.html", ...OPERATIONS_PAGES.map((page) => `${page}/index.html`)];
    let tables = 0;
    for (const page of evidencePages) {
      const html = fs.readFileSync(path.join(site.siteDir, page), "utf8");
      for (const table of html.split('data-testid="DataTable-').slice(1).map((part) => part.slice(0, part.indexOf("</table>")))) {
        const name = `${page}: DataTable-${table.slice(0, table.indexOf('"'))}`;
        const rows = table.split(/<tr[\s>]/).slice(1);
        expect(rows.filter((row) => /role="columnheader"/.test(row)), `${name} has its column headings`).not.toEqual([]);
        const body = rows.filter((row) => !/<th[\s>]/.test(row));
        expect(body.filter((row) => !/<td[\s>]/.test(row)), `${name}: every row has its cells`).toEqual([]);
        tables++;
      }
    }
    expect(tables).toBeGreaterThan(evidencePages.length);
    // The error codes page opens on the latest final month at the 14-day cutoff (its dropdowns' defaults): the
    // month's most frequent code is in the HTML with its count.
    const [top] = await martRows<{ label: string; transfers: number }>(
      "select coalesce(short_name, 'Unknown error code') as label, transfer_count as transfers from gp2gp_marts.error_code_summary where request_month = date '2026-08-01' and cutoff_days = 14 order by transfer_count desc, error_code limit 1",
    );
    const codes = fs.readFileSync(path.join(site.siteDir, "operations", "error-codes", "index.html"), "utf8").replace(/<!--[^]*?-->/g, "");
    expect(codes).toContain("August 2026");
    expect(codes).toMatch(new RegExp(`>${top!.label}\\s*</td>[^]*?>${top!.transfers.toLocaleString("en-GB")}\\s*</td>`));
  });

  it("lists each page's prerendered results by their SQL, so that the browser answers its default view without the query engine", () => {
    const api = path.join(site.siteDir, "api");
    const pages = fs.readdirSync(api).filter((name) => /^[0-9a-f]{32}$/.test(name));
    expect(pages.length).toBeGreaterThan(10);
    for (const route of pages) {
      for (const params of fs.readdirSync(path.join(api, route))) {
        const dir = path.join(api, route, params);
        if (!fs.existsSync(path.join(dir, "all-queries.json"))) continue;
        const byName = JSON.parse(fs.readFileSync(path.join(dir, "all-queries.json"), "utf8")) as Record<string, string>;
        const bySql = JSON.parse(fs.readFileSync(path.join(dir, "sql-results.json"), "utf8")) as Record<string, string>;
        // Every result the page was prerendered with can be found by its SQL, and each is in the site.
        expect(new Set(Object.values(bySql)), `${route}/${params}`).toEqual(new Set(Object.values(byName)));
        for (const key of Object.keys(bySql)) expect(key).toMatch(/^[0-9a-f]{32}$/);
        for (const result of Object.values(bySql)) expect(fs.existsSync(path.join(api, "prerendered_queries", `${result}.arrow`)), result).toBe(true);
      }
    }
  });

  it("generates the organisation pages as static HTML with their figures, one shared stylesheet and script", async () => {
    expect(site.orgPages).toBeGreaterThan(SITE_DATA.practices / 2);
    const [practice] = await martRows<{ ods: string; requested: number }>(
      "select practice_ods_code as ods, requested_count as requested from gp2gp_marts.practice_metrics_monthly where is_final and metric_month = date '2026-08-01' order by 1 limit 1",
    );
    const html = fs.readFileSync(path.join(site.siteDir, "practices", practice!.ods, "index.html"), "utf8");
    expect(html).toContain("August 2026, the latest final month");
    expect(html).toMatch(new RegExp(`data-headline="requested"><dt[^>]*>[^<]*</dt><dd class="gp2gp-headline-value">${practice!.requested}</dd>`));
    expect(html).toContain("<th scope=\"row\">September 2026 (provisional)</th>");
    const assets = [...html.matchAll(/(?:href|src)="(\/org-pages\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) expect(fs.existsSync(path.join(site.siteDir, asset)), asset).toBe(true);
    expect(html, "no inline style or script: one shared stylesheet and script").not.toMatch(/<style|<script>/);
  });

  it("runs the same source queries on BigQuery: they type-check with ZetaSQL against the marts' columns", async () => {
    const warehouse = await Warehouse.open(site.database, { readOnly: true });
    const catalog = new Catalog("gp2gp-insights");
    try {
      const columns = await warehouse.rows<{ table_name: string; column_name: string; data_type: string }>(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'gp2gp_marts' order by table_name, ordinal_position",
      );
      const byTable = new Map<string, { name: string; type: ReturnType<typeof typeOf> }[]>();
      for (const column of columns) {
        const list = byTable.get(column.table_name) ?? [];
        list.push({ name: column.column_name, type: typeOf(bigQueryType(column.data_type)) });
        byTable.set(column.table_name, list);
      }
      for (const [table, list] of byTable) catalog.addTable(["gp2gp_marts", table], list);
    } finally {
      warehouse.close();
    }
    const analyzer = await ZetaSqlAnalyzer.start();
    try {
      const errors: string[] = [];
      for (const table of sourceTables) {
        const sql = fs.readFileSync(path.join(REPORTS_DIR, "sources", "gp2gp", `${table}.sql`), "utf8");
        const result = await analyzer.analyze(sql, catalog);
        if (result.error) errors.push(`${table}.sql: ${result.error}`);
      }
      expect(errors.join("\n")).toBe("");
    } finally {
      await analyzer.close();
    }
  });
});

/** The BigQuery type a mart column has, from its DuckDB type (the graph compiles each mart for both engines). */
function bigQueryType(duckdb: string): SqlType {
  if (/^(VARCHAR|UUID)$/.test(duckdb)) return "STRING";
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER)$/.test(duckdb)) return "INT64";
  if (/^(DOUBLE|FLOAT|REAL)$/.test(duckdb)) return "FLOAT64";
  if (/^DECIMAL/.test(duckdb)) return "NUMERIC";
  if (duckdb === "BOOLEAN") return "BOOL";
  if (duckdb === "DATE") return "DATE";
  if (/^TIMESTAMP/.test(duckdb)) return "TIMESTAMP";
  if (/^(BIGINT|INTEGER|HUGEINT)\[\]$/.test(duckdb)) return "ARRAY<INT64>";
  if (/^VARCHAR\[\]$/.test(duckdb)) return "ARRAY<STRING>";
  throw new Error(`No BigQuery type for the DuckDB type ${duckdb}`);
}
