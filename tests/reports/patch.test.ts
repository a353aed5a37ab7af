/**
 * scripts/evidence-patch/patch-evidence.js, the install-time patch that lets Evidence build and run offline: it is applied to the
 * installed packages, re-running it changes nothing, it fails loudly (naming the file and the code it expected)
 * when an upgrade has moved that code, and the patched extract writer and reader handle a query with no rows.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../../scripts/lib/paths";

interface Edit {
  find: string;
  replace: string;
  count?: number;
}
interface PatchModule {
  patchEvidence(options: { root?: string; check?: boolean }): string[];
  PACKAGES: Record<string, { version: string; patches: { file: string; edits: Edit[] }[] }>;
  PatchError: new (message: string) => Error;
}

const SCRIPT = path.join(PROJECT_DIR, "scripts", "evidence-patch", "patch-evidence.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const patch = require(SCRIPT) as PatchModule;

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fake install under a temporary root: each patched file holds the shipped code the patch looks for. */
function fakeInstall(leaveOut?: { file: string; edit: number }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-patch-"));
  temp.push(root);
  for (const [name, spec] of Object.entries(patch.PACKAGES)) {
    const dir = path.join(root, "node_modules", ...name.split("/"));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: spec.version }));
    for (const file of spec.patches) {
      const parts = ["// shipped code, abridged\n"];
      file.edits.forEach((edit, index) => {
        if (leaveOut?.file === file.file && leaveOut.edit === index) return;
        for (let i = 0; i < (edit.count ?? 1); i++) parts.push(edit.find, "\n// …\n");
      });
      fs.mkdirSync(path.dirname(path.join(dir, file.file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file.file), parts.join(""));
    }
  }
  return root;
}

function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files[path.relative(root, file)] = fs.readFileSync(file, "utf8");
    }
  }
  return files;
}

