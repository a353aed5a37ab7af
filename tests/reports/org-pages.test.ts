/**
 * The generated organisation pages of the built reports in a headless Chromium, against the marts: a region page and
 * its links from its ICBs, a practice page's sending-side and failure-reason tables, the Sort by / Order / Units
 * selects of a Sub ICB Location's tables (Units keeping the sorted column), the CSV download with the public site's
 * columns and formats, a practice page with JavaScript off, search and the index pages' links (SvelteKit's router
 * loads a generated page in full), and the A-Z headings. Each page opens on the latest final month; the tests wait on
 * the page's own ready signal (`<html data-gp2gp-ready>`), never on a time. Every page opened must request nothing
 * outside the site and log no console error. Screenshots go to reports/.work/screenshots/.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the tests are skipped and say so.
 */
import fs from "node:fs";
import { expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { BROWSER_ACTION_LIMIT_MS, describeInBrowser, headline } from "./browser-support";

/** The body rows of a generated table (by its id). */
const rowsOf = (page: Page, id: string): Locator => page.locator(`table#${id} tbody tr`);
/** A cell of a row: the row header is cell 0, then the data cells. */
const cellText = (row: Locator, index: number) => row.locator("th, td").nth(index).textContent().then((text) => text?.trim());
const firstLink = (page: Page, id: string) => () => rowsOf(page, id).first().locator("a").first().getAttribute("href");
const percent1 = (value: unknown) => (value === null ? "n/a" : `${Number(value).toFixed(1)}%`);
const count = (value: unknown) => Number(value).toLocaleString("en-GB");
/** A percentage as the public site's CSV writes it: the 1 dp value without a trailing ".0", then "%". */
const csvPercent = (value: unknown) => (value === null ? "n/a" : `${Number(value)}%`);
/** Rows of an organisation's latest final month (the month its page opens on). */
const LATEST_FINAL = (key: string) => `is_final qualify metric_month = max(metric_month) over (partition by ${key})`;

describeInBrowser("organisation pages in a browser", (site) => {
  const mart = <T>(sql: string) => site.mart<T>(sql);

  it("shows a region's ICBs worst first in its latest final month, compares it with England, and is linked from its ICBs", async () => {
    const [region] = await mart<{ region_ods_code: string; region_name: string; month: string }>(
      `select region_ods_code, region_name, strftime(metric_month, '%B %Y') as month from gp2gp_marts.region_metrics_monthly
       where ${LATEST_FINAL("region_ods_code")} order by practice_count desc, region_ods_code limit 1`,
    );
    expect(region, "the demo warehouse has a region with a final month").toBeDefined();
    const icbs = await mart<{ icb_ods_code: string }>(
      `select icb_ods_code from gp2gp_marts.icb_metrics_monthly where region_ods_code = '${region!.region_ods_code}' and ${LATEST_FINAL("region_ods_code")}
       order by not_integrated_within_8_days_percent_of_received desc nulls last, received_count desc, icb_ods_code`,
    );
    const { page } = await site.openReady(`/regions/${region!.region_ods_code}/`);
    expect((await page.locator("h1").textContent())!.toLowerCase()).toBe(region!.region_name.toLowerCase());
    expect(await page.locator("table#parts-integration caption").textContent()).toContain(`- ${region!.month}`);
    expect(await firstLink(page, "parts-integration")()).toBe(`/icbs/${icbs[0]!.icb_ods_code}/`);
    expect(await page.locator("[data-comparison]:visible").textContent()).toMatch(/of the transfers requested by this region's practices[\s\S]*across England/);
    expect(await rowsOf(page, "comparison").count()).toBe(2);
    await site.screenshot(page, "region");

    const index = await site.open("/regions/");
    await expect.poll(() => index.page.locator(`a[href="/regions/${region!.region_ods_code}/"]`).count(), { timeout: BROWSER_ACTION_LIMIT_MS }).toBeGreaterThan(0);
    await site.screenshot(index.page, "regions");

    const icb = await site.openReady(`/icbs/${icbs[0]!.icb_ods_code}/`);
    expect(await icb.page.locator(`main a[href="/regions/${region!.region_ods_code}/"]`).count()).toBeGreaterThan(0);
  });

  it("shows a practice's transfers as the sending practice and its failure reasons and error codes, as the marts give them", async () => {
    const [practice] = await mart<{ ods: string; month: string }>(
      `select sending.sending_practice_ods_code as ods, any_value(sending.metric_month) as month
       from gp2gp_marts.sending_practice_metrics_monthly as sending
       inner join gp2gp_marts.practice_failure_reasons_monthly as reasons
         on reasons.practice_ods_code = sending.sending_practice_ods_code and reasons.metric_month = sending.metric_month
       where sending.metric_month = (select max(metric_month) from gp2gp_marts.national_metrics_monthly where is_final)
         and sending.paper_fallback_count > 0 and reasons.is_final
       group by 1 order by count(*) desc, 1 limit 1`,
    );
    expect(practice, "the demo warehouse has a practice both requesting and sending records in the final month").toBeDefined();
    const [sending] = await mart<Record<string, number>>(
      `select * from gp2gp_marts.sending_practice_metrics_monthly where sending_practice_ods_code = '${practice!.ods}' order by metric_month desc limit 1`,
    );
    const reasons = await mart<{ status: string; failure_reason: string; transfer_count: number }>(
      `select status, failure_reason, transfer_count from gp2gp_marts.practice_failure_reasons_monthly
       where practice_ods_code = '${practice!.ods}' and ${LATEST_FINAL("practice_ods_code")}
       order by case status when 'Technical failure' then 1 when 'Unclassified failure' then 2 else 3 end, transfer_count desc, failure_reason`,
    );
    const { page } = await site.openReady(`/practices/${practice!.ods}/`);
    const newestSending = rowsOf(page, "sending").first();
    expect(await cellText(newestSending, 1)).toBe(count(sending!.requested_count));
    expect(await cellText(newestSending, 2)).toBe(`${count(sending!.integrated_on_time_count)} (${percent1(sending!.integrated_on_time_percent)})`);
    expect(await cellText(newestSending, 3)).toBe(`${count(sending!.paper_fallback_count)} (${percent1(sending!.paper_fallback_percent)})`);
    expect(await cellText(newestSending, 4)).toBe(`${count(sending!.technical_failure_count)} (${percent1(sending!.technical_failure_percent)})`);
    expect(await cellText(newestSending, 5)).toBe(`${count(sending!.process_failure_count)} (${percent1(sending!.process_failure_percent)})`);

    const reasonRows = rowsOf(page, "failure-reasons");
    expect(await reasonRows.count()).toBe(reasons.length);
    expect(await cellText(reasonRows.first(), 1)).toBe(reasons[0]!.failure_reason);
    expect(await cellText(reasonRows.first(), 2)).toBe(String(reasons[0]!.transfer_count));
    expect(await page.locator("table#error-codes").count()).toBe(1);
    expect(await page.locator("body").textContent()).toContain("report technical failures to your system supplier");
    await site.screenshot(page, "practice-sending-and-failures");
  });

  it("sorts a Sub ICB Location's practices by the column and order chosen, keeping the column when the units change", async () => {
    const [sicbl] = await mart<{ sicbl_ods_code: string; metric_month: string }>(
      `select sicbl_ods_code, strftime(metric_month, '%Y-%m-%d') as metric_month from gp2gp_marts.sicbl_metrics_monthly
       where received_count > 0 and ${LATEST_FINAL("sicbl_ods_code")} order by practice_count desc, sicbl_ods_code limit 1`,
    );
    const practices = (order: string) =>
      mart<{ practice_ods_code: string }>(
        `select practice_ods_code from gp2gp_marts.practice_metrics_monthly
         where sicbl_ods_code = '${sicbl!.sicbl_ods_code}' and metric_month = date '${sicbl!.metric_month}' order by ${order} limit 1`,
      ).then((rows) => `/practices/${rows[0]!.practice_ods_code}/`);
    const { page } = await site.openReady(`/sub-icb-locations/${sicbl!.sicbl_ods_code}/`);
    const integration = firstLink(page, "parts-integration");
    const requested = firstLink(page, "parts-requested");
    const select = (label: string, option: string) => page.getByLabel(label, { exact: true }).selectOption({ label: option });

    expect(await integration()).toBe(await practices("not_integrated_within_8_days_percent_of_received desc nulls last, received_count desc, practice_ods_code"));
    expect(await requested()).toBe(await practices("failures_total_percent_of_requested desc nulls last, requested_count desc, practice_ods_code"));
    expect(await page.locator("table#parts-integration th[aria-sort='descending']").textContent()).toBe("Not integrated within 8 days (paper copy requested)");

    await select("Units", "Numbers");
    expect(await integration()).toBe(await practices("not_integrated_within_8_days_total desc, received_count desc, practice_ods_code"));
    await select("Units", "Percentages");

    await select("Sort by", "Registering practice name");
    await select("Order", "Ascending");
    const byName = "coalesce(practice_name, practice_ods_code)";
    expect(await integration()).toBe(await practices(`${byName} asc, received_count desc, practice_ods_code`));
    await select("Order", "Descending");
    expect(await integration()).toBe(await practices(`${byName} desc, received_count desc, practice_ods_code`));

    await select("Sort by", "GP2GP transfers received");
    await select("Order", "Ascending");
    expect(await integration()).toBe(await practices("received_count asc, received_count desc, practice_ods_code"));

    // The keyboard alone reaches and changes a select.
    await page.getByLabel("Sort transfers requested by", { exact: true }).focus();
    await page.keyboard.press("ArrowUp");
    expect(await page.locator("table#parts-requested th[aria-sort]").textContent()).toBe("GP2GP transfers received");
    await site.screenshot(page, "sub-icb-location-sorted");
  });

  it("downloads a Sub ICB Location's transfers requested as CSV with the public site's columns and formats", async () => {
    const [sicbl] = await mart<{ sicbl_ods_code: string }>(
      `select sicbl_ods_code from gp2gp_marts.sicbl_metrics_monthly where is_final and received_count > 0 order by practice_count desc, sicbl_ods_code limit 1`,
    );
    const rows = await mart<{ practice_ods_code: string; requested_count: number; received_percent_of_requested: number | null; failures_total_percent_of_requested: number | null }>(
      `select practice_ods_code, requested_count, received_percent_of_requested, failures_total_percent_of_requested
       from gp2gp_marts.practice_metrics_monthly
       where sicbl_ods_code = '${sicbl!.sicbl_ods_code}'
         and metric_month <= (select max(metric_month) from gp2gp_marts.national_metrics_monthly where is_final)
         and metric_month > (select max(metric_month) from gp2gp_marts.national_metrics_monthly where is_final) - interval 6 month
       order by practice_ods_code, metric_month desc`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const { page } = await site.openReady(`/sub-icb-locations/${sicbl!.sicbl_ods_code}/`);
    await page.getByLabel("Transfers requested", { exact: true }).check();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^GP Registrations Data .+ transfers-requested-last-6-months\.csv$/);
    const text = fs.readFileSync((await download.path())!, "utf8").replace(/^\ufeff/, "");
    const lines = text.trim().split(/\r?\n/);
    const fields = (line: string) => line.split(",").map((field) => field.replace(/^"|"$/g, ""));
    expect(fields(lines[0]!)).toEqual([
      "Sub ICB Location name",
      "Sub ICB Location ODS",
      "Requesting practice name",
      "Practice ODS",
      "Month",
      "GP2GP transfers requested",
      "GP2GP transfers received",
      "GP2GP transfers received - %",
      "GP2GP technical failures (paper copy requested)",
      "GP2GP technical failures (paper copy requested) - %",
    ]);
    expect(lines).toHaveLength(rows.length + 1);
    const first = fields(lines.find((line) => line.includes(`"${rows[0]!.practice_ods_code}"`))!);
    expect([first[5], first[7], first[9]]).toEqual([String(rows[0]!.requested_count), csvPercent(rows[0]!.received_percent_of_requested), csvPercent(rows[0]!.failures_total_percent_of_requested)]);
    expect(first[4]).toMatch(/^[A-Z][a-z]+ \d{4}$/);
  });

  it("shows a practice page's final-month figures, and where its transfers stopped, with JavaScript disabled", async () => {
    const [practice] = await mart<{ practice_ods_code: string; month: string; requested_count: number; not_within: number | null; within_3: number | null }>(
      `select practice_ods_code, strftime(metric_month, '%B %Y') as month, requested_count,
              not_integrated_within_8_days_percent_of_received as not_within, integrated_within_3_days_percent_of_received as within_3
       from gp2gp_marts.practice_metrics_monthly where received_count > 0 and ${LATEST_FINAL("practice_ods_code")}
       order by requested_count desc, practice_ods_code limit 1`,
    );
    const { page } = await site.open(`/practices/${practice!.practice_ods_code}/`, { javaScriptEnabled: false });
    expect(await page.locator("#headline-heading").textContent()).toBe(`${practice!.month}, the latest final month`);
    expect(await headline(page, "requested").textContent()).toBe(count(practice!.requested_count));
    expect(await headline(page, "not-within-8-days").textContent()).toBe(percent1(practice!.not_within));
    const finalRow = rowsOf(page, "integration-times").filter({ has: page.locator("th", { hasText: new RegExp(`^${practice!.month}$`) }) });
    expect(await cellText(finalRow, 2)).toBe(percent1(practice!.within_3));
    expect(await page.locator("svg#integration-chart").isVisible()).toBe(true);
    expect(await page.locator("[data-gp2gp-controls]").first().isVisible()).toBe(false);
    expect(await page.locator("html[data-gp2gp-ready]").count()).toBe(0);
    // Where its transfers stopped: each stage with the transfers reaching it, as the journey mart counts them.
    const stages = await mart<{ stage: string; transfers_reached: number }>(
      `select stage_order || '. ' || stage as stage, transfers_reached from gp2gp_marts.organisation_journey_stages_monthly
       where scope_kind = 'requesting practice' and scope_id = '${practice!.practice_ods_code}'
         and strftime(metric_month, '%B %Y') = '${practice!.month}' order by stage_order`,
    );
    expect(stages.length).toBeGreaterThan(1);
    expect(await page.locator("#journey-heading").textContent()).toBe("Where transfers stopped");
    const journeyRows = rowsOf(page, "journey-stages");
    expect(await journeyRows.count()).toBe(stages.length);
    for (const [index, stage] of stages.entries()) {
      expect([await cellText(journeyRows.nth(index), 0), await cellText(journeyRows.nth(index), 1)]).toEqual([stage.stage, count(Number(stage.transfers_reached))]);
    }
    await site.screenshot(page, "practice-without-javascript");
  });

  it("switches a practice page's tables to numbers with the Units select", async () => {
    const [practice] = await mart<{ practice_ods_code: string; integrated_within_3_days_count: number; integrated_within_3_days_percent_of_received: number | null }>(
      `select practice_ods_code, integrated_within_3_days_count, integrated_within_3_days_percent_of_received
       from gp2gp_marts.practice_metrics_monthly where received_count > 0
       qualify metric_month = max(metric_month) over ()
       order by requested_count desc, practice_ods_code limit 1`,
    );
    const { page } = await site.openReady(`/practices/${practice!.practice_ods_code}/`);
    const newest = () => cellText(rowsOf(page, "integration-times").first(), 2);
    expect(await newest()).toBe(percent1(practice!.integrated_within_3_days_percent_of_received));
    await page.getByLabel("Units", { exact: true }).selectOption("numbers");
    expect(await newest()).toBe(count(practice!.integrated_within_3_days_count));
  });

  it("finds practices and Sub ICB Locations by part of a name or code, in any case, and opens the one chosen", async () => {
    const [practice] = await mart<{ practice_ods_code: string; practice_name: string }>(
      `select practice_ods_code, any_value(practice_name) as practice_name from gp2gp_marts.practice_metrics_monthly
       where practice_name is not null group by 1 order by 1 limit 1`,
    );
    const [sicbl] = await mart<{ sicbl_ods_code: string }>("select sicbl_ods_code from gp2gp_marts.sicbl_metrics_monthly order by 1 limit 1");
    const { page } = await site.open("/search/");
    await expect.poll(() => page.locator("[data-search-empty]").count(), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(1);
    const box = page.getByPlaceholder("For example");
    await box.fill(sicbl!.sicbl_ods_code.toLowerCase());
    await expect.poll(() => page.locator(`[data-search-group="areas"] a[href="/sub-icb-locations/${sicbl!.sicbl_ods_code}/"]`).count(), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(1);

    const part = practice!.practice_name.slice(1, 7).toLowerCase();
    await box.fill(part);
    const result = page.locator(`[data-search-group="practices"] a[href="/practices/${practice!.practice_ods_code}/"]`);
    await expect.poll(() => result.count(), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(1);
    expect(await page.locator('[data-search-group="practices"] a').count()).toBeLessThanOrEqual(50);
    await site.screenshot(page, "search");
    // The page is not an Evidence route: SvelteKit's router must load it in full, and its script must start.
    await result.click();
    await page.locator("html[data-gp2gp-ready]").waitFor({ state: "attached", timeout: BROWSER_ACTION_LIMIT_MS });
    expect(new URL(page.url()).pathname).toBe(`/practices/${practice!.practice_ods_code}/`);
    expect(await page.locator("h1").textContent()).toContain(practice!.practice_ods_code);
  });

  it("gives the Sub ICB Location A to Z real letter headings, a letter navigation and Back to top links, linking to the generated pages", async () => {
    const letters = await mart<{ letter: string }>(
      `select distinct upper(left(coalesce(nullif(regexp_replace(any_value(sicbl_name), '^NHS +', '', 'i'), ''), sicbl_ods_code), 1)) as letter
       from gp2gp_marts.sicbl_metrics_monthly group by sicbl_ods_code order by 1`,
    );
    const { page } = await site.open("/sub-icb-locations/");
    const headings = page.locator("h2.markdown[id^='letter-']");
    await expect.poll(() => headings.allTextContents(), { timeout: BROWSER_ACTION_LIMIT_MS }).toEqual(letters.map((l) => l.letter));
    expect(await page.locator("nav#a-to-z a").allTextContents()).toEqual(letters.map((l) => l.letter));
    expect(await page.locator(".gp2gp-letter-panel a[href='#a-to-z']", { hasText: "Back to top" }).count()).toBe(letters.length);
    const size = await headings.first().evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
    const body = await page.locator(".gp2gp-letter-panel li").first().evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
    expect(size, "the letter headings are larger than the list").toBeGreaterThan(body);
    await site.screenshot(page, "sub-icb-locations-a-to-z");

    const link = page.locator(".gp2gp-letter-panel li a").first();
    const href = await link.getAttribute("href");
    await link.click();
    await page.locator("html[data-gp2gp-ready]").waitFor({ state: "attached", timeout: BROWSER_ACTION_LIMIT_MS });
    expect(new URL(page.url()).pathname).toBe(href);
  });

  it("requested nothing outside the site's origin and logged no console error", () => {
    expect(site.opened.length).toBeGreaterThanOrEqual(10);
    expect(site.opened.flatMap((p) => p.offOrigin)).toEqual([]);
    expect(site.opened.flatMap((p) => p.errors)).toEqual([]);
  });
});
