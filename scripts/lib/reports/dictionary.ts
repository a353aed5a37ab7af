/**
 * The data dictionary and lineage pages of the reports site, generated from the compiled Dataform graph: every
 * declared and built dataset with its description, grain, type, columns, upstream and downstream datasets and the
 * assertions that check it, and a lineage drawing layer by layer.
 *
 * The pages are committed under reports/pages/data-dictionary/ so that `npm run dev -w reports` and every build show
 * them; `gp2gp reports dictionary` writes them again after a model or description changes, and a test fails while
 * they differ from what the graph gives.
 */
import fs from "node:fs";
import path from "node:path";
import { compileProject, targetName, type CompiledGraph, type Target } from "../compile";
import { REPORTS_DIR } from "./build";

/** Where the generated pages go, relative to reports/pages. */
export const DICTIONARY_FOLDER = "data-dictionary";
export const DICTIONARY_DIR = path.join(REPORTS_DIR, "pages", DICTIONARY_FOLDER);

export type DatasetKind = "declaration" | "table" | "incremental" | "view" | "operation";

export interface DictionaryColumn {
  name: string;
  description: string;
}

export interface DictionaryAssertion {
  name: string;
  description: string;
  /** Compiled disabled (the publish gate's assertions, run by the exports). */
  disabled: boolean;
  tags: string[];
}

export interface DictionaryDataset {
  /** schema.name */
  id: string;
  schema: string;
  name: string;
  kind: DatasetKind;
  /** Position of the schema among the layers (raw, staged, correlated, marts; others after). */
  layer: number;
  description: string;
  /** The description's first sentence when it says what one row is ("One row per …"). */
  grain: string | undefined;
  columns: DictionaryColumn[];
  uniqueKey: string[];
  fileName: string;
  tags: string[];
  upstream: string[];
  downstream: string[];
  assertions: DictionaryAssertion[];
}

/** Layers in pipeline order, recognised by the end of the dataset name (the datasets themselves are vars). */
const LAYER_SUFFIXES = ["raw", "staged", "correlated", "marts"] as const;

function layerOf(schema: string): number {
  const index = LAYER_SUFFIXES.findIndex((suffix) => schema === suffix || schema.endsWith(`_${suffix}`));
  return index < 0 ? LAYER_SUFFIXES.length : index;
}

const idOf = (target: Target): string => targetName(target);

/** What each built-in assertion Dataform generates from a config block checks. */
function builtInAssertion(name: string, dataset: string, uniqueKey: string[]): string | undefined {
  if (/_assertions_uniqueKey_\d+$/.test(name)) return `Built in: no two rows of ${dataset} share the unique key (${uniqueKey.join(", ") || "the configured key"}).`;
  if (/_assertions_rowConditions$/.test(name)) return `Built in: every row of ${dataset} meets its row conditions (key columns not null, values in range).`;
  return undefined;
}

