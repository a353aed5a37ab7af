/**
 * The leak check, the finishing of a site and the precompressed serving, on small sites written here (no Evidence
 * build): an identifier planted in HTML, parquet, Arrow and compressed files is found and named; values that are
 * not identifiers of the data, or numbers longer than an ASID, are not; an internal site's pages must all carry the
 * banner and noindex; `gp2gp reports serve` answers with brotli or gzip when accepted and the file itself otherwise.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { Warehouse } from "../../scripts/lib/duckdb";
import { buildReports, DEFAULT_OUT_DIRS } from "../../scripts/lib/reports/build";
import { assertInternalPages, finishSite } from "../../scripts/lib/reports/finish";
import { assertNoLeaks, bigQueryIdentifiers, findLeaks, LeakCheckError, warehouseIdentifiers, type IdentifierLookup } from "../../scripts/lib/reports/leak-check";
import { precompressSite } from "../../scripts/lib/reports/precompress";
import { acceptedEncodings, serveStatic } from "../../scripts/lib/reports/serve";

const CONVERSATION = "5a0f3c2e-9b1d-4e8f-a7c6-0d2b4e6f8a1c";
const ASID = "004512345678";
const NOT_OURS = "11111111-2222-4333-8444-555555555555";

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A lookup over a fixed set, recording what it was asked. */
function setLookup(known: string[]): IdentifierLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    description: "a test set",
    asked,
    async known(values) {
      asked.push(...values);
      return new Set(values.filter((value) => known.includes(value)));
    },
  };
}

function write(dir: string, file: string, content: string | Uint8Array): string {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  return full;
}

