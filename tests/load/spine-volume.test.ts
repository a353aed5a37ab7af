/**
 * A day-sized-plus export (1,000,000 rows, gzip) loads with bounded memory and each row keeps its line's number: the
 * file is plain, so DuckDB reads it straight while the loader checks it, streaming, so memory does not grow with the
 * file.
 */
import fs from "node:fs";
import { once } from "node:events";
import path from "node:path";
import zlib from "node:zlib";
import { afterEach, beforeEach, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { loadSpine } from "../../scripts/lib/load/spine";
import { SPINE_HEADER, testWarehouse, type TestWarehouse } from "./support";

const ROWS = 1_000_000;

let t: TestWarehouse;
beforeEach(async () => {
  t = await testWarehouse("volume");
});
afterEach(() => t.close());

/** Streams a realistic export to disk: conversations of four messages, some acknowledgements with error codes. */
async function writeExport(filePath: string, rows: number): Promise<void> {
  const gzip = zlib.createGzip({ level: 1 });
  const done = gzip.pipe(fs.createWriteStream(filePath));
  gzip.write(`${SPINE_HEADER}\n`);
  const batch: string[] = [];
  for (let i = 1; i <= rows; i++) {
    const conversation = `${(i >> 2).toString(16).padStart(8, "0").toUpperCase()}-5C2B-4A0E-9D4E-2F1B7C9A6E31`;
    const guid = `${i.toString(16).padStart(8, "0").toUpperCase()}-0D8F-4C6B-8E2A-7B3D5F1A9C42`;
    const seconds = String(i % 60).padStart(2, "0");
    const ack = i % 4 === 1;
    batch.push(
      `2024-03-04T${String((i >> 12) % 24).padStart(2, "0")}:${String((i >> 6) % 60).padStart(2, "0")}:${seconds}.${String(i % 1000).padStart(3, "0")}+0000,` +
        `${conversation},${guid},urn:nhs:names:services:gp2gp/${ack ? "MCCI_IN010000UK13" : "RCMR_IN030000UK06"},` +
        `00012345${String(i % 10000).padStart(4, "0")},00098765${String(i % 7000).padStart(4, "0")},${ack ? conversation : "NotProvided"},` +
        `${ack ? (i % 20 === 1 ? "12" : "NONE") : ""},EMIS,TPP`,
    );
    if (batch.length === 5000 || i === rows) {
      if (!gzip.write(`${batch.join("\n")}\n`)) await once(gzip, "drain");
      batch.length = 0;
    }
  }
  gzip.end();
  await once(done, "finish");
}

it("loads 1,000,000 gzip rows with memory growth under 400 MB", async () => {
  const file = path.join(t.dir, "2024-03-04_spine_messages.csv.gz");
  await writeExport(file, ROWS);

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = process.hrtime.bigint();
  let summary;
  try {
    summary = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  peak = Math.max(peak, process.memoryUsage().rss);
  console.info(
    `1M-row gzip load: ${seconds.toFixed(2)} s (${Math.round(ROWS / seconds).toLocaleString("en-GB")} rows/s), ` +
      `RSS ${Math.round(baseline / 2 ** 20)} → peak ${Math.round(peak / 2 ** 20)} MB`,
  );

  expect(summary.files[0]).toMatchObject({ status: "loaded", rows: ROWS, loaded: ROWS, rejected: 0 });
  expect(await t.count("spine_messages")).toBe(ROWS);
  const rows = await t.warehouse.rows(`select min(source_row) as first, max(source_row) as last, count(distinct source_row) as distinct_rows from gp2gp_raw.spine_messages`);
  expect(rows[0]).toEqual({ first: 1, last: ROWS, distinct_rows: ROWS });
  // every row carries its own line's number: the GUID written on line n (n = 1 for the first data line) holds n
  const misnumbered = await t.warehouse.scalar<number>(
    `select count(*) from gp2gp_raw.spine_messages where guid != upper(lpad(to_hex(source_row), 8, '0')) || '-0D8F-4C6B-8E2A-7B3D5F1A9C42'`,
  );
  expect(misnumbered).toBe(0);
  expect(peak - baseline).toBeLessThan(400 * 2 ** 20);
});
