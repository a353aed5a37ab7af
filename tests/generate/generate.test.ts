/**
 * The generator end to end: the files it writes, their determinism, and the coverage of every outcome path in a
 * small run (200 practices, 4 weeks spanning the switch to British summer time).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPINE_COLUMNS } from "../../includes/raw_schemas";
import { FATAL_SENDER_ERROR_CODES } from "../../includes/constants";
import { DISCARDED, SCENARIO_IDS, TAG, generate, outcomeLabel, type GenerateProgress, type GenerateSummary } from "../../scripts/lib/generate";
import { classify, groupByConversation, parseSpineTime, readCsv, readSpineFiles, spineMessages, type ClassifierMessage, type SpineFile } from "./helpers";

const START = "2024-03-11"; // a Monday; British summer time starts on Sunday 31 March
const DAYS = 28;
// Most seeds show every scenario at least 3 times in these 4 weeks; a few (42 among them) miss one of the rarest by chance.
const OPTIONS = { start: START, days: DAYS, practices: 200, seed: 1 };
const DAY_MS = 86_400_000;

let tmp: string;
let outDir: string;
let summary: GenerateSummary;
let spine: SpineFile[];
const progress: GenerateProgress[] = [];
const spineFile = (day: string) => spine.find((f) => f.name === `${day}_spine_messages.csv.gz`)!.csv;

const files = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-generate-"));
  outDir = path.join(tmp, "a");
  summary = await generate({ ...OPTIONS, outDir, onProgress: (p) => progress.push(p) });
  spine = readSpineFiles(outDir);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("generate: layout", () => {
  it("writes one Spine file per UTC day, the reference files for each month touched, geography and a manifest", () => {
    const written = files(outDir);
    const spine = written.filter((f) => f.startsWith("spine"));
    expect(spine).toHaveLength(DAYS);
    expect(spine[0]).toBe(path.join("spine", "2024-03-11_spine_messages.csv.gz"));
    expect(spine[DAYS - 1]).toBe(path.join("spine", "2024-04-07_spine_messages.csv.gz"));
    expect(written.filter((f) => f.startsWith("reference"))).toEqual(
      ["2024-03_asidLookup.csv.gz", "2024-03_organisationMetadata.json", "2024-04_asidLookup.csv.gz", "2024-04_organisationMetadata.json", "geography.csv"].map((f) =>
        path.join("reference", f),
      ),
    );
    expect(written).toContain("manifest.json");
    expect(summary.files.map((f) => f.path).sort()).toEqual(written.map((f) => f.split(path.sep).join("/")));
    expect(progress.map((p) => p.day)).toHaveLength(DAYS);
    expect(progress.reduce((n, p) => n + p.rows, 0)).toBe(summary.rows.written);
    expect(progress.reduce((n, p) => n + p.conversations, 0)).toBe(summary.conversations.total);
  });

  it("writes Spine files with the exact export header, ten fields a row, rows in time order and in their UTC day's file", () => {
    const header = SPINE_COLUMNS.map((c) => c.header).join(",");
    expect(header).toBe("_time,conversationID,GUID,interactionID,messageSender,messageRecipient,messageRef,jdiEvent,toSystem,fromSystem");
    // Collect faults and assert once: an expect per row would dominate the test's run time.
    const faults: string[] = [];
    let rows = 0;
    for (const { name, csv } of spine) {
      if (csv.header.join(",") !== header) faults.push(`${name}: header ${csv.header.join(",")}`);
      const day = name.slice(0, 10);
      let previous = -Infinity;
      csv.rows.forEach((row, i) => {
        const time = parseSpineTime(row[0]);
        if (row.length !== 10) faults.push(`${name} row ${i + 1}: ${row.length} fields`);
        if (new Date(time).toISOString().slice(0, 10) !== day) faults.push(`${name} row ${i + 1}: ${row[0]} is not on ${day}`);
        if (time < previous) faults.push(`${name} row ${i + 1}: out of time order`);
        previous = time;
      });
      rows += csv.rows.length;
    }
    expect(faults.slice(0, 10)).toEqual([]);
    expect(rows).toBe(summary.rows.written);
  });

  it("spells _time mostly as '… UTC', sometimes '+0000', and labels some summer-time rows BST", () => {
    const { utc, isoOffset, bst } = summary.rows.byTimeFormat;
    expect(utc + isoOffset + bst).toBe(summary.rows.written);
    expect(utc / summary.rows.written).toBeGreaterThan(0.9);
    expect(isoOffset).toBeGreaterThan(0);
    expect(bst).toBeGreaterThan(0);
    const march = spineFile("2024-03-20");
    expect(march.rows.some((r) => r[0].endsWith(" BST"))).toBe(false);
    const april = spineFile("2024-04-03");
    expect(april.rows.some((r) => r[0].endsWith(" BST"))).toBe(true);
    expect(april.rows.some((r) => r[0].endsWith("+0000"))).toBe(true);
  });

  it("writes ASIDs as 12-digit strings, many with leading zeros, and supplier names in fromSystem/toSystem", () => {
    const csv = spineFile("2024-03-12");
    const asids = csv.rows.flatMap((r) => [r[4], r[5]]);
    expect(asids.filter((a) => !/^\d{12}$/.test(a))).toEqual([]);
    expect(asids.some((a) => a.startsWith("00"))).toBe(true);
    const systems = new Set(csv.rows.flatMap((r) => [r[8], r[9]]));
    for (const s of systems) expect(["EMIS", "TPP", "Vision", "Microtest", "Unknown", ""]).toContain(s);
    expect(systems.has("EMIS")).toBe(true);
    expect(systems.has("TPP")).toBe(true);
  });

  it("writes valid reference files: metadata v5, ASID lookup and geography with the expected headers", () => {
    const metadata = JSON.parse(fs.readFileSync(path.join(outDir, "reference", "2024-04_organisationMetadata.json"), "utf8"));
    expect(Object.keys(metadata)).toEqual(["generated_on", "year", "month", "practices", "sicbls"]);
    expect([metadata.year, metadata.month]).toEqual([2024, 4]);
    // March lists the 200 practices of the universe; April's changes (churn.ts) apply to them.
    const { closure, merger, opening } = summary.organisations.churn;
    expect(summary.organisations.byMonth["2024-03"].practices).toBe(200);
    expect(metadata.practices).toHaveLength(200 - closure - merger + opening);
    expect(metadata.practices).toHaveLength(summary.organisations.byMonth["2024-04"].practices);
    for (const p of metadata.practices) {
      expect(Object.keys(p)).toEqual(["ods_code", "name", "asids"]);
      for (const a of p.asids) expect(typeof a === "string" && /^\d{12}$/.test(a)).toBe(true);
    }
    for (const s of metadata.sicbls) expect(Object.keys(s)).toEqual(["ods_code", "name", "practices"]);

    const lookup = readCsv(path.join(outDir, "reference", "2024-04_asidLookup.csv.gz"));
    expect(lookup.header).toEqual(["ASID", "NACS", "OrgName", "MName", "PName", "OrgType", "PostCode"]);
    expect(lookup.rows).toHaveLength(summary.organisations.byMonth["2024-04"].asids);
    for (const row of lookup.rows) expect(row).toHaveLength(7);
    expect(new Set(lookup.rows.map((r) => r[0]))).toEqual(new Set(metadata.practices.flatMap((p: { asids: string[] }) => p.asids)));

    const geography = readCsv(path.join(outDir, "reference", "geography.csv"));
    expect(geography.header).toEqual(["sicbl_ods_code", "sicbl_name", "icb_ods_code", "icb_name", "region_ods_code", "region_name"]);
    expect(geography.rows).toHaveLength(summary.organisations.sicbls);
    expect(new Set(geography.rows.map((r) => r[5])).size).toBe(7);
    const sicbls = new Set(metadata.sicbls.map((s: { ods_code: string }) => s.ods_code));
    for (const code of sicbls) expect(geography.rows.some((r) => r[0] === code)).toBe(true);
  });

  it("uses ASIDs in messages that no reference file knows", () => {
    const known = new Set(
      ["2024-03", "2024-04"].flatMap((month) => readCsv(path.join(outDir, "reference", `${month}_asidLookup.csv.gz`)).rows.map((r) => r[0])),
    );
    const unknown = new Set<string>();
    for (const { csv } of spine) for (const row of csv.rows) for (const a of [row[4], row[5]]) if (!known.has(a)) unknown.add(a);
    expect(unknown.size).toBeGreaterThan(0);
    expect(unknown.size).toBeLessThanOrEqual(summary.organisations.unknownAsids);
  });

  it("writes a manifest with the options, the files and the counts", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, "manifest.json"), "utf8"));
    expect(manifest.options).toEqual(OPTIONS);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(summary.files.filter((f) => f.path !== "manifest.json").map((f) => f.path));
    expect(manifest.conversations).toEqual(summary.conversations);
    expect(manifest.rows).toEqual(summary.rows);
    expect(JSON.stringify(manifest)).not.toContain(tmp);
  });
});

describe("generate: volumes and coverage", () => {
  it("requests about 40 transfers per practice per month with the published weekday pattern", () => {
    const perMonth = (summary.conversations.total / DAYS) * (365.25 / 12);
    expect(perMonth / 200).toBeGreaterThan(36);
    expect(perMonth / 200).toBeLessThan(44);
    const shares = [0.186, 0.224, 0.211, 0.195, 0.166, 0.013, 0.005];
    const byWeekday = [0, 0, 0, 0, 0, 0, 0];
    progress.forEach((p, i) => (byWeekday[i % 7] += p.conversations)); // day 0 is a Monday
    byWeekday.forEach((n, i) => expect(Math.abs(n / summary.conversations.total - shares[i])).toBeLessThan(0.015));
  });

  it("covers every outcome path of spec §5.2 and every scenario several times", () => {
    for (const id of SCENARIO_IDS) expect(summary.conversations.byScenario[id], id).toBeGreaterThanOrEqual(3);
    const outcomes = Object.keys(summary.conversations.byOutcome);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        "Integrated on time",
        "Process failure / Integrated late",
        "Process failure / Transferred, not integrated",
        "Technical failure / Final error",
        "Technical failure / Request not acknowledged",
        "Technical failure / Core extract not sent",
        "Technical failure / Contains fatal sender error",
        "Technical failure / COPC(s) not sent",
        "Technical failure / COPC(s) not acknowledged",
        "Unclassified failure / Transferred, not integrated, with error",
        "Unclassified failure / Ambiguous COPC messages",
        DISCARDED,
      ]),
    );
    for (const n of Object.values(summary.conversations.byOutcome)) expect(n).toBeGreaterThanOrEqual(3);
  });

  it("covers the variations: every fatal code, final and sender errors, large messages, UK07, quirks", () => {
    const tags = summary.conversations.byTag;
    for (const code of FATAL_SENDER_ERROR_CODES) expect(tags[TAG.fatalSenderCode(code)], `fatal ${code}`).toBeGreaterThan(0);
    for (const code of [19, 20]) expect(tags[TAG.senderCode(code)], `sender ${code}`).toBeGreaterThan(0);
    for (const code of [11, 28, 29, 31]) expect(tags[TAG.finalCode(code)], `final ${code}`).toBeGreaterThan(0);
    for (const tag of [
      TAG.LARGE_MESSAGE,
      TAG.EHR_UK07,
      TAG.UNKNOWN_INTERACTION,
      TAG.ACK_OF_UNKNOWN_GUID,
      TAG.DUPLICATE_EHR_ONLY_12,
      TAG.SUPPRESSED,
      TAG.MESSAGE_AFTER_14_DAYS,
      TAG.RESENT_ROW,
      TAG.CLOCK_SKEW,
      "unknown_requester_asid",
      "unknown_sender_asid",
    ]) {
      expect(tags[tag], tag).toBeGreaterThan(0);
    }
    const total = summary.conversations.total;
    expect(tags[TAG.LARGE_MESSAGE] / total).toBeGreaterThan(0.06);
    expect(tags[TAG.LARGE_MESSAGE] / total).toBeLessThan(0.11);
    expect(tags[TAG.EHR_UK07] / total).toBeGreaterThan(0.07);
    expect(tags[TAG.EHR_UK07] / total).toBeLessThan(0.13);
  });

  it("classifies (by the spec rules, from the files) exactly as the recorded intended outcomes", async () => {
    // Generation of a day depends only on the seed and the date, so a 6-day run records the intended outcomes of
    // the first 6 days' conversations, and the 28-day files hold all their messages up to 14 days.
    const prefix = await generate({ ...OPTIONS, days: 6, outDir: path.join(tmp, "prefix") });
    const firstDays = Date.parse(`${START}T00:00:00Z`) + 6 * DAY_MS;
    const counts: Record<string, number> = {};
    for (const messages of groupByConversation(spineMessages(spine)).values()) {
      const request = messages.find((m: ClassifierMessage) => m.interaction === "REQ" && m.guid === m.conversationId)!;
      if (request.time >= firstDays) continue;
      const label = outcomeLabel(classify(messages));
      counts[label] = (counts[label] ?? 0) + 1;
    }
    const expected = Object.fromEntries(Object.entries(prefix.conversations.byOutcome).filter(([, n]) => n > 0));
    expect(counts).toEqual(expected);
  });
});

describe("generate: determinism and validation", () => {
  it("gives byte-identical files for the same options and seed, and different files for another seed", async () => {
    const small = { start: "2024-03-30", days: 3, practices: 60 };
    const a = await generate({ ...small, seed: 7, outDir: path.join(tmp, "d1") });
    const b = await generate({ ...small, seed: 7, outDir: path.join(tmp, "d2") });
    const c = await generate({ ...small, seed: 8, outDir: path.join(tmp, "d3") });
    expect(a.files.map((f) => f.sha256)).toEqual(b.files.map((f) => f.sha256));
    for (const f of files(path.join(tmp, "d1"))) {
      expect(fs.readFileSync(path.join(tmp, "d1", f)).equals(fs.readFileSync(path.join(tmp, "d2", f))), f).toBe(true);
    }
    const spine = (s: GenerateSummary) => s.files.filter((f) => f.path.startsWith("spine/")).map((f) => f.sha256);
    spine(a).forEach((hash, i) => expect(hash).not.toBe(spine(c)[i]));
    // gzip header: no file name, zero modification time.
    const gz = fs.readFileSync(path.join(tmp, "d1", "spine", "2024-03-30_spine_messages.csv.gz"));
    expect([gz[0], gz[1], gz[3], gz.readUInt32LE(4)]).toEqual([0x1f, 0x8b, 0, 0]);
  });

  it("refuses bad options with a clear message", async () => {
    const base = { ...OPTIONS, outDir: path.join(tmp, "bad") };
    await expect(generate({ ...base, start: "2024-02-30" })).rejects.toThrow(/not a calendar date/);
    await expect(generate({ ...base, days: 0 })).rejects.toThrow(/days must be an integer/);
    await expect(generate({ ...base, practices: 1.5 })).rejects.toThrow(/practices must be an integer/);
    await expect(generate({ ...base, seed: Number.NaN })).rejects.toThrow(/seed must be an integer/);
  });
});