/** The datasets of the compiled graph with their lineage and assertions, in layer then name order. */
export function dictionaryDatasets(graph: CompiledGraph): DictionaryDataset[] {
  const datasets = new Map<string, DictionaryDataset>();
  const dependencies = new Map<string, Target[]>();
  const add = (
    target: Target,
    kind: DatasetKind,
    fileName: string,
    descriptor: { description?: string; columns?: { path: string[]; description?: string }[] } | undefined,
    extra: { uniqueKey?: string[]; tags?: string[]; dependencyTargets?: Target[] },
  ) => {
    const id = idOf(target);
    const description = (descriptor?.description ?? "").trim();
    const firstSentence = /^(.*?\.)(\s|$)/.exec(description)?.[1];
    datasets.set(id, {
      id,
      schema: target.schema,
      name: target.name,
      kind,
      layer: layerOf(target.schema),
      description,
      grain: firstSentence && /^(one|a) row (per|for)\b/i.test(firstSentence) ? firstSentence : undefined,
      columns: (descriptor?.columns ?? []).map((column) => ({ name: column.path.join("."), description: (column.description ?? "").trim() })),
      uniqueKey: extra.uniqueKey ?? [],
      fileName,
      tags: extra.tags ?? [],
      upstream: [],
      downstream: [],
      assertions: [],
    });
    dependencies.set(id, extra.dependencyTargets ?? []);
  };
  for (const declaration of graph.declarations) add(declaration.target, "declaration", declaration.fileName, declaration.actionDescriptor, {});
  for (const table of graph.tables) {
    if (table.disabled) continue;
    add(table.target, table.type, table.fileName, table.actionDescriptor, table);
  }
  for (const operation of graph.operations) {
    if (operation.disabled || !operation.hasOutput) continue;
    add(operation.target, "operation", operation.fileName, operation.actionDescriptor, operation);
  }
  for (const [id, targets] of dependencies) {
    const dataset = datasets.get(id)!;
    for (const target of targets) {
      const upstream = datasets.get(idOf(target));
      if (!upstream || upstream.id === id) continue;
      if (!dataset.upstream.includes(upstream.id)) dataset.upstream.push(upstream.id);
      if (!upstream.downstream.includes(id)) upstream.downstream.push(id);
    }
  }
  for (const assertion of graph.assertions) {
    const checked = new Set([...(assertion.dependencyTargets ?? []), ...(assertion.parentAction ? [assertion.parentAction] : [])].map(idOf));
    for (const id of checked) {
      const dataset = datasets.get(id);
      if (!dataset) continue;
      const description = assertion.actionDescriptor?.description?.trim() || builtInAssertion(assertion.target.name, dataset.name, dataset.uniqueKey) || "";
      dataset.assertions.push({ name: assertion.target.name, description, disabled: assertion.disabled ?? false, tags: assertion.tags ?? [] });
    }
  }
  const byLayerThenName = (a: DictionaryDataset, b: DictionaryDataset) => a.layer - b.layer || a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name);
  const sorted = [...datasets.values()].sort(byLayerThenName);
  for (const dataset of sorted) {
    const order = (ids: string[]) => ids.map((id) => datasets.get(id)!).sort(byLayerThenName).map((d) => d.id);
    dataset.upstream = order(dataset.upstream);
    dataset.downstream = order(dataset.downstream);
    dataset.assertions.sort((a, b) => a.name.localeCompare(b.name));
  }
  return sorted;
}

/** Text for an Evidence (mdsvex) page: HTML-escaped, braces escaped so Svelte does not read them, `code` kept. */
export function pageText(text: string): string {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\{/g, "&#123;")
    .replace(/\}/g, "&#125;");
  return escaped.replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** The HTML id of a dataset's section. */
export const anchorOf = (id: string): string => `dataset-${id.replace(/[^A-Za-z0-9_-]+/g, "-")}`;

/**
 * Links are relative (the dictionary is /data-dictionary/, the lineage page /data-dictionary/lineage/), so that they
 * hold wherever the site is served from, a published edition's folder included.
 */
type From = "dictionary" | "lineage";
const hrefOf = (id: string, from: From): string => `${from === "dictionary" ? "" : "../"}#${anchorOf(id)}`;
const link = (id: string, from: From): string => `<a href="${hrefOf(id, from)}" style="${STYLE.a}">${pageText(id)}</a>`;
const list = (ids: string[], none: string, from: From): string => (ids.length === 0 ? none : ids.map((id) => link(id, from)).join(", "));

const KIND_LABEL: Record<DatasetKind, string> = {
  declaration: "source table (loaded by gp2gp load, declared)",
  table: "table (rebuilt each run)",
  incremental: "incremental table",
  view: "view",
  operation: "table kept by an operation",
};

const GENERATED_NOTE =
  "<!-- Generated from the compiled Dataform graph by `gp2gp reports dictionary` (scripts/lib/reports/dictionary.ts): do not edit by hand. -->";

/**
 * Inline styles in the site's look: the generated markup is raw HTML, which the site's Markdown styles do not reach.
 */
