/**
 * Builds the Evidence reports site (reports/) from the marts: `evidence sources` (extract the gp2gp_marts tables
 * from DuckDB or BigQuery) then `evidence build:strict` (prerender every page, failing on a component error), each
 * under a time limit, in a working copy of the reports project so that a build never disturbs `npm run dev` in
 * reports/ or another build; then the organisation pages, generated from the same extracts (org-pages/); then
 * finishSite (finish.ts) checks and compresses the site before it is moved into place.
 *
 * A build is for an audience (audience.ts): the public site by default, into reports/build/, with no transfer-level
 * page or extract and the leak check passed; the internal site only when asked, into a folder of its own
 * (reports/build-internal/ by default), every page marked internal and noindex.
 *
 * Evidence prints `Error in Query!` and still exits 0 when a page's SQL fails: the build fails on that text.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ResolvedBigQueryCredentials } from "../bigquery-credentials";
import type { Datasets } from "../../../includes/config";
import { acquireLock } from "../lock";
import { withAssertionResultsTable } from "../runner/duckdb";
import { AUDIENCE_MODULE, DEFAULT_OUT_DIRS, planAudience, type Audience } from "./audience";
import { finishSite, INTERNAL_BANNER, type FinishSiteResult } from "./finish";
import { assertNoLeaks, bigQueryIdentifiers, reportsSourceCredentials, warehouseIdentifiers, type IdentifierLookup } from "./leak-check";
import { PROJECT_DIR } from "../paths";
import { REPORTS_DIR, routeOf, SOURCE_NAME } from "./project";
import { generateOrgPages } from "./org-pages";

export { REPORTS_DIR, routeOf, SOURCE_NAME } from "./project";
export { DEFAULT_OUT_DIRS } from "./audience";

export type ReportsSource = "duckdb" | "bigquery";

export interface BuildReportsOptions {
  /** DuckDB warehouse to extract from (source duckdb). */
  database: string;
  /** The datasets of the project context: where the assertion results table and the identifiers the leak check looks up are. */
  datasets: Pick<Datasets, "marts" | "staged">;
  /** Who the site is for (default public): what it leaves out, and how it is checked. */
  audience?: Audience;
  /** Where the built site goes (replaced). Default DEFAULT_OUT_DIRS[audience]. */
  outDir?: string;
  source?: ReportsSource;
  /** Working copy of the reports project, under reports/; default reports/.work/build. */
  workDir?: string;
  /** Time limits in seconds. */
  sourcesTimeoutSeconds?: number;
  buildTimeoutSeconds?: number;
  /** Receives Evidence's output as it runs (default: discarded; it is kept for errors). */
  onOutput?: (text: string) => void;
  /** Receives a line as each step starts. */
  onProgress?: (message: string) => void;
  /** Where a public build's leak check looks identifiers up (default: the warehouse, or BigQuery for that source). */
  lookup?: IdentifierLookup;
  /** What the working copy leaves out, and where the site will be served (see WorkDirOptions). */
  project?: WorkDirOptions;
  /** Runs after the extracts are written and before the pages are built (to check them, or to add pages). */
  afterSources?: (extracts: { workDir: string; dataDir: string }) => Promise<void>;
  /** Progress of the steps that count pages (the organisation pages: pages written of the total). */
  onPagesProgress?: (progress: { step: string; done: number; total: number }) => void;
}

export interface WorkDirOptions {
  /** The audience the layout marks the pages for (default public). */
  audience?: Audience;
  /** Pages left out, as paths under pages/ (e.g. "operations.md"). */
  excludePages?: readonly string[];
  /** Source queries left out, by name (e.g. "transfers_needing_attention"). */
  excludeSources?: readonly string[];
  /** The path the site is served under (Evidence's deployment.basePath, e.g. "/editions/2026-08"); default "". */
  basePath?: string;
}

export interface BuildReportsResult {
  audience: Audience;
  outDir: string;
  pages: number;
  sourcesSeconds: number;
  buildSeconds: number;
  /** The organisation pages generated after Evidence's build (scripts/lib/reports/org-pages/). */
  orgPages: { pages: number; seconds: number };
  /** The leak check (public), the internal pages checked (internal) and the precompression. */
  finish: FinishSiteResult;
  finishSeconds: number;
  /** Evidence's output of both steps. */
  log: string;
}

