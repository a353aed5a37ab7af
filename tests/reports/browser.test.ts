/**
 * The built reports in a headless Chromium (Debian's, driven by playwright-core): every page type loads with no
 * console error and no request outside the site's own origin, the national headline equals the mart's figure, and
 * the dropdowns work (a page opens on the build's prerendered results without fetching the query engine; a change
 * runs DuckDB-WASM queries in the browser over the site's own extracts), and the generated
 * Sub ICB Location and ICB pages open on their latest final month (org-pages.test.ts has the rest). Screenshots go to
 * reports/.work/screenshots/ (git ignores reports/.work).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the test is skipped and
 * says so.
 */
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { asNumber, BROWSER_ACTION_LIMIT_MS, choose, describeInBrowser, engineRequests, headline } from "./browser-support";

describeInBrowser("reports in a browser", (browser) => {
  const open = (route: string) => browser.open(route);
  const screenshot = (page: Page, name: string) => browser.screenshot(page, name);
  const mart = <T,>(sql: string) => browser.mart<T>(sql);

  it("shows the latest final month's national figures from the mart on the home page", async () => {
    const { page } = await open("/");
    const [latest] = await mart<{ month: string; transfer_count: number; integrated_on_time_count: number; paper_fallback_count: number }>(
      `select strftime(metric_month, '%B %Y') as month, transfer_count, integrated_on_time_count, paper_fallback_count
       from gp2gp_marts.national_metrics_monthly where is_final order by metric_month desc limit 1`,
    );
    expect(latest, "the demo warehouse has a final month").toBeDefined();
    await expect.poll(() => page.locator("h2").first().textContent()).toContain(`GP2GP national performance for ${latest!.month}`);
    expect(asNumber(await headline(page, "transfers").textContent())).toBe(Number(latest!.transfer_count));
    expect(asNumber(await headline(page, "integrated-on-time").textContent())).toBe(Number(latest!.integrated_on_time_count));
    expect(asNumber(await headline(page, "paper-fallback").textContent())).toBe(Number(latest!.paper_fallback_count));
    await expect.poll(() => page.locator("[data-updated]").textContent()).toMatch(/^Data updated: \d{1,2} \w+ \d{4}\./);
    await screenshot(page, "home");
  });

  it.each([
    ["trends", "/trends/", "September 2026 (provisional)"],
    ["data-quality", "/data-quality/", "Items found by each check"],
    ["definitions", "/definitions/", "The integration clock"],
    ["practices", "/practices/", "Practices by Sub ICB Location"],
  ])("shows the %s page", async (name, route, text) => {
    const { page } = await open(route);
    await expect.poll(() => page.locator("article, main, body").first().textContent()).toContain(text);
    await screenshot(page, name);
  });

  it("leads the live transfers with those needing action, and filters them by ICB with the dropdown, querying in the browser", async () => {
    const opened = await open("/operations/");
    const { page } = opened;
    const [all] = await mart<{ live: number; need_action: number }>(
      "select count(*) filter (where is_live) as live, count(*) filter (where needs_action) as need_action from gp2gp_marts.transfers_live",
    );
    await expect.poll(async () => asNumber(await headline(page, "ongoing-transfers").textContent())).toBe(Number(all!.live));
    expect(asNumber(await headline(page, "need-action").textContent())).toBe(Number(all!.need_action));

    const [busiest] = await mart<{ icb_name: string; live: number }>(
      `select requesting_practice_icb_name as icb_name, count(*) as live from gp2gp_marts.transfers_live
       where is_live and requesting_practice_icb_name is not null group by 1 order by 2 desc, 1 limit 1`,
    );
    expect(Number(busiest!.live)).toBeLessThan(Number(all!.live));
    // The default view is answered by the build's prerendered results: the query engine is fetched only for a change.
    expect(engineRequests(opened), "requests for the query engine before any change").toEqual([]);
    await choose(page, "ICB", busiest!.icb_name);
    await expect.poll(async () => asNumber(await headline(page, "ongoing-transfers").textContent()), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(busiest!.live));
    expect(engineRequests(opened).length, "requests for the query engine after the change").toBeGreaterThan(0);
    await screenshot(page, "operations-filtered");
  });

  it.each([
    ["sub-icb-locations", "/sub-icb-locations/", "Sub ICB Locations by first letter"],
    ["icbs", "/icbs/", "All ICBs"],
  ])("shows the %s index", async (name, route, text) => {
    const { page } = await open(route);
    await expect.poll(() => page.locator("article, main, body").first().innerHTML()).toContain(text);
    await screenshot(page, name);
  });

  it("opens a Sub ICB Location on its latest final month, worst first, compared with its ICB and England", async () => {
    const [sicbl] = await mart<{ sicbl_ods_code: string; month: string; metric_month: string }>(
      `select sicbl_ods_code, strftime(metric_month, '%B %Y') as month, strftime(metric_month, '%Y-%m-%d') as metric_month
       from gp2gp_marts.sicbl_metrics_monthly
       where received_count > 0 and is_final
       qualify metric_month = max(metric_month) over (partition by sicbl_ods_code)
       order by practice_count desc, sicbl_ods_code limit 1`,
    );
    expect(sicbl, "the demo warehouse has a Sub ICB Location with a final month").toBeDefined();
    const [worst] = await mart<{ practice_ods_code: string }>(
      `select practice_ods_code from gp2gp_marts.practice_metrics_monthly
       where sicbl_ods_code = '${sicbl!.sicbl_ods_code}' and metric_month = date '${sicbl!.metric_month}'
       order by not_integrated_within_8_days_percent_of_received desc nulls last, received_count desc, practice_ods_code limit 1`,
    );
    const { page } = await browser.openReady(`/sub-icb-locations/${sicbl!.sicbl_ods_code}/`);
    expect(await page.locator("table#parts-integration caption").textContent()).toContain(sicbl!.month);
    expect(await page.locator("table#parts-integration tbody tr").first().locator("a").first().getAttribute("href")).toBe(`/practices/${worst!.practice_ods_code}/`);
    expect(await page.locator("[data-comparison]:visible").textContent()).toMatch(/in its ICB and .* across England/);
    await screenshot(page, "sub-icb-location");
  });

  it("shows an ICB's Sub ICB Locations and its latest six months, provisional ones labelled", async () => {
    const [icb] = await mart<{ icb_ods_code: string }>(
      `select icb_ods_code from gp2gp_marts.icb_metrics_monthly group by 1 order by count(*) desc, 1 limit 1`,
    );
    expect(icb, "the demo warehouse has an ICB").toBeDefined();
    const months = await mart<{ month: string }>(
      `select strftime(metric_month, '%B %Y') || case when is_final then '' else ' (provisional)' end as month
       from gp2gp_marts.icb_metrics_monthly where icb_ods_code = '${icb!.icb_ods_code}' order by metric_month desc limit 6`,
    );
    const { page } = await browser.openReady(`/icbs/${icb!.icb_ods_code}/`);
    expect(await page.locator("table#parts-integration tbody tr a").first().getAttribute("href")).toMatch(/^\/sub-icb-locations\/[^/]+\/$/);
    expect(await page.locator("table#trend tbody th").allTextContents()).toEqual(months.map((m) => m.month));
    expect(await page.locator("#month option").allTextContents()).toEqual(months.map((m) => m.month));
    await screenshot(page, "icb");
  });

  it("requested nothing outside the site's origin and logged no console error", () => {
    expect(browser.opened.length).toBeGreaterThanOrEqual(10);
    expect(browser.opened.flatMap((p) => p.offOrigin)).toEqual([]);
    expect(browser.opened.flatMap((p) => p.errors)).toEqual([]);
  });
});