const STYLE = {
  h2: "font-size:1.35rem;font-weight:700;color:#212b32;margin:2.25rem 0 0.5rem;padding-top:0.75rem;border-top:1px solid #d8dde0",
  p: "margin:0.5rem 0",
  dl: "display:grid;grid-template-columns:max-content 1fr;gap:0.25rem 1rem;margin:0.75rem 0",
  dt: "font-weight:700",
  table: "width:100%;border-collapse:collapse;margin:0.75rem 0 1rem;font-size:0.9rem",
  caption: "text-align:left;font-weight:700;padding-bottom:0.25rem",
  th: "text-align:left;border-bottom:2px solid #768692;padding:0.25rem 0.5rem 0.25rem 0",
  td: "vertical-align:top;border-bottom:1px solid #d8dde0;padding:0.25rem 0.5rem 0.25rem 0",
  ul: "list-style:disc;padding-left:1.5rem;margin:0.5rem 0",
  a: "color:#005eb8;text-decoration:underline",
} as const;

/** The site's "Data updated" line, as on every page. */
const DATA_UPDATED = '{@partial "data-updated.md"}';

function layerName(dataset: DictionaryDataset): string {
  return dataset.layer < LAYER_SUFFIXES.length ? LAYER_SUFFIXES[dataset.layer]! : "other";
}

/** The data dictionary page: every dataset of the graph, layer by layer. */
export function renderDictionaryPage(datasets: DictionaryDataset[]): string {
  const columnCount = datasets.reduce((sum, d) => sum + d.columns.length, 0);
  const lines: string[] = [
    "---",
    "title: Data dictionary",
    "sidebar_position: 90",
    "---",
    "",
    GENERATED_NOTE,
    "",
    "Every dataset behind this site, for analysts who write SQL against the warehouse and data engineers who change the",
    "pipeline: what one row is, each column, the datasets it is built from and those built from it, and the checks that",
    "run on it. The pages read the `gp2gp_marts` datasets only. The [lineage page](/data-dictionary/lineage/) draws",
    "how the layers feed each other, and [definitions and notes](/definitions/) explains the figures in plain words.",
    "",
    `The warehouse has ${datasets.length} datasets with ${columnCount} columns, in these layers:`,
    "",
  ];
  for (let layer = 0; layer <= LAYER_SUFFIXES.length; layer++) {
    const inLayer = datasets.filter((d) => d.layer === layer);
    if (inLayer.length === 0) continue;
    lines.push(`- **${layerName(inLayer[0]!)}** (${[...new Set(inLayer.map((d) => `<code>${pageText(d.schema)}</code>`))].join(", ")}): ${inLayer.map((d) => link(d.id, "dictionary")).join(", ")}`);
  }
  lines.push("");
  for (const dataset of datasets) lines.push(renderDataset(dataset), "");
  lines.push(DATA_UPDATED);
  return `${lines.join("\n").trimEnd()}\n`;
}

