/**
 * `gp2gp reports publish --month YYYY-MM`: a frozen, versioned edition of the reports site for a reporting month.
 *
 * An edition for month M is the site as the warehouse stands when it is published, whose headline month is M: M must
 * be the latest final month of national_metrics_monthly (an older month is refused, since the marts no longer hold
 * the site as it stood then; the provisional months after M appear, labelled provisional, as on the live site).
 *
 * The publish gate (scripts/lib/gate.ts) runs first: when it fails nothing is written. Editions go to
 * `<tree>/editions/<id>/` (id YYYY-MM, then YYYY-MM-r2, -r3… when the month is published again; an edition is never
 * overwritten), each built under the base path `/editions/<id>` with a manifest.json (what data and code it was built
 * from, and a row count and sha256 of each extract); a revision adds a "What changed" page against the previous one.
 * `<tree>/editions/index.html` lists every edition and `<tree>/index.html` opens the latest. The public tree
 * (default published/) leaves out the internal pages and sources of scripts/lib/reports/audience.ts, and its build
 * passes the leak check (leak-check.ts) before it is moved into place; internal editions go to their own tree
 * (default published-internal/), so the two never mix.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Datasets } from "../../../includes/config";
import { sqlString, Warehouse } from "../duckdb";
import { enforcePublishGate, type GateResult } from "../gate";
import { writeFileAtomically } from "../files";
import { acquireLock } from "../lock";
import { audienceSchema, DEFAULT_TREES, planAudience, type Audience } from "./audience";
import { buildReports } from "./build";
import { PROJECT_DIR } from "../paths";
import { REPORTS_DIR, SOURCE_NAME } from "./project";


const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const EDITION = /^(\d{4}-(?:0[1-9]|1[0-2]))(?:-r([1-9]\d*))?$/;

export const publishOptionsSchema = z.object({
  month: z.string().regex(MONTH, "--month must be a month YYYY-MM"),
  audience: audienceSchema.default("public"),
  /** The tree the edition goes into (default: DEFAULT_TREES[audience]). */
  out: z.string().min(1).optional(),
  database: z.string().min(1),
  /** Compile vars of the publish gate. */
  vars: z.record(z.string(), z.string()).default({}),
  /** Working copy of the reports project (default reports/.work/publish-<audience>). */
  workDir: z.string().min(1).optional(),
  sourcesTimeoutSeconds: z.number().int().positive().optional(),
  buildTimeoutSeconds: z.number().int().positive().optional(),
});
export type PublishOptions = z.input<typeof publishOptionsSchema> & {
  /** The datasets of the project context (the marts read, and those the build reads). */
  datasets: Pick<Datasets, "marts" | "staged">;
  /** Receives Evidence's output as it runs. */
  onOutput?: (text: string) => void;
};

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const editionManifestSchema = z
  .object({
    edition: z.string().regex(EDITION),
    revision: z.number().int().min(1),
    audience: audienceSchema,
    reportingMonth: z.string().regex(MONTH),
    generatedAt: z.string().datetime(),
    /** The latest Spine message loaded into the warehouse (transfers_live.data_watermark_at). */
    dataWatermark: z.string().datetime().nullable(),
    code: z.object({ commit: z.string().regex(/^[0-9a-f]{40}$/).nullable(), dirty: z.boolean().nullable() }),
    versions: z.record(z.string(), z.string()),
    /** The path the edition is served under. */
    basePath: z.string().startsWith("/editions/"),
    previousEdition: z.string().regex(EDITION).nullable(),
    gateChecks: z.array(z.string()),
    excludedPages: z.array(z.string()),
    excludedSources: z.array(z.string()),
    extracts: z
      .array(
        z.object({
          name: z.string().min(1),
          /** The parquet file, relative to the edition folder. */
          file: z.string().min(1),
          rows: z.number().int().min(0),
          bytes: z.number().int().min(0),
          sha256,
        }),
      )
      .min(1),
  })
  .strict()
  .refine((m) => m.edition === editionId(m.reportingMonth, m.revision), { message: "edition must be the reporting month and revision" })
  .refine((m) => m.basePath === `/editions/${m.edition}`, { message: "basePath must be /editions/<edition>" });
