/**
 * Practice churn over a three-month run of 300 practices: closures, mergers, moves and openings show in the
 * monthly reference files, and every message agrees with the reference data of its conversation's month.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, type GenerateSummary } from "../../scripts/lib/generate";
import { OrganisationTimeline, conversationSpanMs } from "../../scripts/lib/generate/churn";
import { buildUniverse } from "../../scripts/lib/generate/organisations";
import { Random } from "../../scripts/lib/generate/random";
import { DEFAULT_GENERATOR_CONFIG, type GeneratorConfig } from "../../scripts/lib/generate/config";
import { groupByConversation, readCsv, readSpineFiles, spineMessages, type ClassifierMessage } from "./helpers";

const MONTHS = ["2024-01", "2024-02", "2024-03"];
const OPTIONS = { start: "2024-01-01", days: 91, practices: 300, seed: 3 };
// Fewer transfers and small large messages keep the run quick; neither changes how practices churn.
const CONFIG: GeneratorConfig = {
  ...DEFAULT_GENERATOR_CONFIG,
  volume: { ...DEFAULT_GENERATOR_CONFIG.volume, transfersPerPracticePerMonth: 12 },
  modifiers: { ...DEFAULT_GENERATOR_CONFIG.modifiers, fragments: { median: 3, p90: 6, min: 2, max: 10 } },
};

interface Metadata {
  practices: { ods_code: string; name: string; asids: string[] }[];
  sicbls: { ods_code: string; name: string; practices: string[] }[];
}

interface Month {
  readonly start: number;
  readonly metadata: Metadata;
  /** ASID → ODS code, from the ASID lookup. */
  readonly lookup: Map<string, string>;
  /** Practice ODS code → SICBL ODS code (practices in no SICBL that month are absent). */
  readonly sicblOf: Map<string, string>;
}

let tmp: string;
let summary: GenerateSummary;
const months = new Map<string, Month>();
let conversations: Map<string, ClassifierMessage[]>;
let icbOfSicbl: Map<string, string>;

const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const requestOf = (messages: readonly ClassifierMessage[]) => messages.find((m) => m.interaction === "REQ" && m.guid === m.conversationId)!;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-churn-"));
  summary = await generate({ ...OPTIONS, outDir: tmp, config: CONFIG });
  for (const month of MONTHS) {
    const metadata = JSON.parse(fs.readFileSync(path.join(tmp, "reference", `${month}_organisationMetadata.json`), "utf8")) as Metadata;
    const lookup = new Map(readCsv(path.join(tmp, "reference", `${month}_asidLookup.csv.gz`)).rows.map((r) => [r[0], r[1]] as const));
    const sicblOf = new Map(metadata.sicbls.flatMap((s) => s.practices.map((p) => [p, s.ods_code] as const)));
    months.set(month, { start: Date.parse(`${month}-01T00:00:00Z`), metadata, lookup, sicblOf });
  }
  conversations = groupByConversation(spineMessages(readSpineFiles(tmp)));
  icbOfSicbl = new Map(readCsv(path.join(tmp, "reference", "geography.csv")).rows.map((r) => [r[0], r[2]] as const));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The changes between two consecutive months, read from the reference files alone. */
function changes(before: Month, after: Month) {
  const codesBefore = new Set(before.metadata.practices.map((p) => p.ods_code));
  const codesAfter = new Set(after.metadata.practices.map((p) => p.ods_code));
  const gone = before.metadata.practices.filter((p) => !codesAfter.has(p.ods_code));
  return {
    closed: gone.filter((p) => p.asids.every((a) => !after.lookup.has(a))).map((p) => p.ods_code),
    merged: gone.filter((p) => p.asids.every((a) => after.lookup.has(a))).map((p) => [p.ods_code, after.lookup.get(p.asids[0])!]),
    opened: after.metadata.practices.filter((p) => !codesBefore.has(p.ods_code)).map((p) => p.ods_code),
    moved: [...after.sicblOf].filter(([p, s]) => before.sicblOf.has(p) && before.sicblOf.get(p) !== s).map(([p, s]) => [p, before.sicblOf.get(p)!, s]),
  };
}

