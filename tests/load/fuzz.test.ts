/**
 * Fuzzing the Spine loader: seeded random mutations of a valid generated day file (cut fields, extra commas, quotes,
 * random bytes, bad, far-future and 1900 times, blank IDs, duplicated rows, a cut-off end) are loaded one after the
 * other as the same day, each replacing the one before. Each load either accounts for every non-blank line after the
 * header (loaded + rejected) or refuses the file leaving the raw tables exactly as they were; every few mutations the
 * graph runs and must pass, with national metrics for the generated month alone and a data watermark within the
 * loaded days. The second test (run after the first, on the same warehouse) loads a far-future and a 1900 time for
 * certain and runs the graph once more.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { generate } from "../../scripts/lib/generate";
import { Random } from "../../scripts/lib/generate/random";
import { LoadError } from "../../scripts/lib/load/common";
import { loadGeography } from "../../scripts/lib/load/geography";
import { loadOds } from "../../scripts/lib/load/ods";
import { loadSpine } from "../../scripts/lib/load/spine";
import { runGraph, tempDir } from "../support/warehouse";

const START = "2026-03-02";
const DAY2 = "2026-03-03";
const MUTATIONS = 24;
/** A graph run takes seconds even on this small warehouse, so the runs come after every few mutations. */
const RUN_EVERY = 12;
const RAW_TABLES = ["spine_messages", "spine_messages_rejected", "load_log"];

let dir: string;
let warehouse: Warehouse;
/** The second day's export, as generated. */
let day2: Buffer;

beforeAll(async () => {
  dir = tempDir("fuzz");
  const data = path.join(dir, "data");
  await generate({ outDir: data, start: START, days: 2, practices: 8, seed: 11 });
  const reference = path.join(data, "reference");
  const files = fs.readdirSync(reference).sort();
  warehouse = await Warehouse.open(path.join(dir, "fuzz.duckdb"), { datasets });
  await loadOds(warehouse, files.filter((f) => f.endsWith("organisationMetadata.json")).map((f) => path.join(reference, f)), { raw: datasets.raw });
  await loadGeography(warehouse, files.filter((f) => f.startsWith("geography")).map((f) => path.join(reference, f)), { raw: datasets.raw });
  await loadSpine(warehouse, [path.join(data, "spine", `${START}_spine_messages.csv.gz`)], { raw: datasets.raw });
  day2 = zlib.gunzipSync(fs.readFileSync(path.join(data, "spine", `${DAY2}_spine_messages.csv.gz`)));
});

afterAll(() => warehouse?.close());

/** Non-blank lines after the header, counted the plain way: split on line feeds, a carriage return before one dropped. */
function dataLines(bytes: Buffer): number {
  const lines = bytes.toString("latin1").split("\n").slice(1);
  return lines.filter((line) => line.replace(/\r$/, "") !== "").length;
}

/** Row count and a hash of every row of each raw Spine table. */
async function rawState(): Promise<string> {
  const states = [];
  for (const table of RAW_TABLES) {
    states.push(await warehouse.rows(`select count(*)::bigint as n, coalesce(sum(hash(t)), 0)::varchar as h from gp2gp_raw.${table} as t`));
  }
  return JSON.stringify(states);
}

const TIMES = ["yesterday", "9999-12-31T23:59:59.000+0000", "1900-01-01T00:00:00.000+0000", "2026-04-30T10:00:00.000+0000", ""];

/** One random change to the lines of a file (the header is line 0 and is left alone). */
function mutate(rng: Random, lines: Buffer[]): string {
  const at = 1 + rng.int(lines.length - 1);
  const line = lines[at].toString("latin1");
  const fields = line.split(",");
  const pos = rng.int(line.length + 1);
  const insert = (text: string) => Buffer.from(line.slice(0, pos) + text + line.slice(pos), "latin1");
  switch (rng.int(9)) {
    case 0:
      fields.splice(rng.int(fields.length), 1);
      lines[at] = Buffer.from(fields.join(","), "latin1");
      return `cut a field of line ${at}`;
    case 1:
      lines[at] = insert(",".repeat(1 + rng.int(2)));
      return `extra commas in line ${at}`;
    case 2: {
      const field = rng.int(fields.length);
      lines[at] = rng.chance(0.5) ? insert('"') : Buffer.from(fields.map((f, i) => (i === field ? `"${f}` : f)).join(","), "latin1");
      return `a quote in line ${at}`;
    }
    case 3: {
      const bytes = Buffer.from(Array.from({ length: 1 + rng.int(3) }, () => rng.int(256)));
      lines[at] = Buffer.concat([lines[at].subarray(0, pos), bytes, lines[at].subarray(pos)]);
      return `random bytes ${bytes.toString("hex")} in line ${at}`;
    }
    case 4: {
      const time = TIMES[rng.int(TIMES.length)];
      fields[0] = time;
      lines[at] = Buffer.from(fields.join(","), "latin1");
      return `time "${time}" in line ${at}`;
    }
    case 5:
      fields[1 + rng.int(3)] = rng.chance(0.5) ? "" : "   ";
      lines[at] = Buffer.from(fields.join(","), "latin1");
      return `a blank ID in line ${at}`;
    case 6: {
      const copies = 1 + rng.int(3);
      lines.splice(at, 0, ...Array(copies).fill(lines[at]));
      return `line ${at} duplicated ${copies} times`;
    }
    case 7:
      lines.splice(at, 0, Buffer.alloc(0));
      return `a blank line before line ${at}`;
    default:
      lines.splice(at + 1);
      lines[at] = lines[at].subarray(0, pos);
      return `the file cut off at line ${at}`;
  }
}