export type EditionManifest = z.infer<typeof editionManifestSchema>;
export type ExtractEntry = EditionManifest["extracts"][number];

export interface PublishResult {
  manifest: EditionManifest;
  tree: string;
  editionDir: string;
  indexFile: string;
  gate: GateResult;
  pages: number;
}

/** The edition id of a month's revision: the first is the month itself, later ones YYYY-MM-rN. */
export function editionId(month: string, revision: number): string {
  return revision === 1 ? month : `${month}-r${revision}`;
}

/** The month and revision an edition folder's name stands for, or undefined for other names. */
export function parseEditionId(name: string): { month: string; revision: number } | undefined {
  const match = EDITION.exec(name);
  if (!match || match[2] === "1") return undefined;
  return { month: match[1]!, revision: match[2] ? Number(match[2]) : 1 };
}

/** Reads and validates an edition's manifest.json, naming the file when it is not valid. */
export function readManifest(editionDir: string): EditionManifest {
  const file = path.join(editionDir, "manifest.json");
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: cannot be read as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = editionManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: not a valid edition manifest: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Every edition in a tree, oldest month and revision first. */
export function listEditions(tree: string): EditionManifest[] {
  const dir = path.join(tree, "editions");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && parseEditionId(entry.name))
    .map((entry) => readManifest(path.join(dir, entry.name)))
    .sort((a, b) => a.reportingMonth.localeCompare(b.reportingMonth) || a.revision - b.revision);
}

