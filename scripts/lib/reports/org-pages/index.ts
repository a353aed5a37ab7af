/**
 * The organisation pages of the reports site, generated as static HTML from the marts' extracts after Evidence has
 * built the other pages: /practices/<ODS>/, /sub-icb-locations/<ODS>/, /icbs/<ODS>/ and /regions/<ODS>/, every
 * page's default view complete in its HTML, with one shared stylesheet and one small script under /org-pages/.
 *
 * Evidence prerenders a templated page in about a second (its queries depend on inputs, so the page holds no figure
 * until DuckDB-WASM runs them in the browser); this writes the national set of about 6,500 pages in seconds, from a
 * few queries (one per table, grouped by organisation), never one query per page. docs/performance.md has the figures.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { breakdownAreas, indexAreas, renderAreaPage, type AreaLevel } from "./area-page";
import type { Audience } from "../audience";
import { loadOrgData, type OrgData } from "./data";
import type { SiteAssets, SiteFrame } from "./html";
import { renderPracticePage } from "./practice-page";
import { SCRIPT_FILE, STYLE_FILE } from "./shared";

/** The site folders of the generated pages; Evidence's index pages (e.g. practices/index.html) stay beside them. */
export const ORG_PAGE_FOLDERS = { practice: "practices", sicbl: "sub-icb-locations", icb: "icbs", region: "regions" } as const;
/** Where the shared stylesheet and script go in the site. */
export const ORG_ASSETS_FOLDER = "org-pages";

export interface OrgPagesProgress {
  done: number;
  total: number;
}

export interface GenerateOrgPagesOptions {
  /** The extracts folder `evidence sources` wrote (with manifest.json). */
  dataDir: string;
  /** The built site to write the pages into. */
  siteDir: string;
  /** The path the site is served under ("" or "/editions/2026-08"). */
  basePath?: string;
  /** Who the site is for (public by default). */
  audience?: Audience;
  onProgress?: (progress: OrgPagesProgress) => void;
}

export interface GenerateOrgPagesResult {
  pages: { practices: number; sicbls: number; icbs: number; regions: number; total: number };
  bytes: number;
  seconds: { load: number; render: number };
}

export async function generateOrgPages(options: GenerateOrgPagesOptions): Promise<GenerateOrgPagesResult> {
  const started = Date.now();
  const data = await loadOrgData(options.dataDir);
  const loaded = Date.now();
  const site: SiteFrame = {
    base: options.basePath ?? "",
    audience: options.audience ?? "public",
    assets: writeAssets(options.siteDir),
    hasOperations: fs.existsSync(path.join(options.siteDir, "operations", "index.html")),
    freshness: data.freshness,
  };
  const result = writePages(site, data, options.siteDir, options.onProgress);
  return { ...result, seconds: { load: (loaded - started) / 1000, render: (Date.now() - loaded) / 1000 } };
}

/** Writes every organisation's page under `siteDir`, reporting progress about every 1% of pages. */
export function writePages(site: SiteFrame, data: OrgData, siteDir: string, onProgress?: (progress: OrgPagesProgress) => void): Omit<GenerateOrgPagesResult, "seconds"> {
  const index = indexAreas(data);
  const breakdowns = breakdownAreas(data, index);
  const areas: [AreaLevel, Map<string, unknown>][] = [
    ["sicbl", data.sicbls],
    ["icb", data.icbs],
    ["region", data.regions],
  ];
  const total = data.practices.size + areas.reduce((sum, [, map]) => sum + map.size, 0);
  const step = Math.max(1, Math.floor(total / 100));
  let done = 0;
  let bytes = 0;
  const write = (folder: string, ods: string, html: string) => {
    if (!/^[A-Za-z0-9]+$/.test(ods)) throw new Error(`Cannot write a page for the ODS code "${ods}": an ODS code is letters and digits only`);
    const dir = path.join(siteDir, folder, ods);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "index.html"), html);
    bytes += Buffer.byteLength(html);
    done++;
    if (done % step === 0 || done === total) onProgress?.({ done, total });
  };
  onProgress?.({ done: 0, total });
  for (const ods of data.practices.keys()) write(ORG_PAGE_FOLDERS.practice, ods, renderPracticePage(site, data, ods));
  for (const [level, map] of areas) {
    for (const ods of map.keys()) write(ORG_PAGE_FOLDERS[level], ods, renderAreaPage(site, data, index, breakdowns, level, ods));
  }
  return { pages: { practices: data.practices.size, sicbls: data.sicbls.size, icbs: data.icbs.size, regions: data.regions.size, total }, bytes };
}

/** Copies the stylesheet and script into the site under content-hashed names (so a host may cache them for good). */
export function writeAssets(siteDir: string): SiteAssets {
  const dir = path.join(siteDir, ORG_ASSETS_FOLDER);
  fs.mkdirSync(dir, { recursive: true });
  const copy = (file: string) => {
    const content = fs.readFileSync(file);
    const hash = crypto.createHash("sha256").update(content).digest("hex").slice(0, 10);
    const name = `${path.basename(file, path.extname(file))}.${hash}${path.extname(file)}`;
    fs.writeFileSync(path.join(dir, name), content);
    return `/${ORG_ASSETS_FOLDER}/${name}`;
  };
  return { css: copy(STYLE_FILE), js: copy(SCRIPT_FILE) };
}