export class ReportsBuildError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

/** Files and folders of reports/ that make up the Evidence project (node_modules and outputs excluded). */
const PROJECT_ENTRIES = ["pages", "components", "partials", "static", "evidence.config.yaml", "evidence.settings.json", "package.json", "svelte.config.js"];

const QUERY_ERROR = /Error in Query!?/;

export async function buildReports(options: BuildReportsOptions): Promise<BuildReportsResult> {
  const source = options.source ?? "duckdb";
  const audience = options.audience ?? "public";
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIRS[audience]);
  const workDir = path.resolve(options.workDir ?? path.join(REPORTS_DIR, ".work", "build"));
  // Evidence's build resolves its packages from the working copy upwards: only under reports/ does it find the
  // versions it was installed with (reports/node_modules) before the repository's own, which differ (@sveltejs/kit).
  if (path.relative(REPORTS_DIR, workDir).startsWith("..") || path.isAbsolute(path.relative(REPORTS_DIR, workDir))) {
    throw new Error(`The reports working copy ${workDir} must be under ${REPORTS_DIR}: from anywhere else Evidence's build loads the repository's @sveltejs/kit instead of its own and fails`);
  }
  const database = path.resolve(options.database);
  const progress = options.onProgress ?? (() => undefined);
  if (source === "duckdb" && !fs.existsSync(database)) {
    throw new Error(`The warehouse ${database} does not exist: run \`gp2gp start\` (or \`gp2gp run\`) first, or pass --database`);
  }
  if (audience === "internal") assertInternalTarget(outDir);
  const credentials = source === "bigquery" ? assertBigQueryCredentials(process.env) : undefined;
  assertPatched();
  const cli = evidenceCli();
  const plan = planAudience(audience);
  const project: WorkDirOptions = {
    ...options.project,
    audience,
    excludePages: [...new Set([...(options.project?.excludePages ?? []), ...plan.excludedPages])],
    excludeSources: [...new Set([...(options.project?.excludeSources ?? []), ...plan.excludedSources])],
  };
  const lookup = options.lookup ?? (source === "duckdb" ? warehouseIdentifiers(database, options.datasets) : bigQueryIdentifiers(process.env, options.datasets.marts));

  fs.mkdirSync(workDir, { recursive: true });
  const release = acquireLock(workDir, "gp2gp reports build");
  try {
    prepareWorkDir(workDir, source, project);
    const env: NodeJS.ProcessEnv = {
      ...inheritedEnvironment(),
      // Evidence's build needs more heap than Node's default, and spent about a quarter of its time collecting garbage
      // with the default young generation (docs/performance.md). The caller's NODE_OPTIONS come last, so theirs win.
      NODE_OPTIONS: [...EVIDENCE_NODE_OPTIONS, process.env.NODE_OPTIONS].filter(Boolean).join(" "),
      // The DuckDB connector joins the filename to the source folder, so it must be relative to it.
      ...(source === "duckdb" ? { [`EVIDENCE_SOURCE__${SOURCE_NAME}__filename`]: path.relative(path.join(workDir, "sources", SOURCE_NAME), database) } : {}),
      // Evidence's own Google client is pointed at the credentials file resolved above (its version of Google's
      // library does not read CLOUDSDK_CONFIG, so it could miss or differ from the file found here).
      ...(credentials && "keyFilename" in credentials ? { GOOGLE_APPLICATION_CREDENTIALS: credentials.keyFilename } : {}),
    };
    let log = "";
    const logFile = path.join(workDir, "evidence.log");
    fs.writeFileSync(logFile, "");
    const collect = (text: string) => {
      log += text;
      fs.appendFileSync(logFile, text);
      options.onOutput?.(text);
    };

    const sourcesStarted = Date.now();
    progress(`Extracting the marts (${source === "duckdb" ? database : `BigQuery ${options.datasets.marts}`}) for the ${audience} site …`);
    // No `gp2gp run` may write the warehouse while it is extracted (DuckDB would refuse to open it anyway).
    const releaseWarehouse = source === "duckdb" ? acquireLock(database, "gp2gp reports build") : () => undefined;
    try {
      // The runner's assertion results table is not a model: a warehouse no `gp2gp run` has written lacks it.
      if (source === "duckdb") await withAssertionResultsTable(database, options.datasets.marts);
      await runStep("evidence sources", process.execPath, [cli, "sources", "--sources", SOURCE_NAME, "--strict"], {
        cwd: workDir,
        env,
        timeoutSeconds: options.sourcesTimeoutSeconds ?? 300,
        onOutput: collect,
        log: () => log,
        logFile,
      });
    } finally {
      releaseWarehouse();
    }
    const sourcesSeconds = (Date.now() - sourcesStarted) / 1000;
    const dataDir = path.join(workDir, EXTRACTS_DIR);
    if (audience === "public") {
      // The extracts are checked before the pages are built from them: a leak fails in seconds, not after the build.
      const extracted = fs.existsSync(dataDir) ? fs.readdirSync(dataDir, { recursive: true, encoding: "utf8" }) : [];
      const internal = plan.excludedSources.filter((name) => extracted.some((file) => path.basename(file) === `${name}.parquet`));
      if (internal.length > 0) throw new Error(`The public build extracted ${internal.join(", ")}, which are internal only`);
      await assertNoLeaks(dataDir, { lookup });
    }
    await options.afterSources?.({ workDir, dataDir });

    const buildStarted = Date.now();
    progress("Building the pages (Evidence) …");
    // Strict: a component error (a chart or table given a missing column, say) fails the build.
    await runStep("evidence build", process.execPath, [cli, "build:strict"], {
      cwd: workDir,
      env,
      timeoutSeconds: options.buildTimeoutSeconds ?? 900,
      onOutput: collect,
      log: () => log,
      logFile,
    });
    const buildSeconds = (Date.now() - buildStarted) / 1000;

    const errors = log.split(/\r?\n/).filter((line) => QUERY_ERROR.test(line));
    if (errors.length > 0) {
      throw new ReportsBuildError(`A page query failed during the build (${errors.length} × "Error in Query!"):\n${queryErrorContext(log)}\n(Evidence's whole output is in ${logFile})`, log);
    }
    const basePath = options.project?.basePath ?? "";
    // With a base path SvelteKit writes the site under build/<base path>.
    const built = [path.join(workDir, "build", basePath), path.join(workDir, "build")].find((dir) => fs.existsSync(path.join(dir, "index.html"))) ?? path.join(workDir, "build");
    if (!fs.existsSync(path.join(built, "index.html"))) throw new ReportsBuildError(`Evidence reported success but wrote no ${built}/index.html`, log);

    // The practice, Sub ICB Location, ICB and region pages: static HTML from the same extracts, into the built site.
    const orgStarted = Date.now();
    const org = await generateOrgPages({
      dataDir: path.join(workDir, EXTRACTS_DIR),
      siteDir: built,
      basePath,
      audience,
      onProgress: (pagesDone) => options.onPagesProgress?.({ step: "organisation pages", ...pagesDone }),
    });
    const orgPages = { pages: org.pages.total, seconds: (Date.now() - orgStarted) / 1000 };

    // The site is finished in a folder beside its destination and moved into place only when it passes its checks.
    // (A step that adds pages to the site goes before finishSite, so that they are checked too.)
    const staging = path.join(path.dirname(outDir), `.${path.basename(outDir)}.building-${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      fs.mkdirSync(path.dirname(staging), { recursive: true });
      fs.cpSync(built, staging, { recursive: true });
      const finishStarted = Date.now();
      const finish = await finishSite(staging, { audience, lookup, excludedRoutes: plan.excludedRoutes, basePath, onProgress: progress });
      const finishSeconds = (Date.now() - finishStarted) / 1000;
      replaceDir(staging, outDir);
      return { audience, outDir, pages: countPages(outDir), sourcesSeconds, buildSeconds, orgPages, finish, finishSeconds, log };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

/**
 * An internal site never goes where a public one is: not into the public default folder, nor over a folder that
 * holds a public site (whose index.html has no internal banner).
 */
function assertInternalTarget(outDir: string): void {
  if (outDir === DEFAULT_OUT_DIRS.public) throw new Error(`${outDir} is the public site's folder: build the internal site into another (the default is ${DEFAULT_OUT_DIRS.internal})`);
  const index = path.join(outDir, "index.html");
  if (fs.existsSync(index) && !fs.readFileSync(index, "utf8").includes(INTERNAL_BANNER)) {
    throw new Error(`${outDir} holds a public site: build the internal site into a folder of its own (the default is ${DEFAULT_OUT_DIRS.internal})`);
  }
}

/**
 * The BigQuery source takes its credentials from EVIDENCE_SOURCE__gp2gp__… variables only: say which are missing.
 * Then resolves them offline (reportsSourceCredentials), so that a build without usable credentials fails before
 * anything is extracted; except for oauth, whose token Evidence uses as given (the leak check resolves its own).
 */
export function assertBigQueryCredentials(env: NodeJS.ProcessEnv): ResolvedBigQueryCredentials | undefined {
  const prefix = `EVIDENCE_SOURCE__${SOURCE_NAME}__`;
  const authenticator = env[`${prefix}authenticator`] ?? "service-account";
  const needed =
    authenticator === "service-account"
      ? ["project_id", "client_email", "private_key"]
      : authenticator === "oauth"
        ? ["project_id", "token"]
        : authenticator === "gcloud-cli"
          ? ["project_id"]
          : null;
  if (!needed) throw new Error(`${prefix}authenticator must be service-account, gcloud-cli or oauth, not "${authenticator}"`);
  const missing = needed.filter((option) => !env[`${prefix}${option}`]);
  if (missing.length > 0) {
    throw new Error(
      `--source bigquery (${authenticator}) needs ${missing.map((option) => `${prefix}${option}`).join(", ")} in the environment ` +
        "(credentials are never read from files in the repository; see reports/sources/gp2gp/connection.bigquery.yaml)",
    );
  }
  return authenticator === "oauth" ? undefined : reportsSourceCredentials(env);
}

/** Fails unless scripts/evidence-patch/patch-evidence.js has patched the installed Evidence (it also applies the patch if needed). */
export function assertPatched(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const patch = require(path.join(PROJECT_DIR, "scripts", "evidence-patch", "patch-evidence.js")) as { patchEvidence: (o: { root: string }) => string[] };
  patch.patchEvidence({ root: PROJECT_DIR });
}

/**
 * V8 options of Evidence's processes (see buildReports). Measured on the national site (`gp2gp bench reports`, one
 * evening): a 4 GB old space with the default young generation built Evidence's pages in 111.6 s at a peak of
 * 3,962 MiB; 32 MB semi-spaces with a 3 GB old space in 103.4 s at 3,918 MiB; 64 MB semi-spaces in 98.9 s but at
 * 4,071 MiB, too close to the 4 GB limit.
 */
export const EVIDENCE_NODE_OPTIONS = ["--max-old-space-size=3072", "--max-semi-space-size=32"] as const;

/**
 * The environment Evidence runs in: this process's, less what a test runner sets. Under NODE_ENV=test (vitest)
 * vite builds Evidence's development-only pages too, and the build fails prerendering /explore/console.
 */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name === "NODE_ENV" || name === "TEST" || name.startsWith("VITEST")) delete env[name];
  }
  return env;
}