/** Publishes one edition; see the file comment. */
export async function publishEdition(input: PublishOptions): Promise<PublishResult> {
  const options = publishOptionsSchema.parse(input);
  const tree = path.resolve(options.out ?? DEFAULT_TREES[options.audience]);
  const database = path.resolve(options.database);
  const plan = planAudience(options.audience);

  // Everything that can refuse the edition is checked before anything is written.
  const warehouse = await Warehouse.open(database, { readOnly: true });
  let gate: GateResult;
  let dataWatermark: string | null;
  try {
    gate = (await enforcePublishGate(warehouse, { vars: options.vars })) as GateResult;
    await assertReportingMonth(warehouse, options.month, input.datasets.marts);
    dataWatermark = await latestDataWatermark(warehouse, input.datasets.marts);
  } finally {
    warehouse.close();
  }
  const existing = listEditions(tree);
  const other = existing.find((edition) => edition.audience !== options.audience);
  if (other) throw new Error(`${tree} holds ${other.audience} editions (${other.edition}): ${options.audience} editions go to a tree of their own (--out)`);

  const editionsDir = path.join(tree, "editions");
  fs.mkdirSync(editionsDir, { recursive: true });
  const release = acquireLock(editionsDir, "gp2gp reports publish");
  const workDir = path.resolve(options.workDir ?? path.join(REPORTS_DIR, ".work", `publish-${options.audience}`));
  try {
    const editions = listEditions(tree);
    const previous = editions.filter((edition) => edition.reportingMonth === options.month).at(-1);
    const revision = (previous?.revision ?? 0) + 1;
    const edition = editionId(options.month, revision);
    const editionDir = path.join(editionsDir, edition);
    if (fs.existsSync(editionDir)) throw new Error(`${editionDir} exists but has no manifest of revision ${revision - 1}: move it away; editions are never overwritten`);
    const basePath = `/editions/${edition}`;
    const staging = path.join(editionsDir, `.${edition}.building-${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      const build = await buildReports({
        database,
        datasets: input.datasets,
        outDir: staging,
        workDir,
        sourcesTimeoutSeconds: options.sourcesTimeoutSeconds,
        buildTimeoutSeconds: options.buildTimeoutSeconds,
        onOutput: input.onOutput,
        audience: options.audience,
        project: { basePath },
        afterSources: async ({ workDir: work, dataDir }) => {
          if (previous) {
            const extracts = readExtracts(dataDir, dataDir);
            const changes = await compareEditions(database, path.join(editionsDir, previous.edition), previous, dataDir, extracts, options.month);
            fs.writeFileSync(path.join(work, "pages", WHAT_CHANGED_PAGE), whatChangedMarkdown({ edition, previous, month: options.month, dataWatermark, changes }));
          }
        },
      });
      const manifest = editionManifestSchema.parse({
        edition,
        revision,
        audience: options.audience,
        reportingMonth: options.month,
        generatedAt: new Date().toISOString(),
        dataWatermark,
        code: codeVersion(),
        versions: packageVersions(),
        basePath,
        previousEdition: previous?.edition ?? null,
        gateChecks: gate.checks ?? [],
        excludedPages: plan.excludedPages,
        excludedSources: plan.excludedSources,
        extracts: await describeExtracts(database, staging),
      });
      fs.writeFileSync(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      fs.renameSync(staging, editionDir);
      const all = listEditions(tree);
      writeFileAtomically(path.join(editionsDir, "index.html"), editionsIndexHtml(all));
      writeFileAtomically(path.join(tree, "index.html"), latestEditionHtml(all.at(-1)!));
      return { manifest, tree, editionDir, indexFile: path.join(editionsDir, "index.html"), gate, pages: build.pages };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

/** The latest message time the marts dataset `marts` holds (its transfers_live's data watermark); null when none. */
export function latestDataWatermark(warehouse: Warehouse, marts: string): Promise<string | null> {
  return warehouse.scalar<string | null>(`select max(data_watermark_at) from ${marts}.transfers_live`);
}

/** The reporting month must be the latest final month of the national metrics (of the marts dataset `marts`). */
export async function assertReportingMonth(warehouse: Warehouse, month: string, marts: string): Promise<void> {
  const months = await warehouse.rows<{ month: string; is_final: boolean }>(
    `select strftime(metric_month, '%Y-%m') as month, is_final from ${marts}.national_metrics_monthly order by metric_month`,
  );
  const latestFinal = months.filter((m) => m.is_final).at(-1)?.month;
  const row = months.find((m) => m.month === month);
  if (!row) throw new Error(`--month ${month}: national_metrics_monthly has no figures for ${month} (it has ${months.map((m) => m.month).join(", ") || "no months"})`);
  if (!row.is_final) throw new Error(`--month ${month}: the figures for ${month} are provisional; an edition is published for a final month (latest final: ${latestFinal ?? "none yet"})`);
  if (month !== latestFinal) {
    throw new Error(`--month ${month}: the latest final month is ${latestFinal}; an edition shows the site as the warehouse stands now, so it can only be published for ${latestFinal}`);
  }
}

interface ExtractFile {
  name: string;
  /** Relative to the folder given. */
  file: string;
}

/** The extracts listed in a data folder's manifest.json (Evidence's), with paths relative to `relativeTo`. */
function readExtracts(dataDir: string, relativeTo: string): ExtractFile[] {
  const file = path.join(dataDir, "manifest.json");
  const manifest = z.object({ renderedFiles: z.record(z.string(), z.array(z.string())) }).parse(JSON.parse(fs.readFileSync(file, "utf8")));
  const files = manifest.renderedFiles[SOURCE_NAME] ?? [];
  if (files.length === 0) throw new Error(`${file} lists no extract of the ${SOURCE_NAME} source`);
  return files.map((rendered) => {
    const onDisk = path.join(dataDir, rendered.replace(/^static\/data\//, ""));
    if (!fs.existsSync(onDisk)) throw new Error(`${file} lists ${rendered}, which is not in ${dataDir}`);
    return { name: path.basename(rendered, ".parquet"), file: path.relative(relativeTo, onDisk).split(path.sep).join("/") };
  });
}

/** Row count, size and sha256 of each extract of a built site. */
async function describeExtracts(database: string, siteDir: string): Promise<ExtractEntry[]> {
  const extracts = readExtracts(path.join(siteDir, "data"), siteDir);
  const reader = await Warehouse.open(database, { readOnly: true });
  try {
    const entries: ExtractEntry[] = [];
    for (const extract of extracts) entries.push({ ...extract, ...(await measureExtract(reader, path.join(siteDir, extract.file))) });
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    reader.close();
  }
}

/** Rows (read with DuckDB), size and sha256 of one parquet extract. */
async function measureExtract(reader: Warehouse, file: string): Promise<{ rows: number; bytes: number; sha256: string }> {
  const rows = Number(await reader.scalar<number>(`select count(*) from read_parquet(${sqlString(file)})`));
  const bytes = fs.readFileSync(file);
  return { rows, bytes: bytes.length, sha256: crypto.createHash("sha256").update(bytes).digest("hex") };
}

/** The page a revision adds, under pages/. */
export const WHAT_CHANGED_PAGE = "what-changed.md";

/** The national figures a "What changed" page compares, by column of national_metrics_monthly. */
export const HEADLINE_FIGURES: readonly { column: string; label: string; percent: boolean }[] = [
  { column: "transfer_count", label: "Transfers requested", percent: false },
  { column: "integrated_on_time_count", label: "Integrated within 8 days", percent: false },
  { column: "integrated_on_time_percent", label: "Integrated within 8 days (%)", percent: true },
  { column: "paper_fallback_count", label: "Paper fallback", percent: false },
  { column: "paper_fallback_percent", label: "Paper fallback (%)", percent: true },
  { column: "technical_failure_percent", label: "Technical failures (%)", percent: true },
];

export interface EditionChanges {
  extracts: { name: string; rowsBefore: number | null; rowsNow: number | null; changed: boolean }[];
  headline: { label: string; before: number | null; now: number | null; percent: boolean }[];
  practices: { changed: number; added: number; removed: number };
}

/** Compares the current extracts with a previous edition's, for the reporting month. */
async function compareEditions(database: string, previousDir: string, previous: EditionManifest, dataDir: string, current: ExtractFile[], month: string): Promise<EditionChanges> {
  // The warehouse, opened read-only, reads the parquet files.
  const reader = await Warehouse.open(database, { readOnly: true });
  try {
    const now = new Map<string, { path: string; rows: number; sha256: string }>();
    for (const extract of current) {
      const file = path.join(dataDir, extract.file);
      now.set(extract.name, { path: file, ...(await measureExtract(reader, file)) });
    }
    const before = new Map(previous.extracts.map((e) => [e.name, { ...e, path: path.join(previousDir, e.file) }]));
    const names = [...new Set([...before.keys(), ...now.keys()])].sort();
    const extracts = names.map((name) => ({
      name,
      rowsBefore: before.get(name)?.rows ?? null,
      rowsNow: now.get(name)?.rows ?? null,
      changed: before.get(name)?.sha256 !== now.get(name)?.sha256,
    }));
    const monthRows = (file: string | undefined, table: string) =>
      file ? `select * from read_parquet(${sqlString(file)}) where strftime(cast(metric_month as date), '%Y-%m') = ${sqlString(month)}` : `select * from (select 1) where false /* no ${table} */`;
    const national = async (file: string | undefined) => (file ? (await reader.rows(monthRows(file, "national")))[0] : undefined);
    const [nationalBefore, nationalNow] = [await national(before.get("national_metrics_monthly")?.path), await national(now.get("national_metrics_monthly")?.path)];
    const figure = (row: Record<string, unknown> | undefined, column: string) => (row && row[column] !== null && row[column] !== undefined ? Number(row[column]) : null);
    const headline = HEADLINE_FIGURES.map((f) => ({ label: f.label, percent: f.percent, before: figure(nationalBefore, f.column), now: figure(nationalNow, f.column) }));

    let practices = { changed: 0, added: 0, removed: 0 };
    const [oldFile, newFile] = [before.get("practice_metrics_monthly")?.path, now.get("practice_metrics_monthly")?.path];
    if (oldFile && newFile) {
      const [oldRows, newRows] = [monthRows(oldFile, "practices"), monthRows(newFile, "practices")];
      const row = await reader.rows<{ changed: number; added: number; removed: number }>(
        `with old as (${oldRows}), new as (${newRows}),
         differing as (select practice_ods_code from (select * from new except select * from old) union select practice_ods_code from (select * from old except select * from new))
         select
           (select count(distinct practice_ods_code) from differing where practice_ods_code in (select practice_ods_code from old) and practice_ods_code in (select practice_ods_code from new)) as changed,
           (select count(distinct practice_ods_code) from new where practice_ods_code not in (select practice_ods_code from old)) as added,
           (select count(distinct practice_ods_code) from old where practice_ods_code not in (select practice_ods_code from new)) as removed`,
      );
      practices = { changed: Number(row[0]!.changed), added: Number(row[0]!.added), removed: Number(row[0]!.removed) };
    }
    return { extracts, headline, practices };
  } finally {
    reader.close();
  }
}

/** The "What changed" page of a revision, as Evidence markdown (static: no query, nothing Svelte would read). */
export function whatChangedMarkdown(input: { edition: string; previous: EditionManifest; month: string; dataWatermark: string | null; changes: EditionChanges }): string {
  const { edition, previous, month, changes } = input;
  const number = (value: number | null, percent: boolean) => (value === null ? "none" : percent ? value.toFixed(2) : value.toLocaleString("en-GB"));
  const difference = (before: number | null, now: number | null, percent: boolean) =>
    before === null || now === null ? "not comparable" : now === before ? "no change" : `${now > before ? "+" : ""}${percent ? (now - before).toFixed(2) : (now - before).toLocaleString("en-GB")}`;
  const cell = (text: string) => escapeMarkdown(text);
  const changedExtracts = changes.extracts.filter((e) => e.changed);
  const lines = [
    "---",
    "title: What changed in this edition",
    "sidebar_position: 90",
    "---",
    "",
    cell(
      `This is edition ${edition} of the GP2GP figures for ${monthName(month)}. It replaces edition ${previous.edition}, published ${previous.generatedAt.slice(0, 10)}. ` +
        `Data up to ${formatInstant(input.dataWatermark)} (UTC); the previous edition had data up to ${formatInstant(previous.dataWatermark)}.`,
    ),
    "",
    `## National figures for ${cell(monthName(month))}`,
    "",
    `| Figure | Edition ${cell(previous.edition)} | This edition | Change |`,
    "|---|---:|---:|---:|",
    ...changes.headline.map((h) => `| ${cell(h.label)} | ${number(h.before, h.percent)} | ${number(h.now, h.percent)} | ${cell(difference(h.before, h.now, h.percent))} |`),
    "",
    "## Practices",
    "",
    cell(
      `${changes.practices.changed} practice(s) have different figures for ${monthName(month)} from the previous edition; ` +
        `${changes.practices.added} practice(s) are new and ${changes.practices.removed} no longer appear.`,
    ),
    "",
    "## Data behind the pages",
    "",
    changedExtracts.length === 0 ? "Every table of data is the same as in the previous edition." : cell(`${changedExtracts.length} of ${changes.extracts.length} tables of data changed.`),
    "",
    "| Table | Rows before | Rows now | Contents |",
    "|---|---:|---:|---|",
    ...changes.extracts.map((e) => `| ${cell(e.name)} | ${number(e.rowsBefore, false)} | ${number(e.rowsNow, false)} | ${e.changed ? "changed" : "the same"} |`),
    "",
  ];
  return lines.join("\n");
}

/** Text safe in Evidence markdown: no Svelte expression, HTML tag or table cell break. */
function escapeMarkdown(text: string): string {
  return text.replace(/[{}<>|&]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function monthName(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
}

function formatInstant(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : "no message yet";
}

const PAGE_STYLE = `
  body { font-family: Arial, "Helvetica Neue", Helvetica, sans-serif; color: #212b32; background: #f0f4f5; margin: 0; line-height: 1.5; }
  header { background: #005eb8; color: #ffffff; padding: 1rem 1.5rem; }
  header a { color: #ffffff; font-weight: bold; font-size: 1.25rem; text-decoration: none; }
  main { max-width: 960px; margin: 0 auto; padding: 1.5rem; background: #ffffff; }
  h1 { font-size: 2rem; margin-top: 0; }
  a { color: #005eb8; }
  a:hover { color: #7c2855; }
  a:focus { background: #ffeb3b; color: #212b32; outline: 4px solid transparent; box-shadow: 0 -2px #ffeb3b, 0 4px #212b32; text-decoration: none; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  caption { text-align: left; font-weight: bold; padding-bottom: 0.5rem; }
  th, td { text-align: left; padding: 0.5rem; border-bottom: 1px solid #d8dde0; vertical-align: top; }
  code { font-size: 0.875rem; }
  footer { max-width: 960px; margin: 0 auto; padding: 1rem 1.5rem; border-top: 4px solid #005eb8; color: #4c6272; font-size: 0.875rem; }
`;

function htmlPage(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} - GP2GP transfer insights</title>
${head}<style>${PAGE_STYLE}</style>
</head>
<body>
<header><a href="/">GP2GP transfer insights</a></header>
<main id="main-content">
${body}
</main>
<footer><p>Data from NHS Spine GP2GP messages. Each edition is frozen: it is never changed once published.</p></footer>
</body>
</html>
`;
}

/** The editions index (`editions/index.html`): every edition, latest first, with links relative to the index. */
export function editionsIndexHtml(editions: readonly EditionManifest[]): string {
  const rows = [...editions]
    .reverse()
    .map((e) => {
      const changed = e.previousEdition ? `<a href="${e.edition}/${WHAT_CHANGED_PAGE.replace(/\.md$/, "")}/">What changed since ${escapeHtml(e.previousEdition)}</a>` : "First edition";
      const commit = e.code.commit ? `<code>${e.code.commit.slice(0, 12)}</code>${e.code.dirty ? " (with uncommitted changes)" : ""}` : "not known";
      return `<tr><td><a href="${e.edition}/">${escapeHtml(monthName(e.reportingMonth))}</a></td><td>${e.revision}</td><td>${escapeHtml(formatInstant(e.generatedAt))}</td><td>${escapeHtml(formatInstant(e.dataWatermark))}</td><td>${commit}</td><td>${changed}</td></tr>`;
    })
    .join("\n");
  const audience = editions[0]?.audience === "internal" ? " (internal)" : "";
  return htmlPage(
    `Editions${audience}`,
    `<h1>Published editions${audience}</h1>
<p>Each edition is the site as published for a reporting month (the latest final month when it was published). A month published again gets a new revision, with a page saying what changed; earlier revisions stay as they were. <a href="../">The latest edition</a> is also at the root of this site.</p>
<table>
<caption>Editions, latest first (times in UTC)</caption>
<thead><tr><th scope="col">Reporting month</th><th scope="col">Revision</th><th scope="col">Published</th><th scope="col">Data up to</th><th scope="col">Code version</th><th scope="col">Changes</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  );
}

/** The root page of a tree: opens the latest edition, and links to it and to the editions index. */
export function latestEditionHtml(latest: EditionManifest): string {
  const target = `editions/${latest.edition}/`;
  return htmlPage(
    "Latest edition",
    `<h1>GP2GP transfer insights: ${escapeHtml(monthName(latest.reportingMonth))}</h1>
<p>The latest edition is <a href="${target}">${escapeHtml(latest.edition)}, the figures for ${escapeHtml(monthName(latest.reportingMonth))}</a>, published ${escapeHtml(formatInstant(latest.generatedAt))} (UTC).</p>
<p><a href="editions/">All published editions</a></p>`,
    `<meta http-equiv="refresh" content="0; url=${target}">\n<link rel="canonical" href="${target}">\n`,
  );
}

/** The commit the code was published from, and whether tracked files differed from it (null outside git). */
function codeVersion(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return { commit, dirty: status.trim() !== "" };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The installed versions of the Evidence packages the site is built with. */
function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of ["@evidence-dev/evidence", "@evidence-dev/core-components", "@evidence-dev/duckdb"]) {
    for (const base of [path.join(REPORTS_DIR, "node_modules"), path.join(PROJECT_DIR, "node_modules")]) {
      const file = path.join(base, name, "package.json");
      if (fs.existsSync(file)) {
        versions[name] = z.object({ version: z.string() }).parse(JSON.parse(fs.readFileSync(file, "utf8"))).version;
        break;
      }
    }
  }
  return versions;
}

