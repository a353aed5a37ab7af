/**
 * `gp2gp daily` as a scheduler calls it: bad usage exits 2; a month that becomes final while the publish gate fails
 * exits 3 with nothing exported or published; the next call with nothing new exits 4.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";
import { deliver, generateData, newInbox, VARS, type Generated } from "./support";

const GP2GP = path.resolve(__dirname, "../../scripts/gp2gp.js");

function gp2gp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GP2GP, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("gp2gp daily exit codes", () => {
  it("exits 2 on bad usage: no --inbox, no such folder, a webhook that is not a URL", async () => {
    const missing = await gp2gp(["daily"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--inbox <dir>' not specified");
    const noFolder = await gp2gp(["daily", "--inbox", path.join(tempDir("daily-none"), "absent")]);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toMatch(/--inbox .*absent: no such folder/);
    const badHook = await gp2gp(["daily", "--inbox", newInbox()], { GP2GP_ALERT_WEBHOOK: "not a url" });
    expect(badHook.code).toBe(2);
    expect(badHook.stderr).toContain("--webhook must be a URL");
  });

  it("lists its exit codes in --help", async () => {
    const help = await gp2gp(["daily", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 +done\n\s+1 +failed.*\n\s+2 +bad usage\n\s+3 +publish gate failed.*\n\s+4 +nothing new/);
  });

  describe("with a publish gate that fails", () => {
    let data: Generated;
    beforeAll(async () => {
      data = await generateData();
    });

    it("exits 3 when a month becomes final, exporting and publishing nothing; then 4 with nothing new", async () => {
      const inbox = newInbox();
      const database = path.join(tempDir("daily-cli-db"), "w.duckdb");
      const summary = path.join(inbox, "summary.json");
      deliver(inbox, [...data.reference, ...data.spine]);
      // The test vars but the national floor of production: the small data set fails the gate.
      const vars = Object.entries({ ...VARS, gate_min_national_transfers: "150000" }).map(([k, v]) => `${k}=${v}`).join(",");
      const first = await gp2gp(["daily", "--inbox", inbox, "--database", database, "--vars", vars, "--summary-json", summary]);
      expect(first.code, first.stdout + first.stderr).toBe(3);
      const steps = first.stdout.trim().split("\n").map((line) => line.split(":")[0]);
      // One line per step.
      expect(steps.slice(1)).toEqual(["Load", "Graph", "Graph", "Alerts", "Gate", "Done"]);
      expect(steps[0]).toMatch(/^Run \d{8}T\d{6}Z-[0-9a-f]{8}$/);
      expect(first.stdout).toMatch(/Gate: Publish gate failed for 2026-03; nothing published\..*gate__national_transfers_below_minimum/);
      expect(fs.existsSync(path.join(inbox, "exports"))).toBe(false);
      const written = JSON.parse(fs.readFileSync(summary, "utf8")) as { outcome: string; exit_code: number; published: unknown[]; files: unknown[] };
      expect(written).toMatchObject({ outcome: "gate_failed", exit_code: 3, published: [] });
      expect(written.files).toHaveLength(data.reference.length + data.spine.length);

      const second = await gp2gp(["daily", "--inbox", inbox, "--database", database, "--vars", vars]);
      expect(second.code, second.stdout + second.stderr).toBe(4);
      expect(second.stdout).toContain("Nothing new");

      const warehouse = await Warehouse.open(database, { readOnly: true });
      try {
        expect(await warehouse.rows(`select outcome, exit_code, editions_published from gp2gp_marts.pipeline_runs order by started_at`)).toEqual([
          { outcome: "gate_failed", exit_code: 3, editions_published: 0 },
          { outcome: "nothing_new", exit_code: 4, editions_published: 0 },
        ]);
        expect(Number(await warehouse.scalar(`select count(*) from gp2gp_marts.pipeline_published_months`))).toBe(0);
      } finally {
        warehouse.close();
      }
    }, 300_000);
  });
});
