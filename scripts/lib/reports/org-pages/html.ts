/**
 * The organisation pages' HTML pieces: the site frame (header and navigation as the Evidence pages have them, phase
 * banner, breadcrumbs, footer), names as the public site shows them, months, headline figures, controls, tables and
 * the chart. Every value written into HTML goes through `escapeHtml` (attributes and text alike).
 */
import INTERNAL_BANNER from "../../../../reports/components/internal-banner.json";
import OUTCOME_COLOURS from "../../../../reports/components/outcome-colours.json";
import type { Audience } from "../audience";
import { orgPagesScript, type DecodedPageData, type MonthOption, type PageData, type PageState, type Table } from "./shared";

export const escapeHtml = (value: unknown): string => orgPagesScript().escapeHtml(value);

/** The site's assets as the pages link them (content-hashed names, written once per build). */
export interface SiteAssets {
  css: string;
  js: string;
}

/** What the frame needs to know of the site. */
export interface SiteFrame {
  /** "" or "/editions/2026-08". */
  base: string;
  assets: SiteAssets;
  /** Who the site is for: an internal site's pages carry its banner and noindex, as the layout's do. */
  audience: Audience;
  /** Whether the internal operations page is in this build. */
  hasOperations: boolean;
  /** "Data updated: …" line. */
  freshness: { extractedAt: string | null; dataWatermarkAt: string | null };
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "2026-08-01" → "August 2026". */
export function monthName(month: string): string {
  const [year, number] = month.split("-");
  return `${MONTHS[Number(number) - 1]} ${year}`;
}

/** "August 2026", or "September 2026 (provisional)". */
export function monthLabel(month: string, isFinal: boolean): string {
  return `${monthName(month)}${isFinal ? "" : " (provisional)"}`;
}

export function monthOption(row: { metric_month: string; is_final: boolean }): MonthOption {
  return { month: row.metric_month, label: monthLabel(row.metric_month, row.is_final), isFinal: row.is_final };
}

/** The month a page opens on: its latest final month, else its newest (all provisional). Rows are newest first. */
export function defaultMonth(rows: readonly { metric_month: string; is_final: boolean }[]): string | undefined {
  return (rows.find((row) => row.is_final) ?? rows[0])?.metric_month;
}

/** A practice name in title case, as the public site shows it ("THE HIGH STREET SURGERY" → "The High Street Surgery"). */
export function titleCase(name: string | null | undefined): string {
  return (name ?? "").toLowerCase().replace(/(^|[\s(\-&/'.,])([a-z])/g, (_match, before: string, letter: string) => before + letter.toUpperCase());
}

/** An area name in title case, keeping NHS, ICB and codes in capitals ("NHS NORTH EAST ICB - 10D"). */
export function areaTitleCase(name: string | null | undefined): string {
  return titleCase(name)
    .replace(/\b(Nhs|Icb)\b/g, (word) => word.toUpperCase())
    .replace(/\b\w*\d\w*\b/g, (code) => code.toUpperCase());
}

/** "Name - ODS" for a practice; the ODS code alone when there is no name. */
export function practiceLabel(name: string | null, ods: string): string {
  return name ? `${titleCase(name)} - ${ods}` : ods;
}

/** A Sub ICB Location's name ends with its code in the reference data ("NHS X ICB - 10D"); add the code when it does not. */
export function sicblLabel(name: string | null, ods: string): string {
  return name && name.toUpperCase().endsWith(ods.toUpperCase()) ? areaTitleCase(name) : `${areaTitleCase(name ?? ods)} - ${ods}`;
}

export function icbLabel(name: string | null, ods: string): string {
  return `${areaTitleCase(name ?? ods)} - ${ods}`;
}

export function regionLabel(name: string | null, ods: string): string {
  return areaTitleCase(name ?? ods);
}

/** The navigation of the Evidence pages, in their order. */
function navigation(site: SiteFrame): { href: string; label: string }[] {
  return [
    { href: "/", label: "National performance" },
    { href: "/trends/", label: "Trends" },
    { href: "/practices/", label: "GP practices" },
    { href: "/sub-icb-locations/", label: "Sub ICB Locations" },
    { href: "/icbs/", label: "ICBs" },
    { href: "/regions/", label: "NHS England regions" },
    { href: "/search/", label: "Find a practice or area" },
    ...(site.hasOperations ? [{ href: "/operations/", label: "Live transfers" }] : []),
    { href: "/data-quality/", label: "Data quality" },
    { href: "/data-dictionary/", label: "Data dictionary" },
    { href: "/definitions/", label: "Definitions" },
  ];
}

export interface PageFrame {
  title: string;
  description: string;
  /** Breadcrumbs after "Home": the last is the page itself (no link). */
  breadcrumbs: { href?: string; label: string }[];
  /** The section of the navigation the page belongs to ("/practices/"). */
  section: string;
  body: string;
  data: PageData;
}

/** A whole page: head, header, navigation, phase banner, breadcrumbs, content, data-updated line, footer. */
export function renderDocument(site: SiteFrame, page: PageFrame): string {
  const link = (href: string) => escapeHtml(`${site.base}${href}`);
  const nav = navigation(site)
    .map((item) => `<li><a href="${link(item.href)}"${item.href === page.section ? ' aria-current="true"' : ""}>${escapeHtml(item.label)}</a></li>`)
    .join("");
  const crumbs = [{ href: "/", label: "Home" }, ...page.breadcrumbs]
    .map((crumb, index, all) => (index === all.length - 1 || !crumb.href ? `<li aria-current="page">${escapeHtml(crumb.label)}</li>` : `<li><a href="${link(crumb.href)}">${escapeHtml(crumb.label)}</a></li>`))
    .join("");
  const freshness = site.freshness.extractedAt
    ? `<p class="gp2gp-updated" data-updated>Data updated: ${escapeHtml(site.freshness.extractedAt)}. The data runs up to ${escapeHtml(site.freshness.dataWatermarkAt ?? "no message yet")} (UTC), the latest GP2GP message loaded. New data is added every day; monthly figures become final 15 days after the month ends.</p>`
    : "";
  // JSON in a script element: "<" escaped so that no "</script>" or "<!--" can end or change it.
  const json = JSON.stringify(page.data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} - GP2GP transfer insights</title>
<meta name="description" content="${escapeHtml(page.description)}">
${site.audience === "internal" ? '<meta name="robots" content="noindex">\n' : ""}<link rel="icon" href="${link("/favicon.ico")}" sizes="32x32">
<link rel="icon" href="${link("/icon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${link(site.assets.css)}">
<script src="${link(site.assets.js)}" defer></script>
</head>
<body>
<a class="gp2gp-skip" href="#main">Skip to main content</a>
<header class="gp2gp-header">
<a class="gp2gp-service" href="${link("/")}">GP2GP transfer insights</a>
<nav aria-label="Site"><ul>${nav}</ul></nav>
</header>
${
  site.audience === "internal"
    ? `<p class="gp2gp-internal" role="note" data-gp2gp-internal><strong>${escapeHtml(INTERNAL_BANNER.label)}</strong> <span>${escapeHtml(INTERNAL_BANNER.text)}</span></p>\n`
    : ""
}<p class="gp2gp-phase" role="note"><strong>Beta</strong> <span>Figures are built from the NHS Spine's GP2GP messages. Definitions and notes explain how each one is counted.</span></p>
<nav class="gp2gp-breadcrumbs" aria-label="Breadcrumb"><ol>${crumbs}</ol></nav>
<main id="main" class="gp2gp-main">
${page.body}
${freshness}
</main>
<footer class="gp2gp-footer">
<nav aria-label="Pages about this data">
<a href="${link("/definitions/")}">Definitions and notes about this data</a>
<a href="${link("/data-quality/")}">Data quality</a>
<a href="${link("/practices/")}">GP practices</a>
<a href="${link("/sub-icb-locations/")}">Sub ICB Locations</a>
<a href="${link("/icbs/")}">ICBs</a>
<a href="${link("/regions/")}">Regions</a>
<a href="${link("/search/")}">Find a practice or area</a>
<a href="${link("/trends/")}">Trends</a>
${site.hasOperations ? `<a href="${link("/operations/")}">Live transfers (operations)</a>` : ""}
</nav>
<p>Data from NHS Spine GP2GP messages. Do not include personal data if you contact the team about these figures.</p>
</footer>
<script type="application/json" id="gp2gp-page-data">${json}</script>
</body>
</html>
`;
}

/** A table as the page first shows it, rendered by the browser script's own code. */
export function renderTableFigure(table: Table, data: DecodedPageData, state: PageState, note = ""): string {
  return `<figure class="gp2gp-figure"><div class="gp2gp-table-scroll" tabindex="0" role="region" aria-labelledby="${escapeHtml(table.id)}-caption"><table id="${escapeHtml(table.id)}">${orgPagesScript()
    .renderTable(table, data, state)
    .replace("<caption>", `<caption id="${escapeHtml(table.id)}-caption">`)}</table></div>${note}</figure>`;
}

/** A select control, hidden until the script has started (without it the page shows its default view). */
export function renderSelect(options: { id: string; label: string; control: string; table?: string; value: string; choices: { value: string; label: string }[] }): string {
  const choices = options.choices.map((choice) => `<option value="${escapeHtml(choice.value)}"${choice.value === options.value ? " selected" : ""}>${escapeHtml(choice.label)}</option>`).join("");
  return `<div class="gp2gp-control"><label for="${escapeHtml(options.id)}">${escapeHtml(options.label)}</label><select id="${escapeHtml(options.id)}" data-control="${escapeHtml(options.control)}"${options.table ? ` data-table="${escapeHtml(options.table)}"` : ""}>${choices}</select></div>`;
}

export function renderControls(selects: string[]): string {
  return `<div class="gp2gp-controls" data-gp2gp-controls hidden>${selects.join("")}</div>`;
}

export const UNITS_CHOICES = [
  { value: "percentages", label: "Percentages" },
  { value: "numbers", label: "Numbers" },
];
export const ORDER_CHOICES = [
  { value: "descending", label: "Descending" },
  { value: "ascending", label: "Ascending" },
];

/** Headline figures of the month shown first. */
export function renderHeadlines(heading: string, items: { id: string; label: string; value: string; detail?: string }[]): string {
  const cards = items
    .map(
      (item) =>
        `<div class="gp2gp-headline" data-headline="${escapeHtml(item.id)}"><dt class="gp2gp-headline-label">${escapeHtml(item.label)}</dt><dd class="gp2gp-headline-value">${escapeHtml(item.value)}</dd>${
          item.detail ? `<dd class="gp2gp-headline-detail">${escapeHtml(item.detail)}</dd>` : ""
        }</div>`,
    )
    .join("");
  return `<section class="gp2gp-summary" aria-labelledby="headline-heading"><h2 id="headline-heading">${escapeHtml(heading)}</h2><dl class="gp2gp-headlines">${cards}</dl></section>`;
}

/** The public site's download form; shown once the script has started, a note without it. */
export function renderDownload(base: string, rowsNote: string): string {
  return `<section class="gp2gp-download" aria-labelledby="download-heading">
<h2 id="download-heading">Download data</h2>
<p>The same figures as the public GP Registrations Data site's download, with its column names: one row per practice and month, for the months whose figures are final. <a href="${escapeHtml(`${base}/definitions/`)}" target="_blank" rel="noopener">Definitions and notes about this data (opens in a new tab)</a>.</p>
<p data-gp2gp-no-script>To download this data, turn on JavaScript, or email gp-registrations-data@nhs.net for it (do not include personal data).</p>
<form data-download data-gp2gp-controls hidden>
<fieldset><legend>Which dataset would you like to download?</legend>
<label><input type="radio" name="dataset" value="requested"> Transfers requested</label>
<label><input type="radio" name="dataset" value="integration"> Integration times</label>
<label><input type="radio" name="dataset" value="all" checked> All</label>
</fieldset>
<fieldset><legend>What timeframe would you like data for?</legend>
<label><input type="radio" name="timeframe" value="latest"> Latest month</label>
<label><input type="radio" name="timeframe" value="six" checked> Last 6 months</label>
</fieldset>
<p>Data will be downloaded in CSV format. <span data-download-rows>${escapeHtml(rowsNote)}</span></p>
<button type="submit">Download</button>
</form>
</section>`;
}

/** Links to related pages, as a list. */
export function renderRelated(base: string, links: { href: string; label: string }[]): string {
  return `<nav class="gp2gp-related" aria-label="Related pages"><ul>${links.map((l) => `<li><a href="${escapeHtml(`${base}${l.href}`)}">${escapeHtml(l.label)}</a></li>`).join("")}</ul></nav>`;
}

/** The integration bands of a month, in percent of transfers received, as the marts give them. */
export interface BandMonth {
  month: string;
  isFinal: boolean;
  within3: number | null;
  within8: number | null;
  notWithin8: number | null;
}

/** The chart's bands, coloured as the same outcomes are on every chart of the site. */
const BANDS = [
  { key: "within3", label: "Within 3 days", colour: OUTCOME_COLOURS["Within 3 days"] },
  { key: "within8", label: "After 3, within 8 days", colour: OUTCOME_COLOURS["After 3, within 8 days"] },
  { key: "notWithin8", label: "Not within 8 days", colour: OUTCOME_COLOURS["Not within 8 days"] },
] as const;

const SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Transfers received each month by integration band, as a 100% stacked bar chart in SVG, oldest month first. A
 * provisional month's bar is hatched and its label says "(provisional)". The chart's text alternative is the table
 * named by `tableId`, which holds the same figures.
 */
export function renderBandChart(id: string, title: string, months: readonly BandMonth[], tableId: string): string {
  const ordered = [...months].reverse();
  const width = 640;
  const height = 300;
  const left = 48;
  const top = 16;
  const plotHeight = 200;
  const slot = (width - left - 8) / Math.max(ordered.length, 1);
  const barWidth = Math.min(56, slot * 0.6);
  const y = (percent: number) => top + plotHeight - (percent / 100) * plotHeight;
  const grid = [0, 25, 50, 75, 100]
    .map((tick) => `<line x1="${left}" x2="${width - 8}" y1="${y(tick)}" y2="${y(tick)}" class="gp2gp-grid"/><text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick}%</text>`)
    .join("");
  const bars = ordered
    .map((month, index) => {
      const x = left + slot * index + (slot - barWidth) / 2;
      let base = 0;
      const segments = BANDS.map((band) => {
        const value = month[band.key] ?? 0;
        const rect = `<rect x="${x.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${band.colour}"${month.isFinal ? "" : ` fill-opacity="0.55"`}><title>${escapeHtml(`${monthLabel(month.month, month.isFinal)}: ${band.label} ${month[band.key] === null ? "n/a" : `${month[band.key]!.toFixed(1)}%`}`)}</title></rect>`;
        base += value;
        return rect;
      }).join("");
      const [year, number] = month.month.split("-");
      const cx = x + barWidth / 2;
      const label = `<text x="${cx.toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle">${SHORT_MONTHS[Number(number) - 1]} ${year}</text>${month.isFinal ? "" : `<text x="${cx.toFixed(1)}" y="${top + plotHeight + 30}" text-anchor="middle" class="gp2gp-provisional">(provisional)</text>`}`;
      return segments + label + (month.isFinal ? "" : `<rect x="${x.toFixed(1)}" y="${top}" width="${barWidth.toFixed(1)}" height="${plotHeight}" fill="url(#${escapeHtml(id)}-hatch)"/>`);
    })
    .join("");
  const legend = BANDS.map((band, index) => `<rect x="${left + index * 190}" y="${height - 22}" width="12" height="12" fill="${band.colour}"/><text x="${left + index * 190 + 18}" y="${height - 12}">${escapeHtml(band.label)}</text>`).join("");
  return `<figure class="gp2gp-figure gp2gp-chart"><svg id="${escapeHtml(id)}" role="img" viewBox="0 0 ${width} ${height}" aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" xmlns="http://www.w3.org/2000/svg">
<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title>
<desc id="${escapeHtml(id)}-desc">Percent of transfers received in each month integrated within 3 days, after 3 and within 8 days, and not within 8 days, oldest month first; provisional months are hatched. The figures are in the table with id ${escapeHtml(tableId)}.</desc>
<defs><pattern id="${escapeHtml(id)}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>
${grid}${bars}${legend}
</svg><figcaption>${escapeHtml(title)}. <a href="#${escapeHtml(tableId)}">The same figures as a table</a>.</figcaption></figure>`;
}
