/**
 * A `gp2gp daily` process killed (SIGKILL) while its graph runs, or as it starts loading: the next call completes the
 * run, and the warehouse then holds what one uninterrupted run over the same files gives.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";
import { COMPARED_TABLES, daily, deliver, generateData, newInbox, tableChecksum, VARS_OPTION, type Generated } from "./support";

const GP2GP = path.resolve(__dirname, "../../scripts/gp2gp.js");

/** Runs `gp2gp daily` and kills it with SIGKILL once it prints a line matching `when`; resolves with what it printed. */
function killDailyWhen(inbox: string, database: string, when: RegExp): Promise<{ output: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GP2GP, "daily", "--inbox", inbox, "--database", database, "--vars", VARS_OPTION, "--lock-wait", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (when.test(output) && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ output, signal, code }));
  });
}

let data: Generated;
// Seven days (to 2026-03-31): no month becomes final, so the killed process could never publish.
const DAYS = 7;

beforeAll(async () => {
  data = await generateData();
});

async function readOnly<T>(database: string, body: (w: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open(database, { readOnly: true });
  try {
    return await body(warehouse);
  } finally {
    warehouse.close();
  }
}

describe("gp2gp daily killed part-way", () => {
  it.each([
    ["while its graph runs", /^Graph: running/m, true],
    ["as it starts loading", /^Run /m, false],
  ] as const)("killed %s, is completed by the next call, with nothing lost or doubled", async (_when, killAt, loadedAll) => {
    const dbDir = tempDir("daily-kill-db");
    const killedInbox = newInbox();
    const killedDb = path.join(dbDir, "killed.duckdb");
    deliver(killedInbox, [...data.reference, ...data.spine.slice(0, DAYS)]);
    const killed = await killDailyWhen(killedInbox, killedDb, killAt);
    expect(killed.signal, killed.output).toBe("SIGKILL");
    if (loadedAll) expect(killed.output).toContain(`\nLoad: ${data.reference.length + DAYS} file(s) loaded`);
    expect(killed.output).not.toMatch(/^Done:/m);

    const resumed = await daily(killedInbox, killedDb);
    expect(resumed.run.outcome, resumed.run.message ?? "").toBe("done");
    // Whatever the killed call had committed is skipped; the rest loads now.
    expect(resumed.run.files_loaded + resumed.run.files_skipped).toBe(data.reference.length + DAYS);
    if (loadedAll) expect(resumed.run.files_loaded).toBe(0);

    const cleanInbox = newInbox();
    const cleanDb = path.join(dbDir, "clean.duckdb");
    deliver(cleanInbox, [...data.reference, ...data.spine.slice(0, DAYS)]);
    const clean = await daily(cleanInbox, cleanDb);
    expect(clean.run.outcome).toBe("done");

    const state = (database: string) =>
      readOnly(database, async (w) => ({
        marts: await Promise.all(COMPARED_TABLES.map(([table, exclude]) => tableChecksum(w, table, exclude))),
        loads: await w.rows(`select file_name, sha256, loaded_count, rejected_count, replaced_by_load_id from gp2gp_raw.load_log order by file_name`),
        spineRows: await w.scalar(`select count(*) from gp2gp_raw.spine_messages`),
        alerts: (await w.rows<{ alert_id: string }>(`select alert_id from gp2gp_marts.pipeline_alerts order by alert_id`)).map((r) => r.alert_id),
        runs: await w.rows(`select outcome, exit_code from gp2gp_marts.pipeline_runs order by started_at`),
      }));
    const [afterKill, afterClean] = await Promise.all([state(killedDb), state(cleanDb)]);
    expect(afterKill.marts).toEqual(afterClean.marts);
    expect(afterKill.loads).toEqual(afterClean.loads);
    expect(afterKill.spineRows).toEqual(afterClean.spineRows);
    expect(afterKill.alerts).toEqual(afterClean.alerts);
    expect(afterKill.alerts.length).toBeGreaterThan(0);
    // The killed call's row stays as it was when it was killed.
    expect(afterKill.runs).toEqual([{ outcome: "running", exit_code: null }, { outcome: "done", exit_code: 0 }]);
    const alertIds = (inbox: string) =>
      fs
        .readdirSync(path.join(inbox, "alerts"))
        .flatMap((f) => fs.readFileSync(path.join(inbox, "alerts", f), "utf8").trim().split("\n"))
        .map((line) => (JSON.parse(line) as { id: string }).id)
        .sort();
    expect(alertIds(killedInbox)).toEqual(alertIds(cleanInbox));
  }, 300_000);
});
