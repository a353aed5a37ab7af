/**
 * Who a reports build is for, and what each audience's site holds. The public site shows aggregate figures only; the
 * internal site adds the transfer-level operations pages, whose rows name conversation IDs (and could name ASIDs).
 *
 * The rule is declared once, here: a source query is internal when it is listed in INTERNAL_ONLY or selects a
 * column named like a conversation ID or an ASID; a page is internal when it is listed or reads an internal source.
 * A new transfer-level page (or source) is therefore left out of the public site without being listed. A public
 * build still checks what it extracted and wrote (scripts/lib/reports/publish.ts): the rule decides what is built,
 * the checks prove it.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PROJECT_DIR } from "../paths";
import { REPORTS_DIR, routeOf, SOURCE_NAME } from "./project";

export const audienceSchema = z.enum(["public", "internal"]);
export type Audience = z.infer<typeof audienceSchema>;

/** Where `gp2gp reports build` writes each audience's site unless --out says otherwise (never the same folder). */
export const DEFAULT_OUT_DIRS: Record<Audience, string> = {
  public: path.join(REPORTS_DIR, "build"),
  internal: path.join(REPORTS_DIR, "build-internal"),
};
/** The editions tree `gp2gp reports publish` writes each audience's editions into unless --out says otherwise. */
export const DEFAULT_TREES: Record<Audience, string> = {
  public: path.join(PROJECT_DIR, "published"),
  internal: path.join(PROJECT_DIR, "published-internal"),
};

/**
 * The module (under reports/) that tells the layout which audience a build is for: every build writes its own into
 * its working copy. The committed one says internal, so that `npm run dev -w reports`, which shows every page, marks
 * them as a build for the internal audience would.
 */
export const AUDIENCE_MODULE = "components/audience.js";

/** Columns that identify one transfer or one system: never in a public site. */
export const INTERNAL_COLUMN = /conversation_?id|asid/i;

/**
 * Pages (paths under reports/pages/; a path ending in "/" is every page under that folder) and source queries (by
 * name) for internal sites only, whatever they read.
 */
export const INTERNAL_ONLY = {
  pages: ["operations/transfers/"],
  sources: ["transfers_needing_attention", "transfer_technical_failures"],
} as const;

export interface AudiencePlan {
  readonly audience: Audience;
  /** Source queries left out of the build, by name. */
  readonly excludedSources: string[];
  /** Pages left out of the build, as paths under pages/. */
  readonly excludedPages: string[];
  /** The site paths of the pages left out (e.g. "/operations/"), which no built page may link to. */
  readonly excludedRoutes: string[];
}

/** The pages and sources an audience's build leaves out (none for internal), from the reports project's files. */
export function planAudience(audience: Audience, reportsDir: string = REPORTS_DIR): AudiencePlan {
  if (audience === "internal") return { audience, excludedSources: [], excludedPages: [], excludedRoutes: [] };
  const sourceDir = path.join(reportsDir, "sources", SOURCE_NAME);
  const excludedSources = fs
    .readdirSync(sourceDir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => file.replace(/\.sql$/, ""))
    .filter((name) => (INTERNAL_ONLY.sources as readonly string[]).includes(name) || selectsInternalColumn(fs.readFileSync(path.join(sourceDir, `${name}.sql`), "utf8")))
    .sort();

  const pagesDir = path.join(reportsDir, "pages");
  const excludedPages = markdownFiles(pagesDir)
    .filter((page) => INTERNAL_ONLY.pages.some((listed) => (listed.endsWith("/") ? page.startsWith(listed) : page === listed)) || readsAny(fs.readFileSync(path.join(pagesDir, page), "utf8"), excludedSources))
    .sort();
  // Evidence links every page to the index page of its folder: that index cannot be left out while pages under it stay.
  for (const page of excludedPages) {
    const folder = page.replace(/(\/index)?\.md$/, "/");
    const kept = markdownFiles(pagesDir).find((other) => other.startsWith(folder) && !excludedPages.includes(other));
    if (kept) throw new Error(`reports/pages/${page} is internal only, but reports/pages/${kept} under it is public: move the internal part to a page of its own`);
  }

  // A partial is included by pages that stay: it cannot be left out, so it must not read an internal source.
  const partialsDir = path.join(reportsDir, "partials");
  for (const partial of fs.existsSync(partialsDir) ? markdownFiles(partialsDir) : []) {
    const read = readsAny(fs.readFileSync(path.join(partialsDir, partial), "utf8"), excludedSources);
    if (read) throw new Error(`reports/partials/${partial} reads ${SOURCE_NAME}.${read}, which is internal only: a public site cannot include it`);
  }
  return { audience, excludedSources, excludedPages, excludedRoutes: excludedPages.map(routeOf) };
}

/** TRUE when the SQL (comments aside) names a conversation ID or ASID column. */
export function selectsInternalColumn(sql: string): boolean {
  const code = sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
  return (code.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).some((word) => INTERNAL_COLUMN.test(word));
}

/** The first of the sources a page's text reads (`gp2gp.<source>`), if any. */
function readsAny(text: string, sources: readonly string[]): string | undefined {
  const read = new Set([...text.matchAll(new RegExp(`\\b${SOURCE_NAME}\\.([A-Za-z0-9_]+)`, "g"))].map((match) => match[1]!));
  return sources.find((source) => read.has(source));
}

function markdownFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".md"))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}