function evidenceCli(): string {
  for (const base of [path.join(REPORTS_DIR, "node_modules"), path.join(PROJECT_DIR, "node_modules")]) {
    const cli = path.join(base, "@evidence-dev", "evidence", "cli.js");
    if (fs.existsSync(cli)) return cli;
  }
  throw new Error("@evidence-dev/evidence is not installed: run `npm install` at the repository root");
}

/** Where `evidence sources` writes the extracts and their manifest.json, under the working folder. */
export const EXTRACTS_DIR = path.join(".evidence", "template", "static", "data");

/** Copies the reports project into the working folder, with the chosen connection as the gp2gp source. */
export function prepareWorkDir(workDir: string, source: ReportsSource, project: WorkDirOptions = {}): void {
  for (const entry of [...PROJECT_ENTRIES, "sources", "build"]) fs.rmSync(path.join(workDir, entry), { recursive: true, force: true });
  // Extracts and caches of an earlier build must not leak into this one (another source, or tables since removed; a
  // query's prerendered result, which the browser answers that query with).
  for (const stale of [EXTRACTS_DIR, path.join(".evidence", "meta"), path.join(".evidence", "template", ".evidence-queries")]) {
    fs.rmSync(path.join(workDir, stale), { recursive: true, force: true });
  }
  for (const entry of PROJECT_ENTRIES) {
    const from = path.join(REPORTS_DIR, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(workDir, entry), { recursive: true });
  }
  const sourceDir = path.join(REPORTS_DIR, "sources", SOURCE_NAME);
  const target = path.join(workDir, "sources", SOURCE_NAME);
  fs.mkdirSync(target, { recursive: true });
  for (const file of fs.readdirSync(sourceDir)) {
    if (!/^connection(\..+)?\.yaml$/.test(file) && !(project.excludeSources ?? []).includes(path.basename(file, ".sql"))) fs.copyFileSync(path.join(sourceDir, file), path.join(target, file));
  }
  // The layout marks every page of an internal site (banner, noindex) from this module.
  fs.writeFileSync(path.join(workDir, AUDIENCE_MODULE), `export const audience = ${JSON.stringify(project.audience ?? "public")};\n`);
  const connection = source === "duckdb" ? "connection.yaml" : "connection.bigquery.yaml";
  fs.copyFileSync(path.join(sourceDir, connection), path.join(target, "connection.yaml"));
  for (const page of project.excludePages ?? []) {
    const file = path.join(workDir, "pages", page);
    if (!fs.existsSync(file)) throw new Error(`Cannot leave out the page ${page}: reports/pages/${page} does not exist`);
    fs.rmSync(file);
  }
  if (project.basePath) {
    if (!/^(\/[A-Za-z0-9._-]+)+$/.test(project.basePath)) throw new Error(`The base path "${project.basePath}" must look like /editions/2026-08`);
    const config = path.join(workDir, "evidence.config.yaml");
    const text = fs.readFileSync(config, "utf8");
    const pattern = /^(\s*basePath:).*$/m;
    if (!pattern.test(text)) throw new Error(`${config} has no deployment.basePath line to set`);
    fs.writeFileSync(config, text.replace(pattern, `$1 "${project.basePath}"`));
    for (const folder of ["pages", "partials"]) {
      if (fs.existsSync(path.join(workDir, folder))) rewriteLinksForBasePath(path.join(workDir, folder), project.basePath, folder === "pages");
    }
  }
}

