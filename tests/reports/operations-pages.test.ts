/**
 * The operations and report-mart pages, the data dictionary and the national page's additions, in a headless
 * Chromium over the shared test build (tests/reports/site.ts, the public site; the transfer-level pages of the
 * internal site are opened by publish.test.ts, over its internal edition): each shows a figure
 * equal to its mart's, a selector re-queries in the browser, and nothing is requested outside the site's origin or
 * logged as a console error. Screenshots go to reports/.work/screenshots/.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the test is skipped and says so.
 */
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { asNumber, BROWSER_ACTION_LIMIT_MS, choose, describeInBrowser, headline } from "./browser-support";

const headlineNumber = (page: Page, id: string) => () => headline(page, id).textContent().then(asNumber);
/** The month the pages with a month open on: the latest whose figures are final. */
const LATEST_FINAL_MONTH = "(select max(metric_month) from gp2gp_marts.national_metrics_monthly where is_final)";

describeInBrowser("operations pages in a browser", (browser) => {
  const open = (route: string) => browser.open(route);
  const screenshot = (page: Page, name: string) => browser.screenshot(page, name);
  async function one<T>(sql: string): Promise<T> {
    const [row] = await browser.mart<T>(sql);
    expect(row, sql).toBeDefined();
    return row as T;
  }

  it("shows the supplier pathway outcomes of the latest final month, and re-counts them at another cutoff", async () => {
    const at = (cutoff: number) =>
      one<{ transfers: number }>(
        `select sum(transfer_count) as transfers from gp2gp_marts.supplier_pathway_outcomes
         where cutoff_days = ${cutoff} and date_trunc('month', request_date) = ${LATEST_FINAL_MONTH}`,
      );
    const { page } = await open("/operations/supplier-pathways/");
    await expect.poll(headlineNumber(page, "pathway-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number((await at(14)).transfers));
    const [top] = await browser.mart<{ requesting_supplier: string }>(
      `select requesting_supplier from gp2gp_marts.supplier_pathway_outcomes where cutoff_days = 14
       and date_trunc('month', request_date) = ${LATEST_FINAL_MONTH}
       group by requesting_supplier, sending_supplier order by sum(transfer_count) desc limit 1`,
    );
    await expect.poll(() => page.locator("figure", { hasText: "Table 1:" }).locator("tr:has(td)").first().locator("td").first().textContent()).toContain(top!.requesting_supplier);
    const { month } = await one<{ month: string }>(`select strftime(${LATEST_FINAL_MONTH}, '%B %Y') as month`);
    const shown = await page.getByRole("button", { name: /^Month requested\b/ }).textContent();
    expect(shown).toContain(month);
    expect(shown).not.toContain("provisional");
    await screenshot(page, "operations-supplier-pathways");
    await choose(page, "Cutoff", "0 days (daily report)");
    await expect.poll(headlineNumber(page, "pathway-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number((await at(0)).transfers));
  });

  it("works from the keyboard alone: Tab reaches a dropdown, Enter opens it, the arrow keys move through its options, Enter chooses", async () => {
    const transfersAt = (cutoff: number) =>
      one<{ transfers: number }>(
        `select sum(transfer_count) as transfers from gp2gp_marts.supplier_pathway_outcomes
         where cutoff_days = ${cutoff} and date_trunc('month', request_date) = ${LATEST_FINAL_MONTH}`,
      );
    const { page } = await open("/operations/supplier-pathways/");
    await expect.poll(headlineNumber(page, "pathway-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number((await transfersAt(14)).transfers));
    const focusedText = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() ?? "");
    const reached = async () => {
      for (let presses = 0; presses < 100; presses++) {
        await page.keyboard.press("Tab");
        if (/^Cutoff\b/.test(await focusedText())) return true;
      }
      return false;
    };
    expect(await reached(), "Tab reaches the Cutoff dropdown").toBe(true);
    const search = page.locator("[data-cmdk-input]");
    // As a pointer user may, the keyboard user tries again while the dropdown's options are still loading.
    await expect
      .poll(
        async () => {
          if (await search.isVisible()) return true;
          await page.keyboard.press("Enter");
          return search.waitFor({ state: "visible", timeout: 3_000 }).then(() => true, () => false);
        },
        { timeout: 60_000, interval: 0 },
      )
      .toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute("data-cmdk-input") ?? false), { message: "the search box has the focus" }).toBe(true);
    const highlighted = () => page.locator("[data-cmdk-item][aria-selected=true]").textContent().then((text) => text?.trim());
    for (let presses = 0; presses < 5 && (await highlighted()) !== "0 days (daily report)"; presses++) await page.keyboard.press("ArrowDown");
    expect(await highlighted()).toBe("0 days (daily report)");
    await page.keyboard.press("Enter");
    await expect.poll(() => search.count(), { message: "the list closes once an option is chosen" }).toBe(0);
    await expect.poll(headlineNumber(page, "pathway-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number((await transfersAt(0)).transfers));
    expect(await page.getByRole("button", { name: /^Cutoff\b/ }).textContent()).toContain("0 days");
  });

  it("shows the journey stages of the latest final month: transfers reaching each stage and where they stopped", async () => {
    const stages = await browser.mart<{ stage_order: number; transfers_reached: number; transfers_ended: number }>(
      `select stage_order, transfers_reached, transfers_ended from gp2gp_marts.journey_stages_monthly
       where metric_month = ${LATEST_FINAL_MONTH} and cutoff_days = 14 and requesting_supplier = 'All' and sending_supplier = 'All'
       order by stage_order`,
    );
    expect(stages.map((s) => Number(s.stage_order))).toEqual([1, 2, 3, 4, 5]);
    const { page } = await open("/journeys/");
    await expect.poll(headlineNumber(page, "journey-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(stages[0]!.transfers_reached));
    const stoppedEarly = stages.filter((s) => Number(s.stage_order) < 5).reduce((sum, s) => sum + Number(s.transfers_ended), 0);
    await expect.poll(headlineNumber(page, "journey-stopped-early")).toBe(stoppedEarly);
    const table = page.locator("figure", { hasText: "Table 1:" });
    await expect.poll(() => table.locator("tr:has(td)").first().locator("td").first().textContent()).toBe("1. Requested");
    for (const stage of ["2. Request acknowledged", "3. Core EHR sent", "4. Fragments sent", "5. Core EHR acknowledged"]) await expect.poll(() => table.getByText(stage, { exact: true }).count()).toBeGreaterThan(0);
    const { month } = await one<{ month: string }>(`select strftime(${LATEST_FINAL_MONTH}, '%B %Y') as month`);
    expect(await page.getByRole("button", { name: /^Month requested\b/ }).textContent()).toContain(month);
    await screenshot(page, "journeys");
  });

  it("ranks the improvement opportunities of the latest final month, each linking to its page", async () => {
    const ranked = await browser.mart<{ opportunity_rank: number; avoidable_paper_fallbacks: number; page_path: string | null }>(
      `select opportunity_rank, avoidable_paper_fallbacks, page_path from gp2gp_marts.improvement_opportunities
       where metric_month = ${LATEST_FINAL_MONTH} order by opportunity_rank`,
    );
    expect(ranked.length).toBeGreaterThan(0);
    const { page } = await open("/opportunities/");
    await expect.poll(headlineNumber(page, "top-opportunity"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(ranked[0]!.avoidable_paper_fallbacks));
    const topTen = ranked.filter((r) => Number(r.opportunity_rank) <= 10).reduce((sum, r) => sum + Number(r.avoidable_paper_fallbacks), 0);
    expect(await headlineNumber(page, "top-ten-avoidable")()).toBe(topTen);
    const table = page.locator("figure", { hasText: "Table 2:" });
    await expect.poll(() => table.locator("tr:has(td)").first().locator("td").first().textContent()).toBe("1");
    if (ranked[0]!.page_path) expect(await table.locator("tr:has(td)").first().locator("a").first().getAttribute("href")).toContain(ranked[0]!.page_path);
    await screenshot(page, "opportunities");
  });

  it("shows the daily technical failure rate with its alert days and settings, per cutoff", async () => {
    const alerts = (cutoff: number) =>
      one<{ alert_days: number; threshold: number }>(
        `select count(*) filter (where is_alert) as alert_days, max(alert_threshold_percent) as threshold from gp2gp_marts.technical_failure_rate_daily
         where cutoff_days = ${cutoff} and requesting_supplier = 'All' and sending_supplier = 'All'`,
      );
    // The headline day is the latest final day with enough transfers to alert on; a small warehouse may have none.
    const [latest] = await browser.mart<{ technical_failure_count: number }>(
      `select technical_failure_count from gp2gp_marts.technical_failure_rate_daily
       where cutoff_days = 0 and requesting_supplier = 'All' and sending_supplier = 'All' and is_final and transfer_count >= alert_min_daily_transfers
       order by request_date desc limit 1`,
    );
    const { page } = await open("/operations/technical-failure-rate/");
    if (latest) {
      await expect.poll(headlineNumber(page, "rate-latest-failures"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(latest.technical_failure_count));
    } else {
      await expect.poll(() => page.locator("[data-no-alert-day]").textContent(), { timeout: BROWSER_ACTION_LIMIT_MS }).toMatch(/No final day of this pathway has \d+ transfers or more/);
      expect(await headline(page, "rate-latest-failures").count()).toBe(0);
    }
    const zero = await alerts(0);
    await expect.poll(headlineNumber(page, "rate-alert-days")).toBe(Number(zero.alert_days));
    await expect.poll(() => page.locator("[data-alert-settings]").textContent()).toContain(`threshold ${Number(zero.threshold)}%`);
    await screenshot(page, "operations-technical-failure-rate");
    await choose(page, "Cutoff", "2 days (weekly report)");
    await expect.poll(headlineNumber(page, "rate-alert-days"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number((await alerts(2)).alert_days));
  });

  it("shows the transfers of the latest day hour by hour, every hour of it, an hour without transfers as zero", async () => {
    const day = await one<{ transfers: number; technical: number }>(
      `select sum(transfer_count) as transfers, sum(technical_failure_count) as technical from gp2gp_marts.transfers_by_hour
       where cutoff_days = 0 and cast(request_hour as date) = (select max(cast(request_hour as date)) from gp2gp_marts.transfers_by_hour)`,
    );
    const { page } = await open("/operations/transfers-by-hour/");
    await expect.poll(headlineNumber(page, "hour-transfers"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(day.transfers));
    await expect.poll(headlineNumber(page, "hour-technical-failures")).toBe(Number(day.technical));
    // (Evidence renders a second copy of the table for printing: the first is the one on screen.)
    const rows = page.locator("figure", { hasText: "Table 2:" }).locator("table").first().locator("tr:has(td)");
    await expect.poll(() => rows.count()).toBe(24);
    expect(await rows.first().locator("td").first().textContent()).toMatch(/ 00:00\s*$/);
    await screenshot(page, "operations-transfers-by-hour");
  });

  it("shows the error codes with their meanings", async () => {
    const code = await one<{ error_code: number; description: string; transfers: number }>(
      `select error_code, description, transfer_count as transfers from gp2gp_marts.error_code_summary
       where cutoff_days = 14 and request_month = ${LATEST_FINAL_MONTH} and description is not null
       order by transfer_count desc, error_code limit 1`,
    );
    const { page } = await open("/operations/error-codes/");
    const first = page.locator("figure", { hasText: "Table 2:" }).locator("tr:has(td)").first();
    await expect.poll(() => first.textContent(), { timeout: BROWSER_ACTION_LIMIT_MS }).toContain(code.description);
    expect(asNumber(await first.locator("td").nth(5).textContent())).toBe(Number(code.transfers));
    await screenshot(page, "operations-error-codes");
  });

  it("shows integration times of the latest final month with records integrated late and never integrated", async () => {
    const month = await one<{ late: number; never: number }>(
      `select sum(integrated_late_count) as late, sum(not_integrated_within_14_days_count) as never from gp2gp_marts.sicbl_integration_times
       where cutoff_days = 14 and request_month = ${LATEST_FINAL_MONTH}`,
    );
    const { page } = await open("/operations/integration-times/");
    await expect.poll(headlineNumber(page, "integrated-late"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(month.late));
    await expect.poll(headlineNumber(page, "never-integrated")).toBe(Number(month.never));
    await screenshot(page, "operations-integration-times");
  });

  it("shows the impact estimate with the assumptions used", async () => {
    const latest = await one<{ cost: number; hours_per_record: number; cost_per_hour: number }>(
      `select estimated_staff_cost_gbp as cost, hours_per_paper_record as hours_per_record, cost_per_hour_gbp as cost_per_hour
       from gp2gp_marts.impact_monthly where is_final order by metric_month desc limit 1`,
    );
    const { page } = await open("/operations/impact/");
    await expect.poll(headlineNumber(page, "impact-staff-cost"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Math.round(Number(latest.cost)));
    await expect.poll(() => page.locator("[data-impact-assumptions]").textContent()).toContain(`${Number(latest.hours_per_record)} staff hours per paper record; £${Number(latest.cost_per_hour)} per staff hour`);
    await screenshot(page, "operations-impact");
  });

  it("shows the national technical failure trend, impact and supplier pathways on the home page", async () => {
    const latest = await one<{ hours: number }>(`select estimated_staff_hours as hours from gp2gp_marts.impact_monthly where is_final order by metric_month desc limit 1`);
    const { page } = await open("/");
    await expect.poll(() => page.locator("[data-national-impact]").textContent(), { timeout: BROWSER_ACTION_LIMIT_MS }).toContain(Number(latest.hours).toLocaleString("en-GB"));
    await expect.poll(() => page.locator("figure", { hasText: "Table 4:" }).locator("tr:has(td)").count()).toBeGreaterThan(0);
    await screenshot(page, "home-operations");
  });

  it("shows the data dictionary and lineage generated from the graph, and the data quality freshness", async () => {
    const { page } = await open("/data-dictionary/");
    const transfers = page.locator(`[data-dataset="gp2gp_marts.transfers"]`);
    await expect.poll(() => transfers.locator("caption").textContent()).toBe("Columns of gp2gp_marts.transfers");
    expect(await transfers.locator("td code", { hasText: /^conversation_id$/ }).count()).toBe(1);
    await page.locator(`[data-dataset="gp2gp_marts.national_metrics_monthly"] [data-upstream] a`).first().click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(/^#dataset-gp2gp_/);
    await screenshot(page, "data-dictionary");

    const { page: lineage } = await open("/data-dictionary/lineage/");
    expect(await lineage.locator("svg.gp2gp-lineage rect").count()).toBeGreaterThan(20);
    await screenshot(lineage, "data-dictionary-lineage");

    const { page: quality } = await open("/data-quality/");
    await expect.poll(() => quality.locator("figure", { hasText: "Table 5:" }).textContent(), { timeout: BROWSER_ACTION_LIMIT_MS }).toContain("Latest GP2GP message loaded");
  });

  it("shows on the data quality page the latest run's assertion results as the runner recorded them", async () => {
    const latest = await one<{ passed: number; failed: number; skipped: number }>(
      `select count(*) filter (where status = 'passed') as passed, count(*) filter (where status = 'failed') as failed,
       count(*) filter (where status = 'skipped') as skipped
       from gp2gp_marts.run_assertion_results
       where run_id = (select run_id from gp2gp_marts.run_assertion_results order by run_started_at desc limit 1)`,
    );
    expect(Number(latest.passed)).toBeGreaterThan(0);
    const { page } = await open("/data-quality/");
    const figure = (name: string) => () => page.locator(`[data-latest-assertion-run] [data-${name}]`).textContent().then(asNumber);
    await expect.poll(figure("passed"), { timeout: BROWSER_ACTION_LIMIT_MS }).toBe(Number(latest.passed));
    expect([await figure("failed")(), await figure("skipped")()]).toEqual([Number(latest.failed), Number(latest.skipped)]);
    await expect.poll(() => page.locator("figure", { hasText: "Table 6:" }).locator("tr:has(td)").count()).toBeGreaterThan(0);
    await screenshot(page, "data-quality");
  });

  it("requested nothing outside the site's origin and logged no console error", () => {
    expect(browser.opened.length).toBeGreaterThanOrEqual(9);
    expect(browser.opened.flatMap((p) => p.offOrigin)).toEqual([]);
    expect(browser.opened.flatMap((p) => p.errors)).toEqual([]);
  });
});
