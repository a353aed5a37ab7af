/**
 * `gp2gp reports publish --audience internal`: an internal edition built from a demo warehouse, with the
 * transfer-level pages the public site leaves out. Every page says it holds transfer-level identifiers and carries
 * noindex, and the transfer-level pages are opened in Chromium (the shared test build, site.ts, is the public site and
 * has none). Public editions are tested in publish.test.ts; the two files run side by side.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { datasets } from "../../includes/config";
import { planAudience } from "../../scripts/lib/reports/audience";
import { REPORTS_DIR } from "../../scripts/lib/reports/build";
import { assertInternalPages, NOINDEX } from "../../scripts/lib/reports/finish";
import { publishEdition } from "../../scripts/lib/reports/publish";
import { asNumber, BROWSER_ACTION_LIMIT_MS, hasChromium, headline, SiteBrowser } from "./browser-support";
import { buildDemoWarehouse, SITE_LIMITS } from "./site";

const BUILD_MS = (SITE_LIMITS.sources + SITE_LIMITS.build + 120) * 1000;
const runDir = path.join(REPORTS_DIR, ".work", `publish-internal-test-${process.pid}`);
const database = path.join(runDir, "gp2gp.duckdb");
const internalTree = path.join(runDir, "published-internal");
const DEMO_VARS = { gate_min_national_transfers: "1", gate_max_practices_without_sicbl: "5" };
const common = () => ({ database, datasets, vars: DEMO_VARS, sourcesTimeoutSeconds: SITE_LIMITS.sources, buildTimeoutSeconds: SITE_LIMITS.build });

describe("gp2gp reports publish --audience internal", () => {
  beforeAll(async () => {
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    await buildDemoWarehouse(runDir, database);
  }, 600_000);
  afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));

  it(
    "publishes an internal edition, with the transfer-level pages, into its own tree only",
    async () => {
      const result = await publishEdition({ ...common(), month: "2026-08", audience: "internal", out: internalTree, workDir: path.join(runDir, "work-internal") });
      expect(result.manifest).toMatchObject({ edition: "2026-08", audience: "internal", excludedPages: [], excludedSources: [] });
      const plan = planAudience("public");
      for (const route of plan.excludedRoutes) expect(fs.existsSync(path.join(internalTree, "editions", "2026-08", route, "index.html")), route).toBe(true);
      expect(result.manifest.extracts.map((e) => e.name)).toEqual(expect.arrayContaining(plan.excludedSources));
      // Nothing was written beside the internal tree but the build's working copy.
      expect(fs.readdirSync(runDir).filter((name) => !name.startsWith("gp2gp.duckdb")).sort()).toEqual(["data", "published-internal", "work-internal"]);
      expect(fs.readFileSync(path.join(internalTree, "editions", "index.html"), "utf8")).toContain("Published editions (internal)");
      // Every page says it holds transfer-level identifiers and carries noindex; crawlers are turned away.
      const edition = path.join(internalTree, "editions", "2026-08");
      expect(assertInternalPages(edition)).toBeGreaterThan(plan.excludedRoutes.length);
      const failures = fs.readFileSync(path.join(edition, "operations", "transfers", "technical-failures", "index.html"), "utf8");
      expect(failures).toMatch(NOINDEX);
      expect(failures).toContain("This site holds transfer-level identifiers");
      expect(fs.readFileSync(path.join(edition, "robots.txt"), "utf8")).toMatch(/User-agent: \*\nDisallow: \//);
    },
    BUILD_MS,
  );

  describe.skipIf(!hasChromium)("the internal edition's transfer-level pages in a browser", () => {
    const browser = new SiteBrowser(async () => ({ siteDir: internalTree, database }), "/editions/2026-08");
    beforeAll(async () => {
      if (!fs.existsSync(path.join(internalTree, "editions", "2026-08", "index.html"))) throw new Error("The internal edition was not published (see the test above)");
      await browser.start();
    });
    afterAll(() => browser.close());
    const open = (route: string) => browser.open(route);
    const screenshot = (page: Page, name: string) => browser.screenshot(page, name);
    const headlineNumber = (page: Page, id: string) => () => headline(page, id).textContent().then(asNumber);
    async function one<T>(sql: string): Promise<T> {
      const [row] = await browser.mart<T>(sql);
      expect(row, sql).toBeDefined();
      return row as T;
    }

  it("lists the transfer-level technical failures with conversation IDs and ASIDs (internal pages), under the internal banner", async () => {
    const day = await one<{ failures: number; conversation_id: string; sending_practice_asid: string | null }>(
      `select count(*) over () as failures, conversation_id, sending_practice_asid from gp2gp_marts.technical_failures
       where cutoff_days = 0 and request_date = (select max(request_date) from gp2gp_marts.technical_failures where cutoff_days = 0)
       order by date_requested, conversation_id limit 1`,
    );
    const { page } = await open("/operations/transfers/technical-failures/");
    await expect.poll(() => page.locator("[data-gp2gp-internal]").textContent()).toContain("transfer-level identifiers");
    await expect.poll(headlineNumber(page, "transfer-failures"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(day.failures));
    const first = page.locator("figure", { hasText: "Table 1:" }).locator("tr:has(td)").first();
    await expect.poll(() => first.textContent()).toContain(day.conversation_id);
    if (day.sending_practice_asid) expect(await first.textContent()).toContain(day.sending_practice_asid);
    await screenshot(page, "operations-transfers-technical-failures");

    const chase = await one<{ n: number }>(
      `select count(*) as n from gp2gp_marts.transfers_live where needs_action`,
    );
    const { page: chasePage } = await open("/operations/transfers/to-chase/");
    await expect.poll(headlineNumber(chasePage, "transfers-to-chase"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(chase.n));
  });


    it("requested nothing outside the site's origin and logged no console error", () => {
      expect(browser.opened.length).toBe(2);
      expect(browser.opened.flatMap((p) => p.offOrigin)).toEqual([]);
      expect(browser.opened.flatMap((p) => p.errors)).toEqual([]);
    });
  });
});
