/**
 * Test support for the reports browser tests: Debian's Chromium driven by playwright-core over the shared built
 * site (site.ts), recording for every page opened the requests that leave the site's origin and the console errors.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { Warehouse } from "../../scripts/lib/duckdb";
import { REPORTS_DIR } from "../../scripts/lib/reports/build";
import { serveStatic, type StaticServer } from "../../scripts/lib/reports/serve";
import { builtSite, SITE_LIMITS, type BuiltSite } from "./site";

export const CHROMIUM = process.env.GP2GP_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = fs.existsSync(CHROMIUM);
/** The limit of a browser action's wait (a hang guard, below the test's own limit in vitest.config.ts). */
export const BROWSER_ACTION_LIMIT_MS = 180_000;
/** Flags that let Debian's Chromium run headless as root with nothing calling home. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const SCREENSHOTS = path.join(REPORTS_DIR, ".work", "screenshots");

export interface OpenedPage {
  page: Page;
  offOrigin: string[];
  errors: string[];
  /** Every request the page and its workers made, in order. */
  requests: string[];
}

/** The requests that fetched the in-browser query engine (DuckDB-WASM: its script, worker and WebAssembly). */
export const engineRequests = (opened: OpenedPage) => opened.requests.filter((url) => /duckdb/i.test(new URL(url).pathname));

/** A built site to open: the folder served as the root, and the warehouse it was built from. */
export type SiteToOpen = Pick<BuiltSite, "siteDir" | "database">;

/** The built site served on this machine, and a browser opening its pages (after `start`). */
export class SiteBrowser {
  readonly opened: OpenedPage[] = [];
  private started?: { site: SiteToOpen; server: StaticServer; browser: Browser };

  /**
   * @param site the site to serve (default: the shared test build, site.ts)
   * @param basePath put in front of every route opened (an edition's /editions/<id>)
   */
  constructor(
    private readonly site: () => Promise<SiteToOpen> = builtSite,
    private readonly basePath = "",
  ) {}

  /** Builds (or reuses) the site, serves it and launches Chromium. */
  async start(): Promise<void> {
    const site = await this.site();
    const server = await serveStatic({ dir: site.siteDir });
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    this.started = { site, server, browser };
  }

  async close(): Promise<void> {
    await this.started?.browser.close();
    await this.started?.server.close();
  }

  private get state(): { site: SiteToOpen; server: StaticServer; browser: Browser } {
    if (!this.started) throw new Error("The site browser has not started (its beforeAll failed or has not run)");
    return this.started;
  }

  /**
   * Opens a generated organisation page and waits for its script's signal that the page is enhanced
   * (`<html data-gp2gp-ready>`): its controls work from then on.
   */
  async openReady(route: string): Promise<OpenedPage> {
    const opened = await this.open(route);
    await opened.page.locator("html[data-gp2gp-ready]").waitFor({ state: "attached", timeout: BROWSER_ACTION_LIMIT_MS });
    return opened;
  }