/**
 * Evidence puts the base path in front of every href and src of a page as written: an expression (`href={row.page}`
 * becomes `href="/base/{row.page}"`, a double slash before the page's own leading one) and a relative link
 * (`href="../x/"` becomes `/base/../x/`, outside the base) come out wrong. Rewrite them as site paths under the base,
 * which Evidence leaves alone: an expression link is a site path such as `/practices/A12345/`, and a relative link of a
 * page is resolved against the page's own path (partials have none, so only their expressions are rewritten).
 */
function rewriteLinksForBasePath(dir: string, basePath: string, arePages: boolean): void {
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".md")) continue;
    const file = path.join(entry.parentPath, entry.name);
    const route = routeOf(path.relative(dir, file).split(path.sep).join("/"));
    const resolve = (link: string) => {
      const url = new URL(link, `http://site${route}`);
      return `${basePath}${url.pathname}${url.search}${url.hash}`;
    };
    const relative = /^(?![/#{$]|[A-Za-z][A-Za-z0-9+.-]*:)[^\s"'<>]+$/;
    let text = fs.readFileSync(file, "utf8");
    const original = text;
    text = text.replace(/\b(href|src)=\{([^{}]+)\}/g, (_match, attribute: string, expression: string) => `${attribute}="${basePath}{${expression}}"`);
    if (arePages) {
      text = text.replace(/\b(href|src)="([^"{}]*)"/g, (match, attribute: string, link: string) => (relative.test(link) ? `${attribute}="${resolve(link)}"` : match));
      text = text.replace(/\]\(([^()\s{}]+)\)/g, (match, link: string) => (relative.test(link) ? `](${resolve(link)})` : match));
    }
    if (text !== original) fs.writeFileSync(file, text);
  }
}