/** One dataset as a single HTML block (no blank line inside, so Markdown leaves it as written). */
function renderDataset(d: DictionaryDataset): string {
  const out: string[] = [];
  out.push(`<section class="gp2gp-dataset" id="${anchorOf(d.id)}" data-dataset="${pageText(d.id)}">`);
  out.push(`<h2 style="${STYLE.h2}">${pageText(d.id)}</h2>`);
  out.push(`<p style="${STYLE.p}">${pageText(d.description || "No description.")}</p>`);
  out.push(`<dl style="${STYLE.dl}">`);
  out.push(`<dt style="${STYLE.dt}">Grain</dt><dd>${d.grain ? pageText(d.grain) : "See the description."}</dd>`);
  out.push(`<dt style="${STYLE.dt}">Type</dt><dd>${KIND_LABEL[d.kind]}${d.uniqueKey.length > 0 ? `; unique key ${d.uniqueKey.map((k) => `<code>${pageText(k)}</code>`).join(", ")}` : ""}</dd>`);
  out.push(`<dt style="${STYLE.dt}">Defined in</dt><dd><code>${pageText(d.fileName)}</code></dd>`);
  out.push(`<dt style="${STYLE.dt}">Built from</dt><dd data-upstream>${list(d.upstream, "nothing in the graph (loaded from files)", "dictionary")}</dd>`);
  out.push(`<dt style="${STYLE.dt}">Used by</dt><dd data-downstream>${list(d.downstream, "no other dataset", "dictionary")}</dd>`);
  out.push("</dl>");
  out.push(`<table class="gp2gp-dictionary-table" style="${STYLE.table}">`);
  out.push(`<caption style="${STYLE.caption}">Columns of ${pageText(d.id)}</caption>`);
  out.push(`<thead><tr><th scope="col" style="${STYLE.th}">Column</th><th scope="col" style="${STYLE.th}">Description</th></tr></thead>`);
  out.push("<tbody>");
  if (d.columns.length === 0) out.push(`<tr><td colspan="2" style="${STYLE.td}">No columns described.</td></tr>`);
  for (const column of d.columns) out.push(`<tr><td style="${STYLE.td}"><code>${pageText(column.name)}</code></td><td style="${STYLE.td}">${pageText(column.description || "Not described.")}</td></tr>`);
  out.push("</tbody>");
  out.push("</table>");
  if (d.assertions.length > 0) {
    out.push(`<p class="gp2gp-dataset-checks" style="${STYLE.p}"><strong>Checks on ${pageText(d.name)}</strong></p>`);
    out.push(`<ul style="${STYLE.ul}">`);
    for (const assertion of d.assertions) {
      const gate = assertion.disabled ? " (publish gate: run by the exports before writing)" : "";
      out.push(`<li><code>${pageText(assertion.name)}</code>${gate}: ${pageText(assertion.description || "No description.")}</li>`);
    }
    out.push("</ul>");
  }
  out.push("</section>");
  return out.join("\n");
}

const NODE = { width: 236, height: 26, gapY: 8, gapX: 96, margin: 16, header: 28 } as const;

