/**
 * The raw tables come from RAW_TABLES; a warehouse whose tables differ is refused rather than loaded into.
 */
import { datasets } from "../../includes/config";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RAW_TABLES } from "../../includes/raw_schemas";
import { ensureRawTables } from "../../scripts/lib/load/raw-tables";
import { testWarehouse, type TestWarehouse } from "./support";

let t: TestWarehouse;
beforeEach(async () => {
  t = await testWarehouse("tables");
});
afterEach(() => t.close());

it("creates every raw table with its columns, and is idempotent", async () => {
  await ensureRawTables(t.warehouse, datasets.raw);
  await ensureRawTables(t.warehouse, datasets.raw);
  for (const table of RAW_TABLES) {
    const columns = await t.warehouse.rows(
      `select column_name, data_type from information_schema.columns where table_schema = 'gp2gp_raw' and table_name = '${table.name}' order by ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(table.columns.map((c) => c.name));
  }
  const types = await t.warehouse.rows(`select column_name, data_type from information_schema.columns where table_name = 'load_log' and column_name in ('size_bytes', 'reference_month', 'loaded_at') order by 1`);
  expect(types).toEqual([
    { column_name: "loaded_at", data_type: "TIMESTAMP" },
    { column_name: "reference_month", data_type: "DATE" },
    { column_name: "size_bytes", data_type: "BIGINT" },
  ]);
});

it("refuses a raw table whose columns differ", async () => {
  await t.warehouse.run(`create table gp2gp_raw.geography (sicbl_ods_code varchar)`);
  await expect(ensureRawTables(t.warehouse, datasets.raw)).rejects.toThrow(/gp2gp_raw\.geography in .* has columns \(sicbl_ods_code varchar\), expected \(sicbl_ods_code varchar, sicbl_name varchar/);
});