  /** Opens a page of the site and records requests leaving the origin and console errors from then on. */
  async open(route: string, options: { javaScriptEnabled?: boolean } = {}): Promise<OpenedPage> {
    const { browser, server } = this.state;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, javaScriptEnabled: options.javaScriptEnabled ?? true });
    // Actions wait on their condition (an element to appear, a page to load) up to this limit, which only a hung
    // page reaches: a busy 2-core machine can take far longer than Playwright's 30 s default to lay out a long page.
    context.setDefaultTimeout(BROWSER_ACTION_LIMIT_MS);
    const page = await context.newPage();
    const result: OpenedPage = { page, offOrigin: [], errors: [], requests: [] };
    const origin = new URL(server.url).origin;
    page.on("request", (request) => {
      result.requests.push(request.url());
      const url = new URL(request.url());
      if (url.origin !== origin && url.protocol !== "data:" && url.protocol !== "blob:") result.offOrigin.push(request.url());
    });
    page.on("console", (message) => {
      if (message.type() === "error") result.errors.push(message.text());
    });
    page.on("pageerror", (error) => result.errors.push(error.message));
    const response = await page.goto(`${server.url}${this.basePath}${route}`, { waitUntil: "networkidle", timeout: 60_000 });
    expect(response?.status(), route).toBe(200);
    // Controls respond only once the page's script has started: Evidence's layout marks <html> when the app has
    // hydrated, a generated organisation page when its script is ready. Without JavaScript neither ever comes.
    if (options.javaScriptEnabled ?? true) await page.locator("html[data-gp2gp-hydrated], html[data-gp2gp-ready]").waitFor({ state: "attached", timeout: 60_000 });
    this.opened.push(result);
    return result;
  }

  /** The address the site is served at. */
  get url(): string {
    return this.state.server.url;
  }

  /** A full-page screenshot in reports/.work/screenshots/. */
  async screenshot(page: Page, name: string): Promise<void> {
    await page.waitForTimeout(1_500); // Evidence's charts animate into place
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** Rows of a query against the warehouse the site was built from. */
  async mart<T>(sql: string): Promise<T[]> {
    const warehouse = await Warehouse.open(this.state.site.database, { readOnly: true });
    try {
      return await warehouse.rows<T & Record<string, unknown>>(sql);
    } finally {
      warehouse.close();
    }
  }
}

/**
 * Picks an option of an Evidence dropdown: a button opening a searchable list that renders only the options in
 * view, so the option is searched for first.
 */
export async function choose(page: Page, dropdown: string, option: string): Promise<void> {
  // The button's name is the title it shows, then the option chosen.
  const button = page.getByRole("button", { name: new RegExp(`^${dropdown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`) });
  const search = page.locator("[data-cmdk-input]");
  // A dropdown whose options are still loading does not open: click again until its search box is there (each
  // attempt waits for the box; a slow machine only makes more attempts, up to a minute in all).
  const deadline = Date.now() + 60_000;
  for (;;) {
    await button.click();
    const opened = await search
      .waitFor({ state: "visible", timeout: 3_000 })
      .then(() => true)
      .catch(() => false);
    if (opened) break;
    if (Date.now() > deadline) throw new Error(`The "${dropdown}" dropdown did not open within a minute of clicking it`);
    // a click that did open the list late would be undone by the next one: close whatever is open first
    await page.keyboard.press("Escape");
  }
  await search.fill(option);
  await page.getByRole("option", { name: option, exact: true }).click();
  await page.keyboard.press("Escape");
  // the list closes with an animation: the next dropdown must not find this one's search box
  await expect.poll(() => page.locator("[data-cmdk-input]").count()).toBe(0);
}

/**
 * A describe block over the shared built site in Debian's Chromium: the body's tests use `browser`, started before
 * them and closed after. Without Chromium the block is skipped and says so (`apt-get install -y chromium`; .ci/run
 * installs it).
 */
export function describeInBrowser(name: string, body: (browser: SiteBrowser) => void): void {
  if (!hasChromium) {
    process.stderr.write(`\n${name}: SKIPPED, no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (.ci/run does).\n\n`);
    describe(name, () => {
      it.skip(`is skipped: no Chromium at ${CHROMIUM} (install it with apt-get install -y chromium)`, () => undefined);
    });
    return;
  }
  describe(name, () => {
    const browser = new SiteBrowser();
    beforeAll(() => browser.start(), (SITE_LIMITS.sources + SITE_LIMITS.build + 360) * 1000);
    afterAll(() => browser.close());
    body(browser);
  });
}

/** A headline figure of a page (`data-headline="<id>"`). */
export const headline = (page: Page, id: string) => page.locator(`[data-headline="${id}"] .gp2gp-headline-value`);
/** A figure as shown ("1,234", "£5", "12.3%") as a number. */
export const asNumber = (text: string | null) => Number((text ?? "").replace(/[,£%]/g, ""));