/** The lineage page: a drawing of the datasets by layer with their dependencies, and the same as lists. */
export function renderLineagePage(datasets: DictionaryDataset[]): string {
  const layers = [...new Set(datasets.map((d) => d.layer))].sort((a, b) => a - b);
  const position = new Map<string, { x: number; y: number }>();
  let tallest = 0;
  layers.forEach((layer, column) => {
    const inLayer = orderInLayer(datasets.filter((d) => d.layer === layer), position);
    inLayer.forEach((d, row) => {
      position.set(d.id, { x: NODE.margin + column * (NODE.width + NODE.gapX), y: NODE.margin + NODE.header + row * (NODE.height + NODE.gapY) });
    });
    tallest = Math.max(tallest, inLayer.length);
  });
  const width = NODE.margin * 2 + layers.length * NODE.width + (layers.length - 1) * NODE.gapX;
  const height = NODE.margin * 2 + NODE.header + tallest * (NODE.height + NODE.gapY);
  const svg: string[] = [
    `<svg class="gp2gp-lineage" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="lineage-title lineage-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="lineage-title">Lineage of the warehouse datasets</title>`,
    `<desc id="lineage-desc">Each box is a dataset, in columns by layer from the raw exports on the left to the marts on the right; each line joins a dataset to one it is built from. The lists below the drawing give the same links.</desc>`,
  ];
  layers.forEach((layer, column) => {
    const sample = datasets.find((d) => d.layer === layer)!;
    svg.push(`<text x="${NODE.margin + column * (NODE.width + NODE.gapX)}" y="${NODE.margin + 14}" font-size="14" font-weight="bold" fill="#212b32">${pageText(layerName(sample))} (${pageText(sample.schema)})</text>`);
  });
  for (const d of datasets) {
    const to = position.get(d.id)!;
    for (const upstreamId of d.upstream) {
      const from = position.get(upstreamId)!;
      const x1 = from.x + NODE.width;
      const y1 = from.y + NODE.height / 2;
      const x2 = to.x;
      const y2 = to.y + NODE.height / 2;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      svg.push(`<path d="M${x1} ${y1} C${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}" fill="none" stroke="#768692" stroke-opacity="0.55" stroke-width="1"/>`);
    }
  }
  for (const d of datasets) {
    const p = position.get(d.id)!;
    const fill = d.kind === "declaration" ? "#e8edee" : d.layer === 3 ? "#005eb8" : "#ffffff";
    const text = d.layer === 3 ? "#ffffff" : "#212b32";
    svg.push(
      `<a href="${hrefOf(d.id, "lineage")}"><rect x="${p.x}" y="${p.y}" width="${NODE.width}" height="${NODE.height}" rx="3" fill="${fill}" stroke="#005eb8"/>` +
        `<text x="${p.x + 8}" y="${p.y + 17}" font-size="13" fill="${text}">${pageText(d.name)}</text></a>`,
    );
  }
  svg.push("</svg>");

  const lines: string[] = [
    "---",
    "title: Lineage",
    "sidebar_position: 91",
    "---",
    "",
    GENERATED_NOTE,
    "",
    "How the datasets behind this site are built from each other, for data engineers changing the pipeline and analysts",
    "tracing a figure back to the Spine messages. Each layer is built only from the layers to its left: the raw Spine",
    "exports and reference files, the typed staged tables, the classification steps (correlated) and the marts the",
    "pages read. Select a box to open the dataset in the [data dictionary](/data-dictionary/).",
    "",
    `<figure class="gp2gp-lineage-figure" style="margin:1.25rem 0 1.75rem"><figcaption style="${STYLE.caption}">Figure 1: Datasets by layer and what each is built from (the lists below give the same links)</figcaption>`,
    svg.join("\n"),
    "</figure>",
    "",
  ];
  for (const layer of layers) {
    const inLayer = datasets.filter((d) => d.layer === layer);
    lines.push(`<h2 style="${STYLE.h2}">${pageText(layerName(inLayer[0]!))} (${pageText(inLayer[0]!.schema)})</h2>`, `<ul style="${STYLE.ul}">`);
    for (const d of inLayer) {
      lines.push(`<li data-lineage="${pageText(d.id)}">${link(d.id, "lineage")}: built from ${list(d.upstream, "files loaded by gp2gp load", "lineage")}; used by ${list(d.downstream, "no other dataset", "lineage")}</li>`);
    }
    lines.push("</ul>", "");
  }
  lines.push(DATA_UPDATED);
  return `${lines.join("\n").trimEnd()}\n`;
}

/** Orders a layer's datasets by the mean row of their upstream datasets already placed, then by name. */
function orderInLayer(inLayer: DictionaryDataset[], placed: Map<string, { x: number; y: number }>): DictionaryDataset[] {
  const weight = (d: DictionaryDataset) => {
    const ys = d.upstream.map((id) => placed.get(id)?.y).filter((y): y is number => y !== undefined);
    return ys.length === 0 ? Number.POSITIVE_INFINITY : ys.reduce((a, b) => a + b, 0) / ys.length;
  };
  return [...inLayer].sort((a, b) => weight(a) - weight(b) || a.name.localeCompare(b.name));
}

/** The generated pages, keyed by their path under the dictionary folder. */
export function dictionaryPages(graph: CompiledGraph): Record<string, string> {
  const datasets = dictionaryDatasets(graph);
  return { "index.md": renderDictionaryPage(datasets), "lineage.md": renderLineagePage(datasets) };
}

/** Compiles the project (as the runner does, for DuckDB: datasets and descriptions are the same for BigQuery). */
export async function compileDictionary(projectDir?: string): Promise<Record<string, string>> {
  return dictionaryPages(await compileProject({ engine: "duckdb", projectDir }));
}

/** Writes the pages into `dir` (default reports/pages/data-dictionary), returning the files written. */
export async function writeDictionary(dir: string = DICTIONARY_DIR): Promise<string[]> {
  const pages = await compileDictionary();
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(pages).map(([file, text]) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, text);
    return target;
  });
}
