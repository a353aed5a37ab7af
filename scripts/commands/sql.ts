/**
 * `gp2gp sql "<query>"`: one read-only query against the warehouse, for analysts (scripts/lib/analyst-query.ts).
 */
import { Command, Option } from "commander";
import type { PrintFormat } from "../lib/analyst-query";
import { addDatabaseOption, databasePath, lockWaitOf } from "../lib/engine-options";
import { number } from "../lib/cli/format";

export function registerSqlCommand(program: Command): void {
  addDatabaseOption(
    program
      .command("sql")
      .description(
        "Run one read-only query (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN) against the DuckDB warehouse; " +
          "anything else (COPY, ATTACH, EXPORT, INSTALL, LOAD, PRAGMA, SET, several statements) is refused, and no file outside the warehouse can be read",
      ),
  )
    .argument("<query>", 'the query, e.g. "select * from gp2gp_marts.transfers limit 10"')
    .addOption(new Option("--format <format>", "table, csv or json when printing (default table); csv, json or parquet with --out (default: the file's extension)").choices(["table", "csv", "json", "parquet"]))
    .option("--out <file>", "write the result to this file (.csv, .json or .parquet) instead of printing it; written atomically")
    .option("--lock-wait <seconds>", "wait up to this long while a command that writes the warehouse has it open", "0")
    .action(async (query: string, options: { format?: string; out?: string; lockWait: string; database?: string }) => {
      if (!options.out && options.format === "parquet") throw new Error("--format parquet needs --out FILE.");
      if (options.out && options.format === "table") throw new Error("--format table prints to the terminal: with --out use csv, json or parquet.");
      const { fileFormatOf, renderRows, runAnalystQuery } = await import("../lib/analyst-query");
      const result = await runAnalystQuery({
        database: databasePath(options),
        query,
        out: options.out ? { file: options.out, format: fileFormatOf(options.out, options.format) } : undefined,
        lockWait: lockWaitOf(options),
      });
      if (result.kind === "rows") process.stdout.write(renderRows(result.rows, (options.format ?? "table") as PrintFormat));
      else process.stdout.write(`Wrote ${number.format(result.rows)} row${result.rows === 1 ? "" : "s"} to ${result.file} (${result.format}, ${number.format(result.bytes)} bytes).\n`);
    });
}