interface StepOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  onOutput: (text: string) => void;
  log: () => string;
  /** Where the whole output is kept (named in errors). */
  logFile: string;
}

/** Runs one Evidence step in its own process group, killing the whole group when the time limit passes. */
function runStep(name: string, command: string, args: string[], options: StepOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutSeconds * 1000);
    const stopOnExit = () => killGroup(child.pid);
    process.once("exit", stopOnExit);
    child.stdout.setEncoding("utf8").on("data", options.onOutput);
    child.stderr.setEncoding("utf8").on("data", options.onOutput);
    child.on("error", (error) => {
      clearTimeout(timer);
      process.off("exit", stopOnExit);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      process.off("exit", stopOnExit);
      // Evidence's build leaves the vite process group behind on some failures: make sure nothing survives.
      killGroup(child.pid);
      const tail = `${lastLines(options.log(), 40)}\n(Evidence's whole output is in ${options.logFile})`;
      if (timedOut) reject(new ReportsBuildError(`${name} did not finish within ${options.timeoutSeconds} s and was stopped. Last output:\n${tail}`, options.log()));
      else if (code !== 0) reject(new ReportsBuildError(`${name} failed (${signal ? `signal ${signal}` : `exit code ${code}`}). Last output:\n${tail}`, options.log()));
      else resolve();
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group has already exited
  }
}