describe("practice churn", () => {
  it("closes, merges, moves and opens practices at the month boundaries, as the summary records", () => {
    const { churn, events, byMonth } = summary.organisations;
    for (const kind of ["closure", "merger", "move", "opening"] as const) expect(churn[kind], kind).toBeGreaterThanOrEqual(2);
    expect(new Set(events.map((e) => e.month))).toEqual(new Set(["2024-02", "2024-03"]));
    for (const [a, b] of [["2024-01", "2024-02"], ["2024-02", "2024-03"]]) {
      const seen = changes(months.get(a)!, months.get(b)!);
      const recorded = events.filter((e) => e.month === b);
      const of = (kind: string) => recorded.filter((e) => e.kind === kind);
      expect(seen.closed.sort()).toEqual(of("closure").map((e) => e.practice).sort());
      expect(seen.merged.sort()).toEqual(of("merger").map((e) => [e.practice, e.into]).sort());
      expect(seen.opened.sort()).toEqual(of("opening").map((e) => e.practice).sort());
      // A practice in no SICBL one month (a lagging ODS relationship) hides its move; every visible move is recorded.
      const moves = new Map(of("move").map((e) => [e.practice, [e.fromSicbl, e.sicbl]]));
      for (const [practice, from, to] of seen.moved) expect(moves.get(practice), practice).toEqual([from, to]);
      const m = months.get(b)!;
      expect(m.metadata.practices).toHaveLength(byMonth[b].practices);
      expect(m.lookup.size).toBe(byMonth[b].asids);
    }
  });

  it("moves practices only to another Sub-ICB location of the same ICB", () => {
    const moves = summary.organisations.events.filter((e) => e.kind === "move");
    expect(moves.length).toBeGreaterThan(0);
    for (const e of moves) {
      expect(e.sicbl).not.toBe(e.fromSicbl);
      expect(icbOfSicbl.get(e.sicbl!)).toBe(icbOfSicbl.get(e.fromSicbl!));
    }
  });

  it("gives opened practices new ODS codes and new ASIDs", () => {
    const january = months.get("2024-01")!;
    for (const e of summary.organisations.events.filter((e) => e.kind === "opening")) {
      const month = months.get(e.month)!;
      const practice = month.metadata.practices.find((p) => p.ods_code === e.practice)!;
      expect(practice.asids.length).toBeGreaterThan(0);
      for (const asid of practice.asids) {
        expect(january.lookup.has(asid)).toBe(false);
        expect(month.lookup.get(asid)).toBe(e.practice);
      }
    }
  });

  it("sends every message of a conversation with ASIDs known to its request month's reference data, or to none", () => {
    const everKnown = new Set(MONTHS.flatMap((m) => [...months.get(m)!.lookup.keys()]));
    const faults: string[] = [];
    for (const [id, messages] of conversations) {
      const request = requestOf(messages);
      const lookup = months.get(monthOf(request.time))!.lookup;
      for (const m of messages) {
        for (const asid of [m.sender, m.recipient]) {
          if (everKnown.has(asid) && !lookup.has(asid)) faults.push(`${id}: ${asid} is not listed in ${monthOf(request.time)}`);
        }
      }
    }
    expect(faults.slice(0, 5)).toEqual([]);
  });

  it("sends nothing from or to a closed practice on or after its closing day, and its last transfers finish in time", () => {
    const span = conversationSpanMs(CONFIG);
    const faults: string[] = [];
    for (const e of summary.organisations.events.filter((e) => e.kind === "closure")) {
      const before = months.get(previousMonth(e.month))!;
      const asids = new Set(before.metadata.practices.find((p) => p.ods_code === e.practice)!.asids);
      const closing = Date.parse(`${e.month}-01T00:00:00Z`);
      for (const messages of conversations.values()) {
        const request = requestOf(messages);
        for (const m of messages) {
          if (!asids.has(m.sender) && !asids.has(m.recipient)) continue;
          if (m.time >= closing) faults.push(`${e.practice} closed ${e.month} but ${m.conversationId} has a message at ${new Date(m.time).toISOString()}`);
          if (request && request.time + span > closing + 86_400_000) faults.push(`${e.practice} took part in ${m.conversationId} during its wind-down`);
        }
      }
    }
    expect(faults.slice(0, 5)).toEqual([]);
  });

  it("sends a merged practice's transfers from the surviving practice's ODS code via either site's ASIDs", () => {
    let viaAbsorbed = 0;
    for (const e of summary.organisations.events.filter((e) => e.kind === "merger")) {
      const before = months.get(previousMonth(e.month))!;
      const absorbed = new Set(before.metadata.practices.find((p) => p.ods_code === e.practice)!.asids);
      for (const messages of conversations.values()) {
        const request = requestOf(messages);
        if (!request || request.time < Date.parse(`${e.month}-01T00:00:00Z`)) continue;
        const lookup = months.get(monthOf(request.time))!.lookup;
        for (const asid of [request.sender, request.recipient]) {
          if (!absorbed.has(asid)) continue;
          viaAbsorbed++;
          expect(lookup.get(asid)).toBe(e.into);
        }
      }
    }
    expect(viaAbsorbed).toBeGreaterThan(0);
  });

  it("starts requests from opened practices in their opening month, never before", () => {
    let fromOpened = 0;
    for (const e of summary.organisations.events.filter((e) => e.kind === "opening")) {
      const asids = new Set(months.get(e.month)!.metadata.practices.find((p) => p.ods_code === e.practice)!.asids);
      const opening = Date.parse(`${e.month}-01T00:00:00Z`);
      for (const messages of conversations.values()) {
        const request = requestOf(messages);
        if (!request || !(asids.has(request.sender) || asids.has(request.recipient))) continue;
        expect(request.time).toBeGreaterThanOrEqual(opening);
        fromOpened++;
      }
    }
    expect(fromOpened).toBeGreaterThan(0);
  });
});

