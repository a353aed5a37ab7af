/**
 * `gp2gp daily` delivered one or two days at a time gives the tables of one run over every file; a month that
 * becomes final is published once, with its exports; two months that become final in one run are both exported and
 * recorded, the edition being of the later; a call with nothing new adds only its run row; a broken file is
 * quarantined while the others load.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DailyResult } from "../../scripts/lib/daily";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";
import { COMPARED_TABLES, daily, deliver, fakePublisher, generateData, generateTwoMonths, newInbox, tableChecksum, type Generated } from "./support";

let data: Generated;
let stepInbox: string;
let stepDb: string;
let fullInbox: string;
let fullDb: string;
const stepPublisher = fakePublisher();
const fullPublisher = fakePublisher();
const stepResults: DailyResult[] = [];
let fullResult: DailyResult;
const BROKEN = "2026-03-30_spine_messages.csv";

beforeAll(async () => {
  data = await generateData();
  expect(data.spine).toHaveLength(10);
  const dbDir = tempDir("daily-db");

  // Delivered a day or two at a time, the reference files with the first day.
  stepInbox = newInbox();
  stepDb = path.join(dbDir, "step.duckdb");
  const chunks = [1, 2, 1, 2, 1, 1, 2];
  let next = 0;
  for (const [index, size] of chunks.entries()) {
    deliver(stepInbox, [...(index === 0 ? data.reference : []), ...data.spine.slice(next, next + size)]);
    next += size;
    stepResults.push(await daily(stepInbox, stepDb, { publisher: stepPublisher.publish }));
  }
  expect(next).toBe(10);

  // Every file at once, with a broken one beside them (a second file for a day, which is not a Spine export).
  fullInbox = newInbox();
  fullDb = path.join(dbDir, "full.duckdb");
  deliver(fullInbox, [...data.reference, ...data.spine]);
  fs.writeFileSync(path.join(fullInbox, "spine", BROKEN), "this,is,not\na,spine,export\n");
  fullResult = await daily(fullInbox, fullDb, { publisher: fullPublisher.publish });
}, 600_000);

async function withReadOnly<T>(database: string, body: (w: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open(database, { readOnly: true });
  try {
    return await body(warehouse);
  } finally {
    warehouse.close();
  }
}

describe("gp2gp daily", () => {
  it("loads each delivery and runs the graph after it", () => {
    for (const result of stepResults) {
      expect(result.run.outcome, result.run.message ?? "").toBe("done");
      expect(result.exitCode).toBe(0);
      expect(result.run.files_quarantined).toBe(0);
    }
    expect(stepResults.map((r) => r.run.files_loaded)).toEqual([1 + data.reference.length, 2, 1, 2, 1, 1, 2]);
    expect(stepResults.at(-1)!.run.files_skipped).toBe(data.reference.length + 8);
  });

  it.each(COMPARED_TABLES)("gives %s of one run over every file", async (table, exclude) => {
    const step = await withReadOnly(stepDb, (w) => tableChecksum(w, table, exclude));
    const full = await withReadOnly(fullDb, (w) => tableChecksum(w, table, exclude));
    expect(step.rows).toBeGreaterThan(0);
    expect(step).toEqual(full);
  });

  it("publishes the month that became final once, with its metrics and four reports", () => {
    expect(stepPublisher.calls.map((c) => [c.month, c.audience])).toEqual([["2026-03", "public"]]);
    expect(stepResults.flatMap((r) => r.published.map((p) => p.month))).toEqual(["2026-03"]);
    expect(fullPublisher.calls.map((c) => c.month)).toEqual(["2026-03"]);
    for (const inbox of [stepInbox, fullInbox]) {
      const files = fs.readdirSync(path.join(inbox, "exports", "2026-03")).sort();
      expect(files.filter((f) => f.endsWith(".json"))).toEqual(["2026-3-nationalMetrics.json", "2026-3-practiceMetrics.json"]);
      expect(files.filter((f) => f.endsWith(".csv"))).toHaveLength(4);
      expect(files.filter((f) => f.endsWith(".csv")).every((f) => f.startsWith("2026-03-01-to-2026-03-31-"))).toBe(true);
      expect(fs.readdirSync(path.join(inbox, "exports"))).toEqual(["2026-03"]);
    }
  });

  it("writes each alert once, as a JSON line under alerts/", () => {
    const raised = stepResults.flatMap((r) => r.alerts.map((a) => a.id));
    expect(raised.length).toBeGreaterThan(0);
    expect(new Set(raised).size).toBe(raised.length);
    const lines = fs
      .readdirSync(path.join(stepInbox, "alerts"))
      .flatMap((f) => fs.readFileSync(path.join(stepInbox, "alerts", f), "utf8").trim().split("\n"))
      .map((line) => JSON.parse(line) as { id: string; page: string; delivery: { status: string } });
    expect(lines.map((l) => l.id).sort()).toEqual([...raised].sort());
    expect(lines.every((l) => l.page.startsWith("/") && l.delivery.status === "not_configured")).toBe(true);
    expect(lines.some((l) => l.page === "/operations/technical-failure-rate/")).toBe(true);
  });

  it("quarantines a broken file with its reason, and loads the others", () => {
    expect(fullResult.run.outcome, fullResult.run.message ?? "").toBe("done");
    expect(fullResult.run.files_quarantined).toBe(1);
    expect(fullResult.run.files_loaded).toBe(data.reference.length + data.spine.length);
    expect(fs.existsSync(path.join(fullInbox, "spine", BROKEN))).toBe(false);
    expect(fs.readFileSync(path.join(fullInbox, "quarantine", BROKEN), "utf8")).toContain("this,is,not");
    const reason = fs.readFileSync(path.join(fullInbox, "quarantine", `${BROKEN}.reason.txt`), "utf8");
    expect(reason).toMatch(/^spine\/2026-03-30_spine_messages\.csv was not loaded: .*is not a Spine message export/);
  });

  it("with nothing new exits 4, publishes nothing and adds only its run row", async () => {
    const counts = (w: Warehouse) =>
      w.rows(
        `select (select count(*) from gp2gp_raw.load_log) as loads, (select count(*) from gp2gp_marts.pipeline_alerts) as alerts,
                (select count(*) from gp2gp_marts.pipeline_published_months) as months, (select count(*) from gp2gp_marts.pipeline_runs) as runs`,
      );
    const marts = (w: Warehouse) => Promise.all(COMPARED_TABLES.map(([table, exclude]) => tableChecksum(w, table, exclude)));
    const before = await withReadOnly(stepDb, async (w) => ({ counts: await counts(w), marts: await marts(w) }));
    const alertFiles = fs.readdirSync(path.join(stepInbox, "alerts")).map((f) => fs.readFileSync(path.join(stepInbox, "alerts", f), "utf8"));
    const again = await daily(stepInbox, stepDb, { publisher: stepPublisher.publish });
    expect(again.exitCode).toBe(4);
    expect(again.run).toMatchObject({ outcome: "nothing_new", exit_code: 4, files_loaded: 0, files_skipped: data.reference.length + 10, alerts_raised: 0, editions_published: 0 });
    expect(stepPublisher.calls).toHaveLength(1);
    const after = await withReadOnly(stepDb, async (w) => ({ counts: await counts(w), marts: await marts(w) }));
    expect(after.marts).toEqual(before.marts);
    expect(after.counts).toEqual([{ ...before.counts[0], runs: Number(before.counts[0]!.runs) + 1 }]);
    expect(fs.readdirSync(path.join(stepInbox, "alerts")).map((f) => fs.readFileSync(path.join(stepInbox, "alerts", f), "utf8"))).toEqual(alertFiles);
    const lastRun = await withReadOnly(stepDb, (w) => w.rows(`select outcome, exit_code from gp2gp_marts.pipeline_runs where run_id = '${again.run.run_id}'`));
    expect(lastRun).toEqual([{ outcome: "nothing_new", exit_code: 4 }]);
  });
});

describe("gp2gp daily, when two months become final in one run", () => {
  let inbox: string;
  let database: string;
  const publisher = fakePublisher();
  let first: DailyResult;
  let again: DailyResult;
  const MONTHS = [
    ["2026-02", "2026-2", "2026-02-01-to-2026-02-28-"],
    ["2026-03", "2026-3", "2026-03-01-to-2026-03-31-"],
  ] as const;

  beforeAll(async () => {
    const twoMonths = await generateTwoMonths();
    expect(twoMonths.spine.map((f) => path.basename(f).slice(0, 10))).toEqual(["2026-02-26", "2026-02-27", "2026-02-28", "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-03"]);
    inbox = newInbox("daily-two-months-inbox");
    database = path.join(tempDir("daily-two-months-db"), "warehouse.duckdb");
    deliver(inbox, [...twoMonths.reference, ...twoMonths.spine]);
    first = await daily(inbox, database, { publisher: publisher.publish });
    again = await daily(inbox, database, { publisher: publisher.publish });
  }, 600_000);

  it("exports both months, with their metrics and four reports each", () => {
    expect(first.run.outcome, first.run.message ?? "").toBe("done");
    expect(fs.readdirSync(path.join(inbox, "exports")).sort()).toEqual(MONTHS.map(([month]) => month));
    for (const [month, metricsPrefix, reportPrefix] of MONTHS) {
      const files = fs.readdirSync(path.join(inbox, "exports", month)).sort();
      expect(files.filter((f) => f.endsWith(".json"))).toEqual([`${metricsPrefix}-nationalMetrics.json`, `${metricsPrefix}-practiceMetrics.json`]);
      const reports = files.filter((f) => f.endsWith(".csv"));
      expect(reports).toHaveLength(4);
      expect(reports.every((f) => f.startsWith(reportPrefix))).toBe(true);
    }
  });

  it("publishes one edition, of the later month, and records both months as published", async () => {
    expect(publisher.calls.map((c) => [c.month, c.audience])).toEqual([["2026-03", "public"]]);
    expect(first.published.map((p) => [p.month, p.edition])).toEqual([["2026-03", "2026-03"]]);
    expect(first.run.editions_published).toBe(1);
    const recorded = await withReadOnly(database, (w) =>
      w.rows(`select strftime(metric_month, '%Y-%m') as month, run_id, edition, exports_dir from gp2gp_marts.pipeline_published_months order by metric_month`),
    );
    expect(recorded).toEqual([
      { month: "2026-02", run_id: first.run.run_id, edition: null, exports_dir: path.join(inbox, "exports", "2026-02") },
      { month: "2026-03", run_id: first.run.run_id, edition: "2026-03", exports_dir: path.join(inbox, "exports", "2026-03") },
    ]);
  });

  it("publishes nothing on a further call", () => {
    expect(again.exitCode).toBe(4);
    expect(again.run).toMatchObject({ outcome: "nothing_new", editions_published: 0 });
    expect(again.published).toEqual([]);
    expect(publisher.calls).toHaveLength(1);
  });
});