function lastLines(text: string, count: number): string {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "").slice(-count).join("\n");
}

/** The lines around each `Error in Query!`, which name the page and the failing query. */
function queryErrorContext(log: string): string {
  const lines = log.split(/\r?\n/);
  const picked: string[] = [];
  lines.forEach((line, index) => {
    if (QUERY_ERROR.test(line)) picked.push(...lines.slice(Math.max(0, index - 3), index + 6), "…");
  });
  return picked.slice(0, 200).join("\n");
}

/** Replaces `to` with `from` (moved), refusing to delete a folder that does not look like a built site. */
function replaceDir(from: string, to: string): void {
  if (fs.existsSync(to)) {
    const entries = fs.readdirSync(to);
    if (entries.length > 0 && !entries.includes("index.html")) {
      throw new Error(`${to} exists and is not a built reports site (no index.html): choose another --out folder`);
    }
    fs.rmSync(to, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.renameSync(from, to);
}

/** Number of HTML pages in a built site. */
export function countPages(dir: string): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === "index.html") count++;
  }
  return count;
}

/** What a build printed at its end says: what was built, where, what was checked, and how to look at it. */
export function describeBuild(result: BuildReportsResult, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, result.outDir) || ".";
  const { leakCheck, internalPages, precompress } = result.finish;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const lines = [
    `Built the ${result.audience} site, ${result.pages} pages, into ${result.outDir} (extract ${result.sourcesSeconds.toFixed(1)} s, Evidence build ${result.buildSeconds.toFixed(1)} s, ${result.orgPages.pages} organisation pages ${result.orgPages.seconds.toFixed(1)} s, checks and compression ${result.finishSeconds.toFixed(1)} s).`,
    leakCheck
      ? `Leak check passed: ${leakCheck.files} files (${mb(leakCheck.bytes)}), parquet and Arrow decoded, hold no conversation ID or ASID of the data (${leakCheck.valuesLookedUp} values shaped like one looked up).`
      : `Every one of its ${internalPages} pages says it holds transfer-level identifiers and carries noindex: do not publish it.`,
    `Compressed ${precompress.files} files (${mb(precompress.bytes)}) to ${mb(precompress.gzipBytes)} gzip and ${mb(precompress.brotliBytes)} brotli, written beside them.`,
    `The site is static files and needs a web server (opening index.html from disk does not work). To look at it:`,
    `  npx gp2gp reports serve${result.outDir === DEFAULT_OUT_DIRS.public ? "" : ` --dir ${rel}`}`,
    result.audience === "public"
      ? "then open the address it prints. To publish, copy the folder to any static host (serve the .gz and .br files to browsers that accept them)."
      : "then open the address it prints. The internal site is for service desks and system suppliers only: never copy it to a public host.",
  ];
  return `${lines.join("\n")}\n`;
}