describe("scripts/evidence-patch/patch-evidence.js", () => {
  it("has patched the installed Evidence packages", () => {
    const lines = patch.patchEvidence({ root: PROJECT_DIR, check: true });
    expect(lines.some((line) => line.includes(path.join("universal-sql", "src", "client-duckdb", "browser.js")))).toBe(true);
    expect(lines.filter((line) => line.startsWith("ok: "))).toHaveLength(lines.filter((line) => !line.startsWith("note: ")).length);
  });

  it("patches every file once and changes nothing when run again", () => {
    const root = fakeInstall();
    const first = patch.patchEvidence({ root });
    expect(first.every((line) => line.startsWith("patched "))).toBe(true);
    const patched = snapshot(root);
    for (const spec of Object.values(patch.PACKAGES)) {
      for (const file of spec.patches) {
        const text = Object.entries(patched).find(([name]) => name.endsWith(file.file))![1];
        for (const edit of file.edits) expect(text.split(edit.replace).length - 1).toBe(edit.count ?? 1);
      }
    }
    const second = patch.patchEvidence({ root });
    expect(second.every((line) => line.startsWith("already patched: "))).toBe(true);
    expect(snapshot(root)).toEqual(patched);
    expect(() => patch.patchEvidence({ root, check: true })).not.toThrow();
  });

  it("fails loudly, naming the file and the code it expected, when an upgrade has moved the code", () => {
    const root = fakeInstall({ file: "src/client-duckdb/browser.js", edit: 1 });
    const before = snapshot(root);
    const missing = patch.PACKAGES["@evidence-dev/universal-sql"]!.patches.find((p) => p.file === "src/client-duckdb/browser.js")!.edits[1]!;
    expect(() => patch.patchEvidence({ root })).toThrow(patch.PatchError);
    const run = spawnSync(process.execPath, [SCRIPT, "--root", root], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("patch-evidence: FAILED");
    expect(run.stderr).toContain(path.join("universal-sql", "src", "client-duckdb", "browser.js"));
    expect(run.stderr).toContain("no longer contains the code this patch replaces");
    expect(run.stderr).toContain(missing.find.split("\n")[0]!.trim());
    // a file is written only when all its edits apply
    const after = snapshot(root);
    const browser = Object.keys(after).find((name) => name.endsWith(path.join("client-duckdb", "browser.js")))!;
    expect(after[browser]).toBe(before[browser]);
  });

  it("adds the edits a file patched by an earlier version lacks, while their code is still there", () => {
    const root = fakeInstall();
    const spec = patch.PACKAGES["@evidence-dev/core-components"]!.patches.find((p) => p.file.endsWith("_DataTable.svelte"))!;
    const file = path.join(root, "node_modules", "@evidence-dev", "core-components", spec.file);
    // An install patched before the last edit existed: the first edit applied (it carries the marker), the rest not.
    const first = spec.edits[0]!;
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").split(first.find).join(first.replace));
    expect(patch.patchEvidence({ root }).some((line) => line.startsWith("patched ") && line.includes("_DataTable.svelte"))).toBe(true);
    const text = fs.readFileSync(file, "utf8");
    for (const edit of spec.edits) expect(text.split(edit.replace).length - 1).toBe(edit.count ?? 1);
  });

  it("fails when Evidence is not installed at all", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-patch-"));
    temp.push(root);
    const run = spawnSync(process.execPath, [SCRIPT, "--root", root], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("is not installed");
  });
});

describe("the patched extract writer and reader", () => {
  it("write and read back an extract with rows, and one with none (evidence-dev/evidence#2466)", async () => {
    process.env.EVIDENCE_DISABLE_TEST_DEBUG = "true"; // Evidence logs at debug level under NODE_ENV=test
    const universalSql = path.join(PROJECT_DIR, "node_modules", "@evidence-dev", "universal-sql", "src");
    const { buildMultipartParquet } = (await import(pathToFileURL(path.join(universalSql, "build-parquet.js")).href)) as {
      buildMultipartParquet: (columns: unknown[], rows: unknown[], tmp: string, out: string, file: string, batch?: number) => Promise<number>;
    };
    const client = (await import(pathToFileURL(path.join(universalSql, "client-duckdb", "node.js")).href)) as {
      initDB(): Promise<void>;
      setParquetURLs(urls: Record<string, string[]>): Promise<void>;
      query(sql: string): Record<string, unknown>[] & { _evidenceColumnTypes: { name: string; evidenceType: string }[] };
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-extract-"));
    temp.push(dir);
    const columns = [
      { name: "n", evidenceType: "number" },
      { name: "s", evidenceType: "string" },
      { name: "d", evidenceType: "date" },
      { name: "b", evidenceType: "boolean" },
    ];
    const rows = Array.from({ length: 25 }, (_, i) => ({ n: i, s: `row ${i}`, d: new Date(Date.UTC(2026, 7, 1 + i)), b: i % 2 === 0 }));
    const files: string[] = [];
    for (const [name, data, batch] of [["empty", [], undefined], ["whole", rows, undefined], ["batched", rows, 10]] as const) {
      const written = await buildMultipartParquet(columns, [...data], path.join(dir, "tmp"), dir, `${name}.parquet`, batch);
      expect(written).toBe(data.length);
      fs.writeFileSync(path.join(dir, `${name}.schema.json`), JSON.stringify(columns));
      files.push(path.join(dir, `${name}.parquet`));
    }
    await client.initDB();
    await client.setParquetURLs({ extracts: files });
    for (const table of ["empty", "whole", "batched"]) {
      const types = client.query(`select * from extracts.${table}`)._evidenceColumnTypes.map((c) => c.evidenceType);
      expect(types, table).toEqual(["number", "string", "date", "boolean"]);
    }
    expect(client.query("select count(*) as n from extracts.empty")[0]!.n).toBe(0);
    const [summary] = client.query("select count(*) as n, sum(n) as total, min(d) as first, count_if(b) as even from extracts.batched");
    expect({ ...summary }).toMatchObject({ n: 25, total: 300, even: 13 });
    expect((summary!.first as Date).toISOString()).toBe("2026-08-01T00:00:00.000Z");
  });
});
