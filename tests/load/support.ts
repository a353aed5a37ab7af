/**
 * Test support for the loaders: a throw-away warehouse per test and files written into its folder.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";

export interface TestWarehouse {
  readonly warehouse: Warehouse;
  readonly dir: string;
  /** Writes a file into the test folder (gzip-compressed when `gzip`) and returns its path. */
  file(name: string, content: string | Buffer, options?: { gzip?: boolean }): string;
  /** Rows of a raw table, ordered by the given columns. */
  raw<T extends Record<string, unknown> = Record<string, unknown>>(table: string, orderBy?: string, where?: string): Promise<T[]>;
  count(table: string, where?: string): Promise<number>;
  close(): void;
}

export async function testWarehouse(prefix: string): Promise<TestWarehouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gp2gp-load-${prefix}-`));
  const warehouse = await Warehouse.open(path.join(dir, "test.duckdb"), { datasets });
  const where = (condition?: string) => (condition ? ` where ${condition}` : "");
  return {
    warehouse,
    dir,
    file(name, content, options = {}) {
      const filePath = path.join(dir, name);
      fs.mkdirSync(path.dirname(filePath), { recursive: true });
      fs.writeFileSync(filePath, options.gzip ? zlib.gzipSync(content) : content);
      return filePath;
    },
    raw: (table, orderBy = "source_row", condition) =>
      warehouse.rows(`select * from "${datasets.raw}"."${table}"${where(condition)} order by ${orderBy}`) as never,
    count: (table, condition) => warehouse.scalar<number>(`select count(*) from "${datasets.raw}"."${table}"${where(condition)}`),
    close() {
      warehouse.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SPINE_HEADER = "_time,conversationID,GUID,interactionID,messageSender,messageRecipient,messageRef,jdiEvent,toSystem,fromSystem";
export const REQUEST = "urn:nhs:names:services:gp2gp/RCMR_IN010000UK05";
export const ACK = "urn:nhs:names:services:gp2gp/MCCI_IN010000UK13";

/** One export line in the standard column order. */
export function spineLine(overrides: Partial<Record<string, string>> = {}, n = 1): string {
  const row: Record<string, string> = {
    _time: `2024-03-04T10:00:${String(n % 60).padStart(2, "0")}.123+0000`,
    conversationID: `CONV-${n}`,
    GUID: `GUID-${n}`,
    interactionID: REQUEST,
    messageSender: "000123456789",
    messageRecipient: "000987654321",
    messageRef: "NotProvided",
    jdiEvent: "NONE",
    toSystem: "EMIS",
    fromSystem: "TPP",
    ...overrides,
  };
  return SPINE_HEADER.split(",")
    .map((h) => row[h])
    .join(",");
}

/** A line of `spineLine` moved to another day, its conversation and message IDs tagged so that they differ from other files'. */
export function onDay(line: string, day: string, tag = day): string {
  const moved = line.replaceAll("2024-03-04", day);
  return tag ? moved.replace(/(CONV|GUID)-/g, `$1-${tag}-`) : moved;
}

export function spineCsv(lines: readonly string[], header = SPINE_HEADER): string {
  return [header, ...lines].join("\n") + "\n";
}
