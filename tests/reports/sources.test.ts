/**
 * The reports' sources: one set of queries over gp2gp_marts, read from DuckDB by default or from BigQuery for
 * production (same source name and tables, credentials only from the environment).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertBigQueryCredentials, prepareWorkDir, REPORTS_DIR } from "../../scripts/lib/reports/build";

const SOURCE_DIR = path.join(REPORTS_DIR, "sources", "gp2gp");
const queries = fs.readdirSync(SOURCE_DIR).filter((file) => file.endsWith(".sql"));

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe("reports sources", () => {
  it("read the marts only", () => {
    expect(queries.length).toBeGreaterThan(0);
    for (const file of queries) {
      const sql = fs.readFileSync(path.join(SOURCE_DIR, file), "utf8").replace(/--.*$/gm, "");
      const tables = [...sql.matchAll(/\b(?:from|join)\s+([\w.`"]+)/gi)].map((match) => match[1]!);
      expect(tables.length, file).toBeGreaterThan(0);
      for (const table of tables) expect(table, file).toMatch(/^gp2gp_marts\.\w+$/);
    }
  });

  it("name both connections gp2gp, with no credentials in the files", () => {
    const duckdb = fs.readFileSync(path.join(SOURCE_DIR, "connection.yaml"), "utf8");
    const bigquery = fs.readFileSync(path.join(SOURCE_DIR, "connection.bigquery.yaml"), "utf8");
    expect(duckdb).toMatch(/^name: gp2gp$/m);
    expect(duckdb).toMatch(/^type: duckdb$/m);
    expect(bigquery).toMatch(/^name: gp2gp$/m);
    expect(bigquery).toMatch(/^type: bigquery$/m);
    expect(bigquery).not.toMatch(/^\s+(private_key|client_email|token|project_id):/m);
  });

  it("build from the BigQuery connection with the same queries when asked", () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-reports-work-"));
    temp.push(workDir);
    prepareWorkDir(workDir, "bigquery");
    const copied = path.join(workDir, "sources", "gp2gp");
    expect(fs.readFileSync(path.join(copied, "connection.yaml"), "utf8")).toBe(fs.readFileSync(path.join(SOURCE_DIR, "connection.bigquery.yaml"), "utf8"));
    expect(fs.readdirSync(copied).filter((file) => file.endsWith(".sql")).sort()).toEqual([...queries].sort());
    expect(fs.existsSync(path.join(copied, "connection.bigquery.yaml"))).toBe(false);
    prepareWorkDir(workDir, "duckdb");
    expect(fs.readFileSync(path.join(copied, "connection.yaml"), "utf8")).toBe(fs.readFileSync(path.join(SOURCE_DIR, "connection.yaml"), "utf8"));
    for (const entry of ["pages", "components", "partials", "evidence.config.yaml", "evidence.settings.json", "package.json"]) {
      expect(fs.existsSync(path.join(workDir, entry)), entry).toBe(true);
    }
  });

  it("refuse the BigQuery source without credentials in the environment, naming the missing variables", () => {
    expect(() => assertBigQueryCredentials({})).toThrow(/EVIDENCE_SOURCE__gp2gp__project_id, EVIDENCE_SOURCE__gp2gp__client_email, EVIDENCE_SOURCE__gp2gp__private_key/);
    expect(() =>
      assertBigQueryCredentials({
        EVIDENCE_SOURCE__gp2gp__project_id: "p",
        EVIDENCE_SOURCE__gp2gp__client_email: "e",
        EVIDENCE_SOURCE__gp2gp__private_key: "k",
      }),
    ).not.toThrow();
    // gcloud-cli needs application default credentials too (tests/runner/bigquery-credentials.test.ts has the rest).
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-reports-home-"));
    temp.push(home);
    expect(() => assertBigQueryCredentials({ HOME: home, EVIDENCE_SOURCE__gp2gp__authenticator: "gcloud-cli", EVIDENCE_SOURCE__gp2gp__project_id: "p" })).toThrow(
      /gcloud auth application-default login/,
    );
    expect(() =>
      assertBigQueryCredentials({ HOME: home, GP2GP_BIGQUERY_METADATA_CREDENTIALS: "1", EVIDENCE_SOURCE__gp2gp__authenticator: "gcloud-cli", EVIDENCE_SOURCE__gp2gp__project_id: "p" }),
    ).not.toThrow();
    expect(() => assertBigQueryCredentials({ EVIDENCE_SOURCE__gp2gp__authenticator: "password" })).toThrow(/authenticator/);
  });
});
