/**
 * The organisation pages of the built reports in a headless Chromium: a region page and its link from its ICBs,
 * a practice page's sending-side and failure-reason tables against the marts, the Sort by / Order dropdowns of a
 * Sub ICB Location's tables (and Units keeping the sorted column), the CSV download with the public site's
 * columns, search by name or code, and the A-Z headings. Every page opened must request nothing outside the site
 * and log no console error. Screenshots go to reports/.work/screenshots/.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the tests are skipped and say so.
 */
import fs from "node:fs";
import { expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { choose, describeInBrowser } from "./browser-support";

/** The data rows of the captioned table whose caption starts with `caption` (Evidence renders rows in the browser). */
const rowsOf = (page: Page, caption: string): Locator => page.locator("figure.gp2gp-figure", { hasText: caption }).locator("tr:has(td):visible");
const cellText = (row: Locator, index: number) => row.locator("td").nth(index).textContent().then((text) => text?.trim());
const firstLink = (page: Page, caption: string) => () => rowsOf(page, caption).first().locator("a").first().getAttribute("href");
const percent1 = (value: unknown) => (value === null ? "n/a" : `${Number(value).toFixed(1)}%`);
/** A percentage as the public site's CSV writes it: the 1 dp value without a trailing ".0", then "%". */
const csvPercent = (value: unknown) => (value === null ? "n/a" : `${Number(value)}%`);
const NEWEST = "qualify metric_month = max(metric_month) over ()";

describeInBrowser("organisation pages in a browser", (site) => {
  const mart = <T>(sql: string) => site.mart<T>(sql);

  it("shows a region's ICBs worst first, compares it with England, and is linked from its ICBs", async () => {
    const [region] = await mart<{ region_ods_code: string; region_name: string }>(
      `select region_ods_code, region_name from gp2gp_marts.region_metrics_monthly ${NEWEST} order by practice_count desc, region_ods_code limit 1`,
    );
    expect(region, "the demo warehouse has a region").toBeDefined();
    const icbs = await mart<{ icb_ods_code: string }>(
      `select icb_ods_code from gp2gp_marts.icb_metrics_monthly where region_ods_code = '${region!.region_ods_code}' ${NEWEST}
       order by not_integrated_within_8_days_percent_of_received desc nulls last, icb_ods_code`,
    );
    const { page } = await site.open(`/regions/${region!.region_ods_code}/`);
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toContain(region!.region_name);
    await expect.poll(firstLink(page, "Table 1:"), { timeout: 30_000 }).toBe(`/icbs/${icbs[0]!.icb_ods_code}/`);
    await expect.poll(() => page.locator("[data-comparison]").textContent(), { timeout: 30_000 }).toMatch(/of the transfers requested by this region's practices[\s\S]*across England/);
    await expect.poll(() => rowsOf(page, "Table 2:").count()).toBe(2);
    await site.screenshot(page, "region");

    const index = await site.open("/regions/");
    await expect.poll(() => index.page.locator(`a[href="/regions/${region!.region_ods_code}/"]`).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await site.screenshot(index.page, "regions");

    const icb = await site.open(`/icbs/${icbs[0]!.icb_ods_code}/`);
    await expect.poll(() => icb.page.locator(`a[href="/regions/${region!.region_ods_code}/"]`).count(), { timeout: 30_000 }).toBeGreaterThan(0);
  });

  it("shows a practice's transfers as the sending practice and its failure reasons and error codes, as the marts give them", async () => {
    const [practice] = await mart<{ ods: string }>(
      `select sending.sending_practice_ods_code as ods
       from gp2gp_marts.sending_practice_metrics_monthly as sending
       inner join gp2gp_marts.practice_failure_reasons_monthly as reasons
         on reasons.practice_ods_code = sending.sending_practice_ods_code and reasons.metric_month = sending.metric_month
       where sending.metric_month = (select max(metric_month) from gp2gp_marts.practice_metrics_monthly)
         and sending.paper_fallback_count > 0
       group by 1 order by count(*) desc, 1 limit 1`,
    );
    expect(practice, "the demo warehouse has a practice both requesting and sending records").toBeDefined();
    const [sending] = await mart<Record<string, number>>(
      `select * from gp2gp_marts.sending_practice_metrics_monthly where sending_practice_ods_code = '${practice!.ods}' order by metric_month desc limit 1`,
    );
    const reasons = await mart<{ status: string; failure_reason: string; transfer_count: number }>(
      `select status, failure_reason, transfer_count from gp2gp_marts.practice_failure_reasons_monthly
       where practice_ods_code = '${practice!.ods}' ${NEWEST.replace("over ()", "over (partition by practice_ods_code)")}
       order by case status when 'Technical failure' then 1 when 'Unclassified failure' then 2 else 3 end, transfer_count desc, failure_reason`,
    );
    const { page } = await site.open(`/practices/${practice!.ods}/`);
    const newestSending = rowsOf(page, "Table 7:").first();
    await expect.poll(() => cellText(newestSending, 1), { timeout: 30_000 }).toBe(Number(sending!.requested_count).toLocaleString("en-GB"));
    expect(await cellText(newestSending, 2)).toBe(`${sending!.integrated_on_time_count} (${percent1(sending!.integrated_on_time_percent)})`);
    expect(await cellText(newestSending, 3)).toBe(`${sending!.paper_fallback_count} (${percent1(sending!.paper_fallback_percent)})`);
    expect(await cellText(newestSending, 4)).toBe(`${sending!.technical_failure_count} (${percent1(sending!.technical_failure_percent)})`);
    expect(await cellText(newestSending, 5)).toBe(`${sending!.process_failure_count} (${percent1(sending!.process_failure_percent)})`);

    const reasonRows = rowsOf(page, "Table 5:");
    await expect.poll(() => reasonRows.count(), { timeout: 30_000 }).toBe(reasons.length);
    expect(await cellText(reasonRows.first(), 1)).toBe(reasons[0]!.failure_reason);
    expect(await cellText(reasonRows.first(), 2)).toBe(String(reasons[0]!.transfer_count));
    expect(await page.locator("figure.gp2gp-figure", { hasText: "Table 6:" }).count()).toBe(1);
    expect(await page.locator("body").textContent()).toContain("report technical failures to your system supplier");
    await site.screenshot(page, "practice-sending-and-failures");
  });

  it("sorts a Sub ICB Location's practices by the column and order chosen, keeping the column when the units change", async () => {
    const [sicbl] = await mart<{ sicbl_ods_code: string }>(
      `select sicbl_ods_code from gp2gp_marts.sicbl_metrics_monthly where received_count > 0 ${NEWEST} order by practice_count desc, sicbl_ods_code limit 1`,
    );
    const practices = (order: string) =>
      mart<{ practice_ods_code: string }>(
        `select practice_ods_code from gp2gp_marts.practice_metrics_monthly where sicbl_ods_code = '${sicbl!.sicbl_ods_code}' ${NEWEST} order by ${order} limit 1`,
      ).then((rows) => `/practices/${rows[0]!.practice_ods_code}/`);
    const { page } = await site.open(`/sub-icb-locations/${sicbl!.sicbl_ods_code}/`);
    const integration = firstLink(page, "Table 1:");
    const requested = firstLink(page, "Table 2:");

    await expect.poll(integration, { timeout: 30_000 }).toBe(await practices("not_integrated_within_8_days_percent_of_received desc nulls last, received_count desc, practice_ods_code"));
    await expect.poll(requested, { timeout: 30_000 }).toBe(await practices("failures_total_percent_of_requested desc nulls last, requested_count desc, practice_ods_code"));

    await choose(page, "Units", "Numbers");
    await expect.poll(integration, { timeout: 30_000 }).toBe(await practices("not_integrated_within_8_days_total desc, received_count desc, practice_ods_code"));
    await choose(page, "Units", "Percentages");

    await choose(page, "Sort by", "Registering practice name");
    await choose(page, "Order", "Ascending");
    const byName = "coalesce(practice_name, practice_ods_code)";
    await expect.poll(integration, { timeout: 30_000 }).toBe(await practices(`${byName} asc, received_count desc, practice_ods_code`));
    await choose(page, "Order", "Descending");
    await expect.poll(integration, { timeout: 30_000 }).toBe(await practices(`${byName} desc, received_count desc, practice_ods_code`));

    await choose(page, "Sort by", "GP2GP transfers received");
    await choose(page, "Order", "Ascending");
    await expect.poll(integration, { timeout: 30_000 }).toBe(await practices("received_count asc, received_count desc, practice_ods_code"));
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
         and metric_month = (select max(metric_month) from gp2gp_marts.national_metrics_monthly where is_final)
       order by practice_ods_code`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const { page } = await site.open(`/sub-icb-locations/${sicbl!.sicbl_ods_code}/`);
    await choose(page, "Which dataset would you like to download?", "Transfers requested");
    await expect.poll(() => page.locator("[data-download-rows]").textContent(), { timeout: 30_000 }).toContain(`${rows.length} row`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download] button").click()]);
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

  it("finds practices and Sub ICB Locations by part of a name or code, in any case, and opens the one chosen", async () => {
    const [practice] = await mart<{ practice_ods_code: string; practice_name: string }>(
      `select practice_ods_code, any_value(practice_name) as practice_name from gp2gp_marts.practice_metrics_monthly
       where practice_name is not null group by 1 order by 1 limit 1`,
    );
    const [sicbl] = await mart<{ sicbl_ods_code: string }>("select sicbl_ods_code from gp2gp_marts.sicbl_metrics_monthly order by 1 limit 1");
    const { page } = await site.open("/search/");
    await expect.poll(() => page.locator("[data-search-empty]").count(), { timeout: 30_000 }).toBe(1);
    const box = page.getByPlaceholder("For example");
    await box.fill(sicbl!.sicbl_ods_code.toLowerCase());
    await expect.poll(() => page.locator(`[data-search-group="areas"] a[href="/sub-icb-locations/${sicbl!.sicbl_ods_code}/"]`).count(), { timeout: 30_000 }).toBe(1);

    const part = practice!.practice_name.slice(1, 7).toLowerCase();
    await box.fill(part);
    const result = page.locator(`[data-search-group="practices"] a[href="/practices/${practice!.practice_ods_code}/"]`);
    await expect.poll(() => result.count(), { timeout: 30_000 }).toBe(1);
    const listed = await page.locator('[data-search-group="practices"] a').count();
    expect(listed).toBeLessThanOrEqual(50);
    await site.screenshot(page, "search");
    await result.click();
    await expect.poll(() => page.url(), { timeout: 30_000 }).toContain(`/practices/${practice!.practice_ods_code}/`);
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toContain(practice!.practice_ods_code);
  });

  it("gives the Sub ICB Location A to Z real letter headings, a letter navigation and Back to top links", async () => {
    const letters = await mart<{ letter: string }>(
      `select distinct upper(left(coalesce(nullif(regexp_replace(any_value(sicbl_name), '^NHS +', '', 'i'), ''), sicbl_ods_code), 1)) as letter
       from gp2gp_marts.sicbl_metrics_monthly group by sicbl_ods_code order by 1`,
    );
    const { page } = await site.open("/sub-icb-locations/");
    const headings = page.locator("h2.markdown[id^='letter-']");
    await expect.poll(() => headings.allTextContents(), { timeout: 30_000 }).toEqual(letters.map((l) => l.letter));
    expect(await page.locator("nav#a-to-z a").allTextContents()).toEqual(letters.map((l) => l.letter));
    expect(await page.locator(".gp2gp-letter-panel a[href='#a-to-z']", { hasText: "Back to top" }).count()).toBe(letters.length);
    const size = await headings.first().evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
    const body = await page.locator(".gp2gp-letter-panel li").first().evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
    expect(size, "the letter headings are larger than the list").toBeGreaterThan(body);
    await site.screenshot(page, "sub-icb-locations-a-to-z");
  });

  it("requested nothing outside the site's origin and logged no console error", () => {
    expect(site.opened.length).toBeGreaterThanOrEqual(8);
    expect(site.opened.flatMap((p) => p.offOrigin)).toEqual([]);
    expect(site.opened.flatMap((p) => p.errors)).toEqual([]);
  });
});
