/**
 * The last step of every reports build, after all its pages are written (Evidence's, and any generated beside them):
 *
 * - a public site passes the leak check (leak-check.ts): no conversation ID or ASID of the data in any file, no
 *   column named like one, no link to a page the public site leaves out;
 * - an internal site carries, on every page, the banner saying it holds transfer-level identifiers and
 *   `<meta name="robots" content="noindex">` (the layout, reports/pages/+layout.svelte, adds them when the build
 *   writes `internal` into reports/components/audience.js), and a robots.txt that turns every crawler away;
 * - then every compressible file gets its .gz and .br (precompress.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { filesUnder } from "../files";
import type { Audience } from "./audience";
import { assertNoLeaks, type IdentifierLookup, type LeakCheckResult } from "./leak-check";
import { precompressSite, type PrecompressResult } from "./precompress";

/** What marks the banner of an internal page (the layout's attribute). */
export const INTERNAL_BANNER = "data-gp2gp-internal";
export const NOINDEX = /<meta name="robots" content="noindex"/;

export interface FinishSiteOptions {
  audience: Audience;
  /** Where a public site's identifiers are looked up (required for a public site). */
  lookup?: IdentifierLookup;
  /** Site paths of the pages a public site leaves out. */
  excludedRoutes?: readonly string[];
  /** The path the site is served under ("" by default). */
  basePath?: string;
  onProgress?: (message: string) => void;
}

export interface FinishSiteResult {
  /** A public site's leak check. */
  leakCheck?: LeakCheckResult;
  /** An internal site's pages, each checked for its banner and noindex. */
  internalPages?: number;
  precompress: PrecompressResult;
}

export async function finishSite(siteDir: string, options: FinishSiteOptions): Promise<FinishSiteResult> {
  let leakCheck: LeakCheckResult | undefined;
  let internalPages: number | undefined;
  if (options.audience === "public") {
    if (!options.lookup) throw new Error("A public site needs the identifiers of its data to check against (FinishSiteOptions.lookup)");
    options.onProgress?.("Checking every file for conversation IDs and ASIDs …");
    leakCheck = await assertNoLeaks(siteDir, { lookup: options.lookup, excludedRoutes: options.excludedRoutes, basePath: options.basePath, onProgress: options.onProgress });
  } else {
    internalPages = assertInternalPages(siteDir);
    fs.writeFileSync(path.join(siteDir, "robots.txt"), "# This site holds transfer-level identifiers: not for search engines.\nUser-agent: *\nDisallow: /\n");
  }
  options.onProgress?.("Compressing (.gz and .br beside each file) …");
  const precompress = await precompressSite(siteDir, { onProgress: options.onProgress });
  return { leakCheck, internalPages, precompress };
}

/** Every HTML page of an internal site has the internal banner and noindex; returns the number of pages. */
export function assertInternalPages(siteDir: string): number {
  const pages = filesUnder(siteDir).filter((file) => file.endsWith(".html"));
  const missing: string[] = [];
  for (const page of pages) {
    const html = fs.readFileSync(page, "utf8");
    const lacks = [html.includes(INTERNAL_BANNER) ? undefined : "the internal banner", NOINDEX.test(html) ? undefined : '<meta name="robots" content="noindex">'].filter(Boolean);
    if (lacks.length > 0) missing.push(`${path.relative(siteDir, page)}: no ${lacks.join(" and no ")}`);
  }
  if (pages.length === 0) throw new Error(`${siteDir} holds no HTML page`);
  if (missing.length > 0) {
    throw new Error(`Every page of an internal site must say it holds transfer-level identifiers and carry noindex (reports/pages/+layout.svelte):\n  ${missing.slice(0, 50).join("\n  ")}`);
  }
  return pages.length;
}
