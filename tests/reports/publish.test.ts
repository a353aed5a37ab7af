/**
 * `gp2gp reports publish`: versioned editions of the reports site. The edition logic (ids, audiences, manifest,
 * "What changed" page, editions index) is tested on its own; two Evidence builds from one demo warehouse then
 * publish a public edition and a second revision of it, and check what they hold — above all that no file of the
 * public tree, parquet extracts decoded, holds a conversation ID or an ASID. The internal edition has a file of its
 * own (publish-internal.test.ts), so that the two run side by side.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { writeFile } from "../support/warehouse";
import { PublishGateError } from "../../scripts/lib/gate";
import { planAudience, selectsInternalColumn } from "../../scripts/lib/reports/audience";
import { prepareWorkDir, REPORTS_DIR, routeOf } from "../../scripts/lib/reports/build";
import { INTERNAL_BANNER, NOINDEX } from "../../scripts/lib/reports/finish";
import { assertNoLeaks, warehouseIdentifiers } from "../../scripts/lib/reports/leak-check";
import {
  editionId,
  editionManifestSchema,
  editionsIndexHtml,
  latestEditionHtml,
  listEditions,
  parseEditionId,
  publishEdition,
  whatChangedMarkdown,
  type EditionManifest,
} from "../../scripts/lib/reports/publish";
import { buildDemoWarehouse, SITE_LIMITS } from "./site";

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
};

const manifest = (overrides: Partial<EditionManifest> = {}): EditionManifest => {
  const edition = overrides.edition ?? "2026-08";
  return {
    edition,
    revision: 1,
    audience: "public",
    reportingMonth: "2026-08",
    generatedAt: "2026-10-01T06:30:00.000Z",
    dataWatermark: "2026-09-27T22:40:32.659Z",
    code: { commit: "0123456789abcdef0123456789abcdef01234567", dirty: false },
    versions: { "@evidence-dev/evidence": "40.1.8" },
    basePath: `/editions/${edition}`,
    previousEdition: null,
    gateChecks: ["gate__national_transfers_below_minimum"],
    excludedPages: [],
    excludedSources: [],
    extracts: [{ name: "national_metrics_monthly", file: "data/gp2gp/national_metrics_monthly/x/national_metrics_monthly.parquet", rows: 2, bytes: 10, sha256: "a".repeat(64) }],
    ...overrides,
  };
};

describe("editions: ids, audiences, manifest and pages", () => {
  it("numbers a month's revisions YYYY-MM, YYYY-MM-r2, … and reads only those names back", () => {
    expect(editionId("2026-08", 1)).toBe("2026-08");
    expect(editionId("2026-08", 3)).toBe("2026-08-r3");
    expect(parseEditionId("2026-08-r12")).toEqual({ month: "2026-08", revision: 12 });
    expect(parseEditionId("2026-08")).toEqual({ month: "2026-08", revision: 1 });
    for (const name of ["2026-08-r1", "2026-13", ".2026-08.building-12", "index.html", "2026-8"]) expect(parseEditionId(name), name).toBeUndefined();
  });

  it("validates a manifest: the edition, revision and base path must agree", () => {
    expect(editionManifestSchema.safeParse(manifest()).success).toBe(true);
    expect(editionManifestSchema.safeParse(manifest({ revision: 2 })).success).toBe(false);
    expect(editionManifestSchema.safeParse({ ...manifest(), basePath: "/editions/2026-07" }).success).toBe(false);
    expect(editionManifestSchema.safeParse(manifest({ extracts: [] })).success).toBe(false);
    expect(editionManifestSchema.safeParse({ ...manifest(), surprise: 1 }).success).toBe(false);
  });

  it("leaves out of a public build the sources with conversation IDs or ASIDs, the pages reading them and the listed folder", () => {
    const reports = tempDir("gp2gp-audience-");
    const write = (file: string, text: string) => writeFile(reports, file, text);
    write("sources/gp2gp/national.sql", "-- not the conversation_id\nselect metric_month from gp2gp_marts.national_metrics_monthly");
    write("sources/gp2gp/failures.sql", "select conversation_id, error_code from gp2gp_marts.technical_failures");
    write("sources/gp2gp/systems.sql", "select sending_practice_asid as system from gp2gp_marts.transfers");
    write("pages/index.md", "```sql n\nselect * from gp2gp.national\n```");
    write("pages/failures.md", "```sql f\nselect * from gp2gp.failures\n```");
    write("pages/operations/transfers/anything.md", "no query");
    write("pages/operations/index.md", "```sql n\nselect * from gp2gp.national\n```");
    write("partials/footer.md", "```sql n\nselect * from gp2gp.national\n```");

    const plan = planAudience("public", reports);
    expect(plan.excludedSources).toEqual(["failures", "systems"]);
    expect(plan.excludedPages).toEqual(["failures.md", "operations/transfers/anything.md"]);
    expect(plan.excludedRoutes).toEqual(["/failures/", "/operations/transfers/anything/"]);
    expect(planAudience("internal", reports).excludedPages).toEqual([]);

    write("partials/footer.md", "```sql n\nselect * from gp2gp.systems\n```");
    expect(() => planAudience("public", reports)).toThrow(/partials\/footer\.md reads gp2gp\.systems/);
    write("partials/footer.md", "");
    write("pages/failures/detail.md", "public detail");
    expect(() => planAudience("public", reports)).toThrow(/pages\/failures\.md is internal only, but reports\/pages\/failures\/detail\.md/);
  });

  it("reads column names in source SQL, not comments, and names page routes", () => {
    expect(selectsInternalColumn("-- conversation_id\n/* asid */ select a from t")).toBe(false);
    expect(selectsInternalColumn("select requesting_practice_asid from t")).toBe(true);
    expect(selectsInternalColumn("select ConversationID from t")).toBe(true);
    expect(routeOf("index.md")).toBe("/");
    expect(routeOf("practices/index.md")).toBe("/practices/");
    expect(routeOf("operations/transfers/to-chase.md")).toBe("/operations/transfers/to-chase/");
  });

  it("prepares a work folder without the left-out pages and sources, under the base path, expression links included", () => {
    const work = tempDir("gp2gp-publish-work-");
    const plan = planAudience("public");
    prepareWorkDir(work, "duckdb", { excludePages: plan.excludedPages, excludeSources: plan.excludedSources, basePath: "/editions/2026-08-r2" });
    for (const page of plan.excludedPages) expect(fs.existsSync(path.join(work, "pages", page)), page).toBe(false);
    for (const source of plan.excludedSources) expect(fs.existsSync(path.join(work, "sources", "gp2gp", `${source}.sql`)), source).toBe(false);
    expect(fs.readFileSync(path.join(work, "evidence.config.yaml"), "utf8")).toMatch(/^\s*basePath: "\/editions\/2026-08-r2"$/m);
    // The layout learns the audience from components/audience.js: public unless the build is internal.
    expect(fs.readFileSync(path.join(work, "components", "audience.js"), "utf8")).toBe('export const audience = "public";\n');
    const pages = fs.readdirSync(path.join(work, "pages"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md"));
    const texts = pages.map((f) => fs.readFileSync(path.join(work, "pages", f), "utf8")).join("\n");
    expect(texts).not.toMatch(/\bhref=\{/);
    expect(texts).not.toMatch(/\b(href|src)="\.\.?\//);
    if (fs.readFileSync(path.join(REPORTS_DIR, "pages", "practices", "index.md"), "utf8").includes("href={")) expect(texts).toContain('href="/editions/2026-08-r2{');
    prepareWorkDir(work, "duckdb", { audience: "internal" });
    expect(fs.readFileSync(path.join(work, "components", "audience.js"), "utf8")).toBe('export const audience = "internal";\n');
    expect(() => prepareWorkDir(work, "duckdb", { excludePages: ["no-such-page.md"] })).toThrow(/no-such-page\.md/);
    expect(() => prepareWorkDir(work, "duckdb", { basePath: "editions/x y" })).toThrow(/base path/);
  });

  it("writes a What changed page comparing figures, practices and extracts, safe for Evidence's markdown", () => {
    const page = whatChangedMarkdown({
      edition: "2026-08-r2",
      previous: manifest(),
      month: "2026-08",
      dataWatermark: "2026-09-28T10:00:00.000Z",
      changes: {
        headline: [
          { label: "Transfers requested", before: 11527, now: 11530, percent: false },
          { label: "Paper fallback (%)", before: 12.5, now: 12.5, percent: true },
        ],
        practices: { changed: 4, added: 1, removed: 0 },
        extracts: [
          { name: "data_freshness", rowsBefore: 1, rowsNow: 1, changed: true },
          { name: "national_{metrics}", rowsBefore: null, rowsNow: 2, changed: true },
        ],
      },
    });
    expect(page).toMatch(/^---\ntitle: What changed in this edition\n/);
    expect(page).toContain("It replaces edition 2026-08, published 2026-10-01");
    expect(page).toContain("| Transfers requested | 11,527 | 11,530 | +3 |");
    expect(page).toContain("| Paper fallback (%) | 12.50 | 12.50 | no change |");
    expect(page).toContain("4 practice(s) have different figures for August 2026");
    expect(page).toContain("| national_&#123;metrics&#125; | none | 2 | changed |");
    expect(page).not.toMatch(/[{}]/);
  });

  it("lists every edition in the index, latest first, with its what-changed link, and opens the latest at the root", () => {
    const first = manifest();
    const second = manifest({ edition: "2026-08-r2", revision: 2, previousEdition: "2026-08", code: { commit: null, dirty: null } });
    const html = editionsIndexHtml([first, second]);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html.indexOf('href="2026-08-r2/"')).toBeGreaterThan(0);
    expect(html.indexOf('href="2026-08-r2/"')).toBeLessThan(html.indexOf('href="2026-08/"'));
    expect(html).toContain('href="2026-08-r2/what-changed/"');
    expect(html).toContain("<code>0123456789ab</code>");
    expect(html).toContain('<th scope="col">Data up to</th>');
    const root = latestEditionHtml(second);
    expect(root).toContain('<meta http-equiv="refresh" content="0; url=editions/2026-08-r2/">');
    expect(root).toContain('<a href="editions/">All published editions</a>');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Publishing from a demo warehouse: two Evidence builds.

const BUILD_MS = (SITE_LIMITS.sources + SITE_LIMITS.build + 120) * 1000;
const runDir = path.join(REPORTS_DIR, ".work", `publish-test-${process.pid}`);
const database = path.join(runDir, "gp2gp.duckdb");
const publicTree = path.join(runDir, "published");
const DEMO_VARS = { gate_min_national_transfers: "1", gate_max_practices_without_sicbl: "5" };
const common = () => ({ database, datasets, vars: DEMO_VARS, sourcesTimeoutSeconds: SITE_LIMITS.sources, buildTimeoutSeconds: SITE_LIMITS.build });

/** Every conversation ID (upper case) and ASID the warehouse knows. */
let identifiers: Set<string>;


/** The identifiers found in the files of a folder: text and binary files searched, parquet files decoded. */
async function identifiersIn(dir: string): Promise<{ file: string; value: string }[]> {
  const found: { file: string; value: string }[] = [];
  const sample = [...identifiers].filter((v) => !/^\d+$/.test(v)).slice(0, 200);
  const warehouse = await Warehouse.open(database, { readOnly: true });
  try {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (file.endsWith(".parquet")) {
        const rows = await warehouse.rows(`select * from read_parquet('${file.replace(/'/g, "''")}')`);
        for (const row of rows) {
          for (const [column, value] of Object.entries(row)) {
            if (/conversation|asid/i.test(column)) found.push({ file, value: `column ${column}` });
            if (value !== null && identifiers.has(String(value).toUpperCase())) found.push({ file, value: String(value) });
          }
        }
        continue;
      }
      const text = fs.readFileSync(file, "latin1").toUpperCase();
      for (const match of text.matchAll(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}|[0-9]{12}/g)) {
        if (identifiers.has(match[0])) found.push({ file, value: match[0] });
      }
      for (const id of sample) if (text.includes(id)) found.push({ file, value: id });
    }
  } finally {
    warehouse.close();
  }
  return found;
}

const digest = (dir: string) => {
  const hash = crypto.createHash("sha256");
  const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
  for (const file of files) {
    const full = path.join(dir, file);
    if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
  }
  return { files: files.length, sha256: hash.digest("hex") };
};

describe("gp2gp reports publish", () => {
  beforeAll(async () => {
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    await buildDemoWarehouse(runDir, database);
    const warehouse = await Warehouse.open(database, { readOnly: true });
    try {
      const rows = await warehouse.rows<{ v: string }>(
        `select distinct upper(conversation_id) as v from gp2gp_marts.transfers
         union select distinct requesting_practice_asid from gp2gp_marts.transfers
         union select distinct sending_practice_asid from gp2gp_marts.transfers
         union select distinct asid from gp2gp_staged.stg_practice_asids`,
      );
      identifiers = new Set(rows.map((row) => row.v).filter((v) => v));
    } finally {
      warehouse.close();
    }
  }, 600_000);
  afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));

  it("refuses when the publish gate fails, naming the check, and writes nothing", async () => {
    const error = await publishEdition({ ...common(), month: "2026-08", out: publicTree, vars: { gate_min_national_transfers: "100000000" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishGateError);
    expect((error as Error).message).toMatch(/gate__national_transfers_below_minimum/);
    expect(fs.existsSync(publicTree)).toBe(false);
  });

  it("refuses a provisional month, or a month other than the latest final one, and writes nothing", async () => {
    await expect(publishEdition({ ...common(), month: "2026-09", out: publicTree })).rejects.toThrow(/2026-09 are provisional.*latest final: 2026-08/);
    await expect(publishEdition({ ...common(), month: "2026-07", out: publicTree })).rejects.toThrow(/no figures for 2026-07/);
    await expect(publishEdition({ ...common(), month: "2026-8", out: publicTree })).rejects.toThrow(/--month must be a month YYYY-MM/);
    expect(fs.existsSync(publicTree)).toBe(false);
  });

  it("its leak check refuses a file holding a conversation ID or ASID of the warehouse, or a link to a page left out", async () => {
    const dir = path.join(runDir, "leaky");
    fs.mkdirSync(path.join(dir, "page"), { recursive: true });
    const warehouse = await Warehouse.open(database, { readOnly: true });
    let id: string;
    try {
      id = String(await warehouse.scalar("select conversation_id from gp2gp_marts.transfers order by conversation_id limit 1"));
      await warehouse.run(`copy (select 'A12345' as practice, conversation_id as ref from gp2gp_marts.transfers order by conversation_id limit 3) to '${path.join(dir, "leak.parquet")}' (format parquet)`);
      await warehouse.run(`copy (select asid as system_code from gp2gp_staged.stg_practice_asids limit 1) to '${path.join(dir, "asids.parquet")}' (format parquet)`);
    } finally {
      warehouse.close();
    }
    const lookup = warehouseIdentifiers(database, datasets);
    const plan = planAudience("public");
    const leaks = await assertNoLeaks(dir, { lookup }).then(
      () => "no error",
      (error: unknown) => String(error),
    );
    expect(leaks).toMatch(/leak.parquet: holds [0-9A-F-]{36}, a conversation ID or ASID of the data \(column ref\)/);
    expect(leaks).toMatch(/asids.parquet: holds \d{12}/);
    fs.rmSync(path.join(dir, "leak.parquet"));
    fs.rmSync(path.join(dir, "asids.parquet"));
    fs.writeFileSync(path.join(dir, "page", "index.html"), `<p>ref ${id.toLowerCase()}</p>`);
    await expect(assertNoLeaks(dir, { lookup })).rejects.toThrow(new RegExp(`page/index.html: holds ${id.toUpperCase()}`));
    fs.writeFileSync(path.join(dir, "page", "index.html"), `<a href="/editions/2026-08${plan.excludedRoutes[0]}">x</a>`);
    await expect(assertNoLeaks(dir, { lookup, excludedRoutes: plan.excludedRoutes, basePath: "/editions/2026-08" })).rejects.toThrow(/links to .*a page left out of the public site/);
    fs.writeFileSync(path.join(dir, "page", "index.html"), `<a href="/editions/2026-08/practices/">x</a> 2026-08-01 123`);
    await expect(assertNoLeaks(dir, { lookup, excludedRoutes: plan.excludedRoutes, basePath: "/editions/2026-08" })).resolves.toMatchObject({ findings: [] });
  });

  let first: EditionManifest;
  let firstDigest: { files: number; sha256: string };

  it(
    "publishes a public edition with its manifest, the editions index and the latest at the root, with no conversation ID or ASID anywhere",
    async () => {
      const result = await publishEdition({ ...common(), month: "2026-08", out: publicTree, workDir: path.join(runDir, "work-public") });
      first = result.manifest;
      const dir = path.join(publicTree, "editions", "2026-08");
      expect(result.editionDir).toBe(dir);
      expect(first).toMatchObject({ edition: "2026-08", revision: 1, audience: "public", reportingMonth: "2026-08", basePath: "/editions/2026-08", previousEdition: null });
      expect(JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"))).toEqual(first);
      expect(Date.now() - Date.parse(first.generatedAt)).toBeLessThan(BUILD_MS);
      expect(first.dataWatermark).toMatch(/^2026-09-/);
      expect(first.gateChecks.length).toBeGreaterThan(0);

      // Each extract: the file is there, its checksum and row count are right; no internal source was extracted.
      const plan = planAudience("public");
      expect(plan.excludedSources.length).toBeGreaterThan(0);
      expect(first.excludedSources).toEqual(plan.excludedSources);
      const warehouse = await Warehouse.open(database, { readOnly: true });
      try {
        for (const extract of first.extracts) {
          const file = path.join(dir, extract.file);
          expect(crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"), extract.name).toBe(extract.sha256);
          expect(Number(await warehouse.scalar(`select count(*) from read_parquet('${file}')`)), extract.name).toBe(extract.rows);
          expect(plan.excludedSources).not.toContain(extract.name);
        }
        const national = first.extracts.find((e) => e.name === "national_metrics_monthly");
        expect(national?.rows).toBe(Number(await warehouse.scalar("select count(*) from gp2gp_marts.national_metrics_monthly")));
      } finally {
        warehouse.close();
      }

      // The internal pages are not built, and no page links to them.
      for (const route of plan.excludedRoutes) expect(fs.existsSync(path.join(dir, route, "index.html")), route).toBe(false);
      expect(fs.existsSync(path.join(dir, "index.html"))).toBe(true);
      const home = fs.readFileSync(path.join(dir, "index.html"), "utf8");
      expect(home).toContain('href="/editions/2026-08/definitions/"');
      expect(home).not.toContain(INTERNAL_BANNER);
      expect(home).not.toMatch(NOINDEX);
      expect(fs.existsSync(path.join(dir, "index.html.gz"))).toBe(true);

      expect(await identifiersIn(publicTree)).toEqual([]);

      const index = fs.readFileSync(path.join(publicTree, "editions", "index.html"), "utf8");
      expect(index).toContain('href="2026-08/"');
      expect(fs.readFileSync(path.join(publicTree, "index.html"), "utf8")).toContain("url=editions/2026-08/");
      firstDigest = digest(dir);
    },
    BUILD_MS,
  );

  it(
    "publishes the month again as 2026-08-r2 with a What changed page, leaving 2026-08 untouched",
    async () => {
      expect(first, "the first edition was published").toBeDefined();
      const result = await publishEdition({ ...common(), month: "2026-08", out: publicTree, workDir: path.join(runDir, "work-public") });
      expect(result.manifest).toMatchObject({ edition: "2026-08-r2", revision: 2, previousEdition: "2026-08", basePath: "/editions/2026-08-r2" });
      const dir = path.join(publicTree, "editions", "2026-08-r2");
      const changed = fs.readFileSync(path.join(dir, "what-changed", "index.html"), "utf8");
      expect(changed).toContain("What changed in this edition");
      expect(changed).toContain("It replaces edition 2026-08");
      expect(changed).toContain("Transfers requested");
      // The same warehouse: the figures are the same, and the extract time changed.
      expect(changed).toContain("no change");
      expect(changed).toMatch(/data_freshness/);

      expect(digest(path.join(publicTree, "editions", "2026-08"))).toEqual(firstDigest);
      expect(listEditions(publicTree).map((e) => e.edition)).toEqual(["2026-08", "2026-08-r2"]);
      const index = fs.readFileSync(path.join(publicTree, "editions", "index.html"), "utf8");
      expect(index).toContain('href="2026-08/"');
      expect(index).toContain('href="2026-08-r2/what-changed/"');
      expect(fs.readFileSync(path.join(publicTree, "index.html"), "utf8")).toContain("url=editions/2026-08-r2/");
      expect(await identifiersIn(dir)).toEqual([]);
      expect(fs.readdirSync(path.join(publicTree, "editions")).filter((name) => name.startsWith("."))).toEqual([]);
    },
    BUILD_MS,
  );

  it("refuses an internal edition into the public tree, before building anything", async () => {
    expect(first, "the first edition was published").toBeDefined();
    const before = digest(publicTree);
    await expect(publishEdition({ ...common(), month: "2026-08", audience: "internal", out: publicTree })).rejects.toThrow(/holds public editions/);
    expect(digest(publicTree)).toEqual(before);
  });
});
