/**
 * Every page type of the public site checked with axe-core in a headless Chromium against WCAG 2.2 A and AA (the
 * standard a UK public-sector site must meet): the Evidence pages once their app has hydrated, the generated
 * organisation pages once their script is ready. A violation is reported
 * with its rule, its impact and the elements it found.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the tests are skipped and say so.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { describeInBrowser } from "./browser-support";

const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

/** axe-core's violations on the page, one line each: rule, impact, what it asks and the first elements found. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  return result.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", ")}${violation.nodes.length > 3 ? ` and ${violation.nodes.length - 3} more` : ""}`,
  );
}

const EVIDENCE_PAGES = [
  "/",
  "/trends/",
  "/journeys/",
  "/opportunities/",
  "/practices/",
  "/sub-icb-locations/",
  "/icbs/",
  "/regions/",
  "/search/",
  "/operations/",
  "/operations/supplier-pathways/",
  "/operations/technical-failure-rate/",
  "/operations/transfers-by-hour/",
  "/operations/error-codes/",
  "/operations/integration-times/",
  "/operations/impact/",
  "/data-quality/",
  "/data-dictionary/",
  "/definitions/",
];

describeInBrowser("accessibility of every page type (axe-core, WCAG 2.2 AA)", (site) => {
  for (const route of EVIDENCE_PAGES) {
    it(`finds no violation on ${route}`, async () => {
      const { page } = await site.open(route);
      expect(await violations(page), route).toEqual([]);
      await page.context().close();
    });
  }

  it("finds no violation on a practice, Sub ICB Location, ICB and region page", async () => {
    const [org] = await site.mart<{ practice: string; sicbl: string; icb: string; region: string }>(
      `select practice_ods_code as practice, sicbl_ods_code as sicbl, icb_ods_code as icb, region_ods_code as region
       from gp2gp_marts.practice_metrics_monthly
       where is_final and sicbl_ods_code is not null and icb_ods_code is not null and region_ods_code is not null
       order by requested_count desc, practice_ods_code limit 1`,
    );
    expect(org, "the demo warehouse has a practice in a final month with its areas").toBeDefined();
    const routes = [`/practices/${org!.practice}/`, `/sub-icb-locations/${org!.sicbl}/`, `/icbs/${org!.icb}/`, `/regions/${org!.region}/`];
    const found: string[] = [];
    for (const route of routes) {
      const { page } = await site.openReady(route);
      found.push(...(await violations(page)).map((line) => `${route}: ${line}`));
      await page.context().close();
    }
    expect(found).toEqual([]);
  });

  it("logged no console error and requested nothing outside the site's origin", () => {
    expect(site.opened.flatMap((p) => p.offOrigin)).toEqual([]);
    expect(site.opened.flatMap((p) => p.errors)).toEqual([]);
  });
});