async function writeParquet(file: string, select: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const duck = await DuckDBInstance.create(":memory:");
  const connection = await duck.connect();
  try {
    await connection.run(`copy (${select}) to '${file}' (format parquet)`);
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}

/** A small site with nothing to find: pages, a script holding an unrelated UUID, clean data files. */
async function cleanSite(): Promise<string> {
  const dir = tempDir("gp2gp-site-");
  write(dir, "index.html", `<!doctype html><title>Home</title><a href="/practices/">Practices</a> 123456789012345 2026-08-01`);
  write(dir, "_app/immutable/app.js", `const id = "${NOT_OURS}"; ${"let x = 1;\n".repeat(500)}`);
  await writeParquet(path.join(dir, "data/gp2gp/practice_metrics_monthly/practice_metrics_monthly.parquet"), "select 'A12345' as practice_ods_code, 12.5 as percent, 1234567890123 as big");
  write(dir, "api/prerendered_queries/clean.arrow", tableToIPC(tableFromArrays({ name: ["A12345"], n: Float64Array.from([3]) }), "file"));
  return dir;
}

describe("the leak check", () => {
  it("passes a clean site, looking up only the values shaped like an identifier", async () => {
    const dir = await cleanSite();
    const lookup = setLookup([CONVERSATION, ASID]);
    const result = await assertNoLeaks(dir, { lookup });
    expect(result.findings).toEqual([]);
    expect(result.files).toBe(4);
    // The script's UUID is looked up (and is not the data's); the 15- and 13-digit numbers are not ASIDs.
    expect(lookup.asked).toEqual([NOT_OURS.toUpperCase()]);
  });

  it("fails naming each file, HTML, parquet, Arrow and compressed, that holds a conversation ID or ASID of the data", async () => {
    const dir = await cleanSite();
    write(dir, "practices/A12345/index.html", `<td>${CONVERSATION}</td>`);
    write(dir, "search/index.html.gz", zlib.gzipSync(`<td>${ASID}</td>`));
    await writeParquet(path.join(dir, "data/gp2gp/leaky/leaky.parquet"), `select 'A12345' as practice, '${CONVERSATION.toUpperCase()}' as ref`);
    // An ASID as a number loses its leading zeros: it is still found.
    write(dir, "api/prerendered_queries/leaky.arrow", tableToIPC(tableFromArrays({ code: [`x ${CONVERSATION} y`], system: BigInt64Array.from([BigInt(ASID)]) }), "file"));
    write(dir, "api/prerendered_queries/named.arrow", tableToIPC(tableFromArrays({ sending_practice_asid: ["none"] }), "file"));

    const error = await assertNoLeaks(dir, { lookup: setLookup([CONVERSATION.toUpperCase(), ASID]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeakCheckError);
    const message = (error as Error).message;
    expect(message).toContain(`practices/A12345/index.html: holds ${CONVERSATION.toUpperCase()}, a conversation ID or ASID of the data`);
    expect(message).toContain(`search/index.html.gz: holds ${ASID}`);
    expect(message).toContain(`data/gp2gp/leaky/leaky.parquet: holds ${CONVERSATION.toUpperCase()}, a conversation ID or ASID of the data (column ref)`);
    expect(message).toContain(`api/prerendered_queries/leaky.arrow: holds ${CONVERSATION.toUpperCase()}, a conversation ID or ASID of the data (column code)`);
    expect(message).toContain(`api/prerendered_queries/leaky.arrow: holds ${ASID}, a conversation ID or ASID of the data (column system)`);
    expect(message).toContain("api/prerendered_queries/named.arrow: column sending_practice_asid is named like a conversation ID or ASID");
    expect((error as LeakCheckError).result.findings).toHaveLength(6);
  });

  it("finds an identifier cut in two by the reads of a large file, and no ASID inside a longer number there", async () => {
    const dir = tempDir("gp2gp-large-");
    const chunk = 4 * 1024 * 1024;
    // The conversation ID straddles the first 4 MB boundary; the second falls inside a 13-digit number, just after
    // its first digit, so that the read after it starts with the 12 digits of an ASID.
    const padding = (length: number) => "x".repeat(length);
    const first = padding(chunk - 10) + CONVERSATION;
    const second = padding(chunk * 2 - 1 - first.length) + `9${ASID}`;
    write(dir, "big.js", first + second + padding(100));
    const found = await findLeaks(dir, { lookup: setLookup([CONVERSATION.toUpperCase(), ASID]) });
    expect(found.findings.map((f) => f.what)).toEqual([`holds ${CONVERSATION.toUpperCase()}, a conversation ID or ASID of the data`]);
  });

  it("fails on a link to a page the public site leaves out, with or without the base path", async () => {
    const dir = await cleanSite();
    write(dir, "operations/index.html", `<a href="/editions/2026-08/operations/transfers/">chase</a>`);
    await expect(assertNoLeaks(dir, { lookup: setLookup([]), excludedRoutes: ["/operations/transfers/"], basePath: "/editions/2026-08" })).rejects.toThrow(
      /operations\/index.html: links to \/editions\/2026-08\/operations\/transfers\/, a page left out of the public site/,
    );
  });

  it("looks values up in a DuckDB warehouse's transfers and ASIDs", async () => {
    const dir = tempDir("gp2gp-warehouse-");
    const database = path.join(dir, "w.duckdb");
    const warehouse = await Warehouse.open(database, { datasets });
    try {
      await warehouse.run(`create table gp2gp_marts.transfers as select '${CONVERSATION}' as conversation_id, '${ASID}' as requesting_practice_asid, null::varchar as sending_practice_asid`);
      await warehouse.run(`create table gp2gp_staged.stg_practice_asids as select '999999999999' as asid`);
    } finally {
      warehouse.close();
    }
    const known = await warehouseIdentifiers(database, datasets).known([CONVERSATION.toUpperCase(), ASID, "999999999999", NOT_OURS.toUpperCase()]);
    expect([...known].sort()).toEqual(["999999999999", ASID, CONVERSATION.toUpperCase()].sort());
  });

  it("looks values up on BigQuery with one parameterised query per batch", async () => {
    const calls: { query: string; params: Record<string, unknown>; location?: string }[] = [];
    const client = {
      async query(options: { query: string; params: Record<string, unknown>; location?: string }) {
        calls.push(options);
        return [[{ v: ASID }]] as [Record<string, unknown>[]];
      },
    };
    const lookup = bigQueryIdentifiers({ EVIDENCE_SOURCE__gp2gp__project_id: "p" }, datasets.marts, client);
    expect(await lookup.known([])).toEqual(new Set());
    expect(calls).toEqual([]);
    expect(await lookup.known([ASID, NOT_OURS])).toEqual(new Set([ASID]));
    const query = `select v from unnest(@values) as v
where v in (select upper(conversation_id) from gp2gp_marts.transfers)
  or v in (select requesting_practice_asid from gp2gp_marts.transfers)
  or v in (select sending_practice_asid from gp2gp_marts.transfers)`;
    expect(calls).toEqual([{ query, params: { values: [ASID, NOT_OURS] }, location: "europe-west2" }]);
    expect(lookup.description).toContain("project p");
  });
});

describe("finishing a site", () => {
  it("checks that every page of an internal site has the banner and noindex, naming the pages that lack them", () => {
    const dir = tempDir("gp2gp-internal-");
    const good = `<head><meta name="robots" content="noindex"></head><p data-gp2gp-internal>Internal</p>`;
    write(dir, "index.html", good);
    write(dir, "operations/transfers/index.html", good);
    expect(assertInternalPages(dir)).toBe(2);
    write(dir, "trends/index.html", `<head></head><p data-gp2gp-internal>Internal</p>`);
    write(dir, "search/index.html", `<head><meta name="robots" content="noindex"></head>`);
    expect(() => assertInternalPages(dir)).toThrow(/search\/index.html: no the internal banner[\s\S]*trends\/index.html: no <meta name="robots" content="noindex">/);
  });

  it("finishes a public site with the leak check and an internal one with robots.txt, then precompresses it", async () => {
    const site = await cleanSite();
    const lookup = setLookup([]);
    const result = await finishSite(site, { audience: "public", lookup });
    expect(result.leakCheck?.findings).toEqual([]);
    const script = path.join(site, "_app/immutable/app.js");
    expect(zlib.gunzipSync(fs.readFileSync(`${script}.gz`)).equals(fs.readFileSync(script))).toBe(true);
    expect(zlib.brotliDecompressSync(fs.readFileSync(`${script}.br`)).equals(fs.readFileSync(script))).toBe(true);
    // index.html is under 1 KB; parquet does not shrink enough: neither gets a variant.
    expect(fs.existsSync(path.join(site, "index.html.gz"))).toBe(false);
    expect(fs.readdirSync(path.join(site, "data/gp2gp/practice_metrics_monthly"))).toEqual(["practice_metrics_monthly.parquet"]);
    expect(result.precompress.files).toBe(1);

    const internal = tempDir("gp2gp-internal-site-");
    write(internal, "index.html", `<head><meta name="robots" content="noindex"></head><p data-gp2gp-internal>Internal</p>`);
    const finished = await finishSite(internal, { audience: "internal" });
    expect(finished.internalPages).toBe(1);
    expect(fs.readFileSync(path.join(internal, "robots.txt"), "utf8")).toContain("Disallow: /");
  });
});

describe("the internal site's folder", () => {
  it("is never the public site's: the default public folder and a folder holding a public site are refused", async () => {
    const dir = tempDir("gp2gp-targets-");
    const database = write(dir, "w.duckdb", "");
    await expect(buildReports({ database, datasets, audience: "internal", outDir: DEFAULT_OUT_DIRS.public })).rejects.toThrow(/is the public site's folder: build the internal site into another/);
    const publicSite = path.join(dir, "site");
    write(publicSite, "index.html", "<title>GP2GP</title>");
    await expect(buildReports({ database, datasets, audience: "internal", outDir: publicSite })).rejects.toThrow(/holds a public site: build the internal site into a folder of its own/);
    expect(DEFAULT_OUT_DIRS.internal).not.toBe(DEFAULT_OUT_DIRS.public);
  });
});

describe("precompressed serving", () => {
  it("reads Accept-Encoding as HTTP does", () => {
    expect(acceptedEncodings("gzip, deflate, br")).toEqual(new Set(["br", "gzip"]));
    expect(acceptedEncodings("gzip;q=0.5")).toEqual(new Set(["gzip"]));
    expect(acceptedEncodings("br;q=0, *")).toEqual(new Set(["gzip"]));
    expect(acceptedEncodings("gzip;q=1, *;q=0")).toEqual(new Set(["gzip"]));
    expect(acceptedEncodings("identity")).toEqual(new Set());
    expect(acceptedEncodings(undefined)).toEqual(new Set());
  });

  it("answers with brotli or gzip when accepted, with the file's type and Vary, and with the file itself otherwise", async () => {
    const dir = tempDir("gp2gp-serve-");
    const html = `<!doctype html><title>Home</title>${"<p>GP2GP transfers</p>\n".repeat(200)}`;
    write(dir, "index.html", html);
    write(dir, "a.css", "body{}");
    await precompressSite(dir);
    const server = await serveStatic({ dir });
    const get = (route: string, encoding?: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http
          .get(`${server.url}${route}`, { headers: encoding === undefined ? {} : { "accept-encoding": encoding } }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          })
          .on("error", reject);
      });
    try {
      const gzip = await get("/", "gzip");
      expect(gzip.headers["content-encoding"]).toBe("gzip");
      expect(gzip.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(gzip.headers.vary).toBe("Accept-Encoding");
      expect(Number(gzip.headers["content-length"])).toBe(gzip.body.length);
      expect(zlib.gunzipSync(gzip.body).toString()).toBe(html);

      const brotli = await get("/index.html", "gzip, deflate, br");
      expect(brotli.headers["content-encoding"]).toBe("br");
      expect(zlib.brotliDecompressSync(brotli.body).toString()).toBe(html);

      for (const encoding of [undefined, "identity", "gzip;q=0, br;q=0"]) {
        const plain = await get("/", encoding);
        expect(plain.headers["content-encoding"], encoding).toBeUndefined();
        expect(plain.headers.vary).toBe("Accept-Encoding");
        expect(plain.body.toString()).toBe(html);
      }
      // A file too small to compress has no variant: no encoding, no Vary.
      const css = await get("/a.css", "gzip, br");
      expect(css.headers["content-encoding"]).toBeUndefined();
      expect(css.headers.vary).toBeUndefined();
      expect(css.body.toString()).toBe("body{}");
    } finally {
      await server.close();
    }
  });
});
