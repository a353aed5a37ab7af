/**
 * `gp2gp sql "<query>"`: runs a query against the warehouse, read-only, for analysts.
 */
import { stringify } from "csv-stringify/sync";
import { Warehouse } from "../lib/duckdb";
import { formatRows } from "../lib/runner/reporter";

export type SqlFormat = "table" | "csv" | "json";

export async function sqlCommand(query: string, options: { database: string; format: SqlFormat; maxWidth?: number }): Promise<void> {
  const warehouse = await Warehouse.open(options.database, { readOnly: true });
  try {
    const rows = await warehouse.rows(query);
    process.stdout.write(renderRows(rows, options.format, options.maxWidth));
  } finally {
    warehouse.close();
  }
}

export function renderRows(rows: Record<string, unknown>[], format: SqlFormat, maxWidth = 60): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "csv") {
    if (rows.length === 0) return "";
    const columns = Object.keys(rows[0]!);
    const values = rows.map((r) => columns.map((c) => (r[c] !== null && typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c])));
    return stringify([columns, ...values]);
  }
  if (rows.length === 0) return "(no rows)\n";
  return `${formatRows(rows, maxWidth)}\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`;
}
