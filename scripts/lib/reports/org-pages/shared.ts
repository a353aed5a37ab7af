/**
 * The organisation pages' browser script (assets/org-pages.js), loaded in Node so that the build renders every
 * page's default view with the very code that re-renders it in the browser: one implementation of the formatting,
 * sorting, tables and CSV download. Also the types of the page data the script reads.
 */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { PROJECT_DIR } from "../../paths";

export const ASSETS_DIR = path.join(PROJECT_DIR, "scripts", "lib", "reports", "org-pages", "assets");
export const SCRIPT_FILE = path.join(ASSETS_DIR, "org-pages.js");
export const STYLE_FILE = path.join(ASSETS_DIR, "org-pages.css");

export type Units = "percentages" | "numbers";
export type Order = "descending" | "ascending";
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

/** A table column: what it shows of a row. */
export type Column =
  | { id: string; title: string; type: "text"; key: string }
  | { id: string; title: string; type: "link"; key: string; label: string; sortKey?: string }
  | { id: string; title: string; type: "count" | "hours"; key: string }
  | { id: string; title: string; type: "percent"; key: string; digits?: number }
  | { id: string; title: string; type: "units"; count: string; percent: string; digits?: number }
  | { id: string; title: string; type: "countPercent"; count: string; percent: string; digits?: number };

export interface Table {
  /** The table element's id. */
  id: string;
  /** "{month}" is replaced by the month shown. */
  caption: string;
  /** The data set the rows come from; byMonth: the set holds rows by month (YYYY-MM-DD). */
  source: string;
  byMonth: boolean;
  columns: Column[];
  empty?: string;
  sortable?: boolean;
  defaultSort?: { column: string; order: Order };
  tiebreak?: { key: string; order: Order }[];
}

export interface MonthOption {
  /** YYYY-MM-DD, the first day of the month. */
  month: string;
  /** "August 2026", or "September 2026 (provisional)". */
  label: string;
  isFinal: boolean;
}

/** A set of rows as columns and rows of values (a third of the size of objects in the page's JSON). */
export interface ColumnarSet {
  c: string[];
  r: Value[][];
}

export interface PageData {
  /** The base path links are written under ("" or "/editions/2026-08"). */
  base: string;
  /** The month shown first (the latest final month) and the months to choose from, newest first. */
  month: string;
  months: MonthOption[];
  units: Units;
  sets: Record<string, ColumnarSet | Record<string, ColumnarSet>>;
  tables: Table[];
  /** The public site's download: rows of `source` for the final `months` (newest first, at most six). */
  download?: { name: string; source: string; byMonth: boolean; months: string[] };
}

/** PageData with its sets decoded into rows. */
export interface DecodedPageData extends Omit<PageData, "sets"> {
  sets: Record<string, Row[] | Record<string, Row[]>>;
}

export interface PageState {
  month: string;
  units: Units;
  sorts: Record<string, { column: string; order: Order }>;
}

export interface OrgPagesScript {
  escapeHtml(value: unknown): string;
  formatCount(value: unknown): string;
  formatPercent(value: unknown, digits?: number): string;
  formatHours(seconds: unknown): string;
  decodeData(data: PageData): DecodedPageData;
  tableRows(table: Table, data: DecodedPageData, state: PageState): Row[];
  renderTable(table: Table, data: DecodedPageData, state: PageState): string;
  initialState(data: PageData): PageState;
  downloadRows(data: DecodedPageData, timeframe: "latest" | "six"): Row[];
  downloadCsv(data: DecodedPageData, dataset: "requested" | "integration" | "all", timeframe: "latest" | "six"): string;
  downloadFileName(data: DecodedPageData, dataset: "requested" | "integration" | "all", timeframe: "latest" | "six"): string;
}

let loaded: OrgPagesScript | undefined;

/** The browser script's functions, run in Node. */
export function orgPagesScript(): OrgPagesScript {
  if (!loaded) {
    const sandbox = { module: { exports: {} as unknown }, Intl, Number, String, Object, Array, Math, JSON, isFinite };
    vm.runInNewContext(fs.readFileSync(SCRIPT_FILE, "utf8"), sandbox, { filename: SCRIPT_FILE });
    loaded = sandbox.module.exports as OrgPagesScript;
  }
  return loaded;
}

/** Rows as a columnar set, with the columns given (in that order). */
export function columnar(rows: readonly Row[], columns: readonly string[]): ColumnarSet {
  return { c: [...columns], r: rows.map((row) => columns.map((column) => row[column] ?? null)) };
}
