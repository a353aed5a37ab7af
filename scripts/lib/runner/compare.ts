/**
 * Result comparison for SQLX unit tests (`type: "test"`), shared by the DuckDB and BigQuery executors: the rows a
 * test query returns and the rows its expected-output query returns must be equal as multisets (row order is
 * ignored, duplicates count), with columns matched by name (column order is ignored).
 */
import type { Row } from "./types";

export interface Comparison {
  readonly passed: boolean;
  /** Why the results differ: column-set differences, then missing and unexpected rows. */
  readonly message?: string;
}

/** Rows listed per category in a failure message; the rest are counted. */
const ROWS_SHOWN = 10;
/** Significant digits floats are compared to, so that 0.1 + 0.2 equals 0.3 (both engines compute in binary). */
const FLOAT_DIGITS = 12;

export function compareResults(actual: readonly Row[], expected: readonly Row[]): Comparison {
  const actualColumns = columnsOf(actual);
  const expectedColumns = columnsOf(expected);
  // With no rows a driver reports no columns, so column sets are only compared when both sides have rows.
  if (actual.length > 0 && expected.length > 0) {
    const missing = [...expectedColumns].filter((c) => !actualColumns.has(c));
    const unexpected = [...actualColumns].filter((c) => !expectedColumns.has(c));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = ["The test query's columns differ from the expected output's."];
      if (missing.length > 0) parts.push(`Missing columns: ${missing.join(", ")}.`);
      if (unexpected.length > 0) parts.push(`Unexpected columns: ${unexpected.join(", ")}.`);
      parts.push(`Test query returned ${actual.length} row(s), expected ${expected.length}.`);
      return { passed: false, message: parts.join(" ") };
    }
  }

  // Multiset difference on a canonical text of each row.
  const remaining = new Map<string, { row: Row; count: number }>();
  for (const row of expected) {
    const key = rowKey(row);
    const entry = remaining.get(key);
    if (entry) entry.count += 1;
    else remaining.set(key, { row, count: 1 });
  }
  const unexpectedRows: Row[] = [];
  for (const row of actual) {
    const entry = remaining.get(rowKey(row));
    if (entry && entry.count > 0) entry.count -= 1;
    else unexpectedRows.push(row);
  }
  const missingRows: Row[] = [];
  for (const { row, count } of remaining.values()) for (let i = 0; i < count; i++) missingRows.push(row);

  if (missingRows.length === 0 && unexpectedRows.length === 0) return { passed: true };
  const lines = [`Test query returned ${actual.length} row(s), expected ${expected.length}.`];
  if (missingRows.length > 0) lines.push(`${missingRows.length} expected row(s) missing:`, ...listRows(missingRows));
  if (unexpectedRows.length > 0) lines.push(`${unexpectedRows.length} unexpected row(s):`, ...listRows(unexpectedRows));
  return { passed: false, message: lines.join("\n") };
}

function columnsOf(rows: readonly Row[]): Set<string> {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return columns;
}

function listRows(rows: readonly Row[]): string[] {
  const shown = rows.slice(0, ROWS_SHOWN).map((row) => `  ${display(row)}`);
  if (rows.length > ROWS_SHOWN) shown.push(`  … and ${rows.length - ROWS_SHOWN} more`);
  return shown;
}

function display(row: Row): string {
  const keys = Object.keys(row).sort();
  return `{${keys.map((k) => `${k}: ${displayValue(row[k])}`).join(", ")}}`;
}

/** A value as a reader expects it: text quoted, numbers bare, NULL, dates as text, arrays and structs spelled out. */
function displayValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(displayValue).join(", ")}]`;
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (isBigLike(object)) return String(value);
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === "value" && typeof object.value === "string") return object.value;
    return `{${keys.map((k) => `${k}: ${displayValue(object[k])}`).join(", ")}}`;
  }
  return String(value);
}

function rowKey(row: Row): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map((k) => [k, canonical(row[k])]));
}

/**
 * A JSON-safe value in which equal SQL values are equal: integers whatever their JS type (number, bigint, exact
 * decimal objects), floats to FLOAT_DIGITS digits, dates as ISO text, driver wrapper objects (BigQuery's
 * `{value: …}` for DATE/TIMESTAMP) unwrapped, struct fields in name order. Numbers and text stay distinct, so a
 * test that expects '1' where the model yields 1 fails.
 */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return { n: value.toString() };
  if (typeof value === "number") return { n: numberText(value) };
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date) return { t: value.toISOString() };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { b: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    // Exact decimals (big.js for BigQuery NUMERIC): compared as numbers.
    if (isBigLike(object)) return { n: numberText(Number(String(value))) };
    // @google-cloud/bigquery wraps DATE, DATETIME, TIME and TIMESTAMP as `{ value: "…" }`.
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === "value" && typeof object.value === "string") return { t: object.value };
    return Object.fromEntries(keys.sort().map((k) => [k, canonical(object[k])]));
  }
  return String(value);
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toString();
  return String(Number(value.toPrecision(FLOAT_DIGITS)));
}

function isBigLike(object: Record<string, unknown>): boolean {
  return Array.isArray(object.c) && typeof object.e === "number" && typeof object.s === "number" && typeof (object as { toFixed?: unknown }).toFixed === "function";
}
