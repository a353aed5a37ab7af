/**
 * `gp2gp sql` is read-only in every sense: it runs exactly one query, refuses every other statement before running
 * anything, cannot reach a file outside the warehouse, and writes results only through --out (csv, json, parquet),
 * leaving the warehouse byte for byte as it was.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { RefusedQueryError, runAnalystQuery } from "../../scripts/lib/analyst-query";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";

const ROOT = path.resolve(__dirname, "../..");
let dir: string;
let database: string;
let other: string;

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const filesIn = (folder: string) => fs.readdirSync(folder).sort();

/** Rows of `sql` in a fresh in-memory DuckDB (to read back the files --out writes). */
async function readBack(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  dir = tempDir("sql-readonly");
  database = path.join(dir, "w.duckdb");
  other = path.join(dir, "other.duckdb");
  for (const file of [database, other]) {
    const w = await Warehouse.open(file, { datasets });
    await w.run(
      `create table gp2gp_marts.transfers as
       select 'conv-' || i as conversation_id, i as n, timestamp '2026-01-01 00:00:00' + i * interval 1 hour as date_requested
       from range(1, 6) t(i)`,
    );
    w.close();
  }
});

describe("gp2gp sql: refused statements", () => {
  // Every statement the probe of the warehouse found to write a file, reach outside the warehouse or change it.
  const refused: [string, () => string, RegExp][] = [
    ["COPY to the warehouse file", () => `copy (select 'garbage') to '${database}' (format csv, header false)`, /a COPY statement, which is refused/],
    ["ATTACH read_write", () => `attach '${other}' as e (read_write)`, /an ATTACH statement, which is refused/],
    ["DROP through an attached database", () => `drop table e.gp2gp_marts.transfers`, /a DROP statement, which is refused/],
    ["COPY to x.csv", () => `copy (select * from gp2gp_marts.transfers) to '${path.join(dir, "x.csv")}'`, /a COPY statement.*--out FILE/],
    ["EXPORT DATABASE", () => `export database '${path.join(dir, "exported")}'`, /an EXPORT statement/],
    ["read_text of /etc/shadow", () => `select * from read_text('/etc/shadow')`, /reaches outside the warehouse.*\/etc\/shadow/],
    ["read_csv of a file", () => `select * from read_csv('${path.join(dir, "x.csv")}')`, /reaches outside the warehouse/],
    ["read_text inside query()", () => `select * from query('select * from read_text(''/etc/shadow'')')`, /reaches outside the warehouse/],
    ["a query, then COPY", () => `select 1; copy (select 42) to '${path.join(dir, "y.csv")}'`, /as 2 statements/],
    ["INSTALL", () => `install httpfs`, /an INSTALL statement/],
    ["LOAD", () => `load httpfs`, /a LOAD statement/],
    ["PRAGMA", () => `pragma database_list`, /a PRAGMA statement/],
    ["SET", () => `set enable_external_access = true`, /a SET statement/],
    ["CALL", () => `call pragma_version()`, /a CALL statement/],
    ["CHECKPOINT", () => `checkpoint`, /a CHECKPOINT statement/],
    ["DETACH", () => `detach w`, /a DETACH statement/],
    ["CREATE", () => `create table gp2gp_marts.x (i integer)`, /a CREATE statement/],
    ["INSERT after WITH", () => `with a as (select 1) insert into gp2gp_marts.transfers select * from gp2gp_marts.transfers`, /a WITH statement/],
    ["EXPLAIN ANALYZE of COPY", () => `explain analyze copy (select 1) to '${path.join(dir, "z.csv")}'`, /an EXPLAIN of a COPY statement/],
    ["a comment hiding a COPY", () => `/* select */ copy (select 1) to '${path.join(dir, "c.csv")}'`, /a COPY statement/],
    ["an empty query", () => ` -- nothing\n ;`, /The query is empty/],
  ];

  it.each(refused)("refuses %s before running anything, leaving the warehouse byte-identical", async (_name, sql, message) => {
    const before = sha256(database);
    const otherBefore = sha256(other);
    const files = filesIn(dir);
    const error = await runAnalystQuery({ database, query: sql() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedQueryError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/Nothing was run|is empty/);
    expect(sha256(database)).toBe(before);
    expect(sha256(other)).toBe(otherBefore);
    expect(filesIn(dir)).toEqual(files);
  });

  it("reads no file through a replacement scan (FROM 'file')", async () => {
    await expect(runAnalystQuery({ database, query: "from '/etc/passwd'" })).rejects.toThrow(/Table with name \/etc\/passwd does not exist/);
    await expect(runAnalystQuery({ database, query: "summarize '/etc/passwd'" })).rejects.toThrow(/Table with name \/etc\/passwd does not exist/);
  });

  it("exits non-zero from the command line, naming the statement, with the warehouse unchanged", async () => {
    const before = sha256(database);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [path.join(ROOT, "scripts/gp2gp.js"), "sql", `copy (select 'garbage') to '${database}' (format csv, header false)`, "--database", database],
        { cwd: ROOT },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/gp2gp sql runs one query .* this is a COPY statement, which is refused\. Nothing was run\./);
    expect(sha256(database)).toBe(before);
  });

  it("refuses an --out file that is the warehouse or a file beside it", async () => {
    for (const file of [database, `${database}.wal`, `${database}.lock`, path.join(`${database}.tmp`, "x.csv")]) {
      await expect(runAnalystQuery({ database, query: "select 1", out: { file, format: "csv" } })).rejects.toThrow(/is the warehouse .* choose another file/);
    }
  });
});

