/**
 * Alert delivery to an incoming webhook (a local HTTP server): retried with backoff, delivered on a later attempt,
 * and a delivery that never succeeds is recorded in the alert's line without failing the run.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertLineSchema, deliverAlert, type Alert } from "../../scripts/lib/daily/alerts";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";
import { daily, deliver, generateData, newInbox, type Generated } from "./support";

interface Webhook {
  readonly url: string;
  readonly bodies: unknown[];
  close(): Promise<void>;
}

/** A webhook that answers 500 to its first `failures` requests (all of them with Infinity) and 200 after. */
async function webhook(failures: number): Promise<Webhook> {
  const bodies: unknown[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      bodies.push(JSON.parse(text));
      response.statusCode = bodies.length <= failures ? 500 : 200;
      response.end(bodies.length <= failures ? "no" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const ALERT: Alert = {
  id: "missing_spine_day:2026-03-28",
  kind: "missing_spine_day",
  day: "2026-03-28",
  run_id: "test",
  raised_at: new Date().toISOString(),
  figures: { missing_day: "2026-03-28" },
  text: "GP2GP: no Spine export has been loaded for 2026-03-28. See /data-quality/",
  page: "/data-quality/",
};

describe("webhook delivery", () => {
  it("is retried and succeeds on the third attempt when the server fails twice", async () => {
    const hook = await webhook(2);
    try {
      const delivery = await deliverAlert(ALERT, { url: hook.url, backoffMs: 5 });
      expect(delivery).toEqual({ status: "delivered", attempts: 3 });
      expect(hook.bodies).toEqual([{ text: ALERT.text }, { text: ALERT.text }, { text: ALERT.text }]);
    } finally {
      await hook.close();
    }
  });

  it("gives up after three attempts, saying why", async () => {
    const hook = await webhook(Infinity);
    try {
      expect(await deliverAlert(ALERT, { url: hook.url, backoffMs: 5 })).toEqual({ status: "failed", attempts: 3, error: "HTTP 500 Internal Server Error" });
      expect(hook.bodies).toHaveLength(3);
    } finally {
      await hook.close();
    }
  });

  it("records a server that cannot be reached as a failed delivery", async () => {
    const hook = await webhook(0);
    await hook.close();
    const delivery = await deliverAlert(ALERT, { url: hook.url, backoffMs: 5, attempts: 2 });
    expect(delivery.status).toBe("failed");
    expect(delivery.attempts).toBe(2);
    expect(delivery.error).toMatch(/fetch failed/);
  });
});

describe("gp2gp daily with a webhook", () => {
  let data: Generated;
  let inbox: string;
  let database: string;

  beforeAll(async () => {
    data = await generateData();
    inbox = newInbox();
    database = path.join(tempDir("daily-alerts-db"), "w.duckdb");
  });

  const lines = () =>
    fs
      .readdirSync(path.join(inbox, "alerts"))
      .flatMap((f) => fs.readFileSync(path.join(inbox, "alerts", f), "utf8").trim().split("\n"))
      .map((line) => alertLineSchema.parse(JSON.parse(line)));

  it("delivers every alert, the first on its third attempt", async () => {
    deliver(inbox, [...data.reference, ...data.spine.slice(0, 4)]);
    const hook = await webhook(2);
    try {
      const result = await daily(inbox, database, { webhook: hook.url });
      expect(result.exitCode).toBe(0);
      expect(result.run.alerts_raised).toBeGreaterThan(0);
      expect(result.run.alerts_delivered).toBe(result.run.alerts_raised);
      expect(hook.bodies).toHaveLength(result.run.alerts_raised + 2);
      expect(result.alerts[0]!.delivery).toEqual({ status: "delivered", attempts: 3 });
      for (const body of hook.bodies) {
        expect(Object.keys(body as object)).toEqual(["text"]);
        expect((body as { text: string }).text).toMatch(/ See \/(operations\/technical-failure-rate|data-quality)\/$/);
      }
      expect(lines().every((l) => l.delivery.status === "delivered")).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it("records the failed deliveries of a server that always fails, and the run still exits 0", async () => {
    const before = lines().length;
    deliver(inbox, data.spine.slice(4, 8));
    const hook = await webhook(Infinity);
    try {
      const result = await daily(inbox, database, { webhook: hook.url });
      expect(result.exitCode).toBe(0);
      expect(result.run.outcome).toBe("done");
      expect(result.run.alerts_raised).toBeGreaterThan(0);
      expect(result.run.alerts_delivered).toBe(0);
      expect(hook.bodies).toHaveLength(3 * result.run.alerts_raised);
      const failed = lines().slice(0).filter((l) => l.run_id === result.run.run_id);
      expect(lines().length).toBe(before + result.run.alerts_raised);
      expect(failed).toHaveLength(result.run.alerts_raised);
      for (const line of failed) expect(line.delivery).toEqual({ status: "failed", attempts: 3, error: "HTTP 500 Internal Server Error" });
      const warehouse = await Warehouse.open(database, { readOnly: true });
      try {
        expect(await warehouse.rows(`select alerts_raised, alerts_delivered, exit_code from gp2gp_marts.pipeline_runs where run_id = '${result.run.run_id}'`)).toEqual([
          { alerts_raised: result.run.alerts_raised, alerts_delivered: 0, exit_code: 0 },
        ]);
        expect(Number(await warehouse.scalar(`select count(*) from gp2gp_marts.pipeline_alerts where delivery = 'failed'`))).toBe(result.run.alerts_raised);
      } finally {
        warehouse.close();
      }
    } finally {
      await hook.close();
    }
  });
  it("raises a day with no Spine file and a file with rejected rows above alert_max_rejected_rows, once each", async () => {
    // 2026-04-03 delivered without 2026-04-02, as a plain CSV with two broken rows.
    const lastDay = data.spine[9]!;
    expect(path.basename(lastDay)).toBe("2026-04-03_spine_messages.csv.gz");
    const text = zlib.gunzipSync(fs.readFileSync(lastDay)).toString("utf8");
    fs.writeFileSync(path.join(inbox, "spine", "2026-04-03_spine_messages.csv"), `${text.endsWith("\n") ? text : `${text}\n`}broken,row\nanother,broken,row\n`);
    const result = await daily(inbox, database);
    expect(result.exitCode, result.run.message ?? "").toBe(0);
    expect(result.run.rows_rejected).toBe(2);
    const missing = result.alerts.filter((a) => a.kind === "missing_spine_day");
    expect(missing.map((a) => a.day)).toEqual(["2026-04-02"]);
    expect(missing[0]!.text).toContain("no Spine export has been loaded for 2026-04-02");
    const rejected = result.alerts.filter((a) => a.kind === "rejected_rows");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ day: "2026-04-03", page: "/data-quality/", figures: { file: "2026-04-03_spine_messages.csv", rejected_rows: 2, alert_max_rejected_rows: 0 } });
    expect(lines().filter((l) => l.kind !== "technical_failure_rate").map((l) => l.id)).toEqual([missing[0]!.id, rejected[0]!.id]);

    // The missing day arrives: neither alert is raised again.
    deliver(inbox, [data.spine[8]!]);
    const next = await daily(inbox, database);
    expect(next.exitCode).toBe(0);
    expect(next.alerts.filter((a) => a.kind !== "technical_failure_rate")).toEqual([]);
  });
});