/** Runs the graph (which throws on any failure) and checks the months and the watermark the loaded days allow. */
async function runAndCheck(when: string): Promise<void> {
  await runGraph(warehouse, { selection: { includeTests: false } });
  const months = await warehouse.rows<{ month: string }>(`select strftime(metric_month, '%Y-%m') as month from gp2gp_marts.national_metrics_monthly order by 1`);
  expect(months.map((m) => m.month), when).toEqual(["2026-03"]);
  // Every watermark recorded: the latest accepted message time, within day 2 plus the tolerance.
  const watermark = await warehouse.scalar<string>(`select strftime(max(data_watermark_at), '%Y-%m-%d %H:%M:%S') from gp2gp_staged.stg_watermarks`);
  expect(watermark! < "2026-03-05", `watermark ${watermark} ${when}`).toBe(true);
  const latestAccepted = await warehouse.scalar<string>(`select strftime(max(message_at), '%Y-%m-%d %H:%M:%S') from gp2gp_staged.stg_spine_messages`);
  const current = await warehouse.scalar<string>(
    `select strftime(data_watermark_at, '%Y-%m-%d %H:%M:%S') from gp2gp_staged.stg_watermarks order by recorded_at desc limit 1`,
  );
  expect(current, when).toBe(latestAccepted);
}

describe("Spine loader fuzz", () => {
  it(`accounts for every line of ${MUTATIONS} mutated day files or refuses them unchanged, and the runs after them pass`, async () => {
    const rng = Random.fromSeed(20260303);
    const outcomes: string[] = [];
    for (let i = 1; i <= MUTATIONS; i++) {
      const lines = day2.subarray(0, day2.length - 1).toString("latin1").split("\n").map((line) => Buffer.from(line, "latin1"));
      const changes = Array.from({ length: 1 + rng.int(3) }, () => mutate(rng, lines));
      const bytes = Buffer.concat([Buffer.concat(lines.flatMap((line) => [line, Buffer.from("\n")]))]);
      const gzip = rng.chance(0.5);
      // Another folder each time: the same day, so each load replaces the one before.
      const file = path.join(dir, `m${i}`, `${DAY2}_spine_messages.csv${gzip ? ".gz" : ""}`);
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, gzip ? zlib.gzipSync(bytes) : bytes);
      const what = `mutation ${i} (${changes.join("; ")})`;

      const before = await rawState();
      const loaded = await loadSpine(warehouse, [file], { raw: datasets.raw }).then(
        (summary) => summary.files[0],
        (error: unknown) => error,
      );
      if (loaded instanceof Error) {
        expect(loaded, what).toBeInstanceOf(LoadError);
        expect(await rawState(), `${what}: refused, the raw tables unchanged`).toBe(before);
        outcomes.push(`${what}: refused (${loaded.message})`);
      } else {
        const result = loaded as Exclude<Awaited<ReturnType<typeof loadSpine>>["files"][number], undefined>;
        expect(["loaded", "replaced"], what).toContain(result.status);
        expect(result.loaded + result.rejected, what).toBe(result.rows);
        expect(result.rows, what).toBe(dataLines(bytes));
        outcomes.push(`${what}: ${result.loaded} loaded, ${result.rejected} rejected`);
      }

      // The last mutations' run is the next test's, after one more load.
      if (i % RUN_EVERY === 0 && i < MUTATIONS) await runAndCheck(`after ${what}`);
    }
    // The mutations reached the loader's checks: some loads rejected rows.
    expect(outcomes.some((o) => / [1-9]\d* rejected$/.test(o)), outcomes.join("\n")).toBe(true);
    if (process.env.GP2GP_FUZZ_VERBOSE) console.log(outcomes.join("\n"));
  }, 300_000);

  it("computes the watermark from accepted rows only: a far-future and a 1900 time are rejected and move nothing", async () => {
    const lines = day2.subarray(0, day2.length - 1).toString("utf8").split("\n");
    const withTime = (line: string, time: string) => [time, ...line.split(",").slice(1)].join(",");
    lines.push(withTime(lines[1], "9999-12-31T23:59:59.000+0000"), withTime(lines[2], "1900-01-01T00:00:00.000+0000"));
    const file = path.join(dir, "times", `${DAY2}_spine_messages.csv`);
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const [result] = (await loadSpine(warehouse, [file], { raw: datasets.raw })).files;
    expect(result).toMatchObject({ rows: lines.length - 1, rejected: 2 });
    expect(result.rejections).toEqual([
      `${DAY2}_spine_messages.csv row ${lines.length - 2}: _time "9999-12-31T23:59:59.000+0000" is more than 1 day outside the file's day, ${DAY2} (the time tolerance)`,
      `${DAY2}_spine_messages.csv row ${lines.length - 1}: _time "1900-01-01T00:00:00.000+0000" is before 2010-01-01, earlier than any GP2GP message`,
    ]);
    await runAndCheck("after a far-future and a 1900 time");
  });
});