describe("practice churn at national scale", () => {
  it("loses about 2 % of 6,300 practices a year, mostly to mergers, with a few openings and moves", () => {
    const universe = buildUniverse(Random.fromSeed(8).fork("universe"), 6300, DEFAULT_GENERATOR_CONFIG);
    const timeline = new OrganisationTimeline(universe, Random.fromSeed(8).fork("churn"), "2024-01", Date.UTC(2024, 11, 31), DEFAULT_GENERATOR_CONFIG);
    const year = timeline.events.filter((e) => e.month <= "2025-01");
    const count = (kind: string) => year.filter((e) => e.kind === kind).length;
    expect(count("merger")).toBeGreaterThan(70);
    expect(count("merger")).toBeLessThan(130);
    expect(count("closure")).toBeGreaterThan(15);
    expect(count("closure")).toBeLessThan(50);
    expect(count("opening")).toBeGreaterThanOrEqual(12);
    expect(count("opening")).toBeLessThan(25);
    expect(count("move")).toBeGreaterThan(20);
    const after = timeline.month("2025-01").practices.length;
    expect((6300 - after) / 6300).toBeGreaterThan(0.012);
    expect((6300 - after) / 6300).toBeLessThan(0.03);
    // Every ASID is listed under one practice a month, and ODS codes are never reused.
    const asids = timeline.month("2025-01").practices.flatMap((p) => p.sites.flatMap((s) => s.asids));
    expect(new Set(asids).size).toBe(asids.length);
    const opened = timeline.events.filter((e) => e.kind === "opening").map((e) => e.practice);
    for (const code of opened) expect(universe.practices.some((p) => p.odsCode === code)).toBe(false);
  });
});

function previousMonth(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}