describe("gp2gp sql: queries", () => {
  const accepted: [string, string, number][] = [
    ["SELECT", "select conversation_id from gp2gp_marts.transfers order by n", 5],
    ["WITH", "with t as (select * from gp2gp_marts.transfers where n > 3) select count(*) as c from t", 1],
    ["FROM-first", "from gp2gp_marts.transfers where n = 1", 1],
    ["VALUES", "values (1, 'a'), (2, 'b')", 2],
    ["TABLE", "table gp2gp_marts.transfers", 5],
    ["DESCRIBE", "describe gp2gp_marts.transfers", 3],
    ["SHOW", "show all tables", 1],
    ["SUMMARIZE", "summarize gp2gp_marts.transfers", 3],
    ["EXPLAIN", "explain select count(*) from gp2gp_marts.transfers", 1],
    ["EXPLAIN ANALYZE", "explain analyze select count(*) from gp2gp_marts.transfers", 1],
    ["a query with a trailing semicolon and comments", "-- the first rows\nselect * from gp2gp_marts.transfers limit 2; ", 2],
  ];

  it.each(accepted)("runs %s", async (_name, sql, rows) => {
    const result = await runAnalystQuery({ database, query: sql });
    expect(result.kind).toBe("rows");
    expect(result.kind === "rows" && result.rows.length).toBe(rows);
  });

  it("writes csv, json and parquet with --out, atomically, readable by DuckDB, with the warehouse unchanged", async () => {
    const before = sha256(database);
    const outDir = tempDir("sql-out");
    const query = "select conversation_id, n, date_requested, n * 1.5 as half, [n, n] as pair, n as N from gp2gp_marts.transfers order by n";
    for (const format of ["csv", "json", "parquet"] as const) {
      const file = path.join(outDir, `result.${format}`);
      const result = await runAnalystQuery({ database, query, out: { file, format } });
      expect(result).toMatchObject({ kind: "file", file, format, rows: 5 });
      const reader = { csv: "read_csv", json: "read_json", parquet: "read_parquet" }[format];
      const rows = await readBack(`select conversation_id, n::integer as n, date_requested::varchar as at from ${reader}('${file}') order by n`);
      expect(rows).toHaveLength(5);
      expect(rows[0]).toEqual({ conversation_id: "conv-1", n: 1, at: "2026-01-01 01:00:00" });
    }
    // The duplicate column (n, N: the same name to DuckDB) is kept as n_1; the parquet file keeps the types.
    expect(await readBack(`select column_name, column_type from (describe select * from read_parquet('${path.join(outDir, "result.parquet")}'))`)).toEqual([
      { column_name: "conversation_id", column_type: "VARCHAR" },
      { column_name: "n", column_type: "BIGINT" },
      { column_name: "date_requested", column_type: "TIMESTAMP" },
      { column_name: "half", column_type: "DECIMAL(21,1)" },
      { column_name: "pair", column_type: "BIGINT[]" },
      { column_name: "N_1", column_type: "BIGINT" },
    ]);
    // Only the three files: no temporary file is left behind.
    expect(filesIn(outDir)).toEqual(["result.csv", "result.json", "result.parquet"]);
    expect(sha256(database)).toBe(before);
  });

  it("leaves an existing --out file as it was when the query fails", async () => {
    const file = path.join(tempDir("sql-out-fail"), "keep.csv");
    fs.writeFileSync(file, "old\n");
    await expect(runAnalystQuery({ database, query: "select error('boom') from gp2gp_marts.transfers", out: { file, format: "csv" } })).rejects.toThrow(/boom/);
    expect(fs.readFileSync(file, "utf8")).toBe("old\n");
    expect(filesIn(path.dirname(file))).toEqual(["keep.csv"]);
  });
});
