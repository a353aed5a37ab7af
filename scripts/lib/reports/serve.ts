/**
 * A small static file server for a built reports site (`gp2gp reports serve`, and the browser test): serves the
 * folder as the site's root, `/a/b/` as `/a/b/index.html`, redirects `/a/b` to `/a/b/` when that is a folder, and
 * nothing outside the folder. A file with a precompressed variant beside it (`.br`, `.gz`, written by the build:
 * precompress.ts) is answered with the variant the client accepts, brotli first, with Content-Encoding, the original
 * file's Content-Type and `Vary: Accept-Encoding`; a client that accepts neither gets the file itself.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".wasm": "application/wasm",
  ".parquet": "application/vnd.apache.parquet",
  ".arrow": "application/vnd.apache.arrow.file",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  dir: string;
  port?: number;
  host?: string;
}

/** Starts serving `dir`; port 0 picks a free port. */
export async function serveStatic(options: ServeOptions): Promise<StaticServer> {
  const root = path.resolve(options.dir);
  if (!fs.existsSync(path.join(root, "index.html"))) {
    throw new Error(`${root} holds no index.html: build the reports first (gp2gp reports build)`);
  }
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      response.writeHead(400).end("Bad request");
      return;
    }
    const file = path.join(root, pathname);
    if (file !== root && !file.startsWith(root + path.sep)) {
      response.writeHead(403).end("Forbidden");
      return;
    }
    let target = file;
    let stat = statOrNull(target);
    if (stat?.isDirectory()) {
      if (!pathname.endsWith("/")) {
        response.writeHead(301, { location: `${pathname}/` }).end();
        return;
      }
      target = path.join(target, "index.html");
      stat = statOrNull(target);
    }
    if (!stat?.isFile()) {
      const notFound = path.join(root, "404.html");
      response.writeHead(404, { "content-type": TYPES[".html"] });
      if (request.method === "HEAD") response.end();
      else if (fs.existsSync(notFound)) fs.createReadStream(notFound).pipe(response);
      else response.end("<!doctype html><title>Page not found</title><h1>Page not found</h1>");
      return;
    }
    const variants = ENCODINGS.filter((encoding) => statOrNull(`${target}${encoding.suffix}`)?.isFile());
    const accepted = acceptedEncodings(request.headers["accept-encoding"]);
    const chosen = variants.find((encoding) => accepted.has(encoding.name));
    const body = chosen ? `${target}${chosen.suffix}` : target;
    response.writeHead(200, {
      "content-type": TYPES[path.extname(target).toLowerCase()] ?? "application/octet-stream",
      "content-length": chosen ? statOrNull(body)!.size : stat.size,
      "cache-control": target.includes(`${path.sep}immutable${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
      ...(chosen ? { "content-encoding": chosen.name } : {}),
      ...(variants.length > 0 ? { vary: "Accept-Encoding" } : {}),
    });
    if (request.method === "HEAD") response.end();
    else fs.createReadStream(body).pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The precompressed variants a file may have beside it, in order of preference. */
const ENCODINGS = [
  { name: "br", suffix: ".br" },
  { name: "gzip", suffix: ".gz" },
] as const;

/**
 * The content codings of ours (br, gzip) that an Accept-Encoding header accepts: named with q > 0 (a coding named
 * with q=0 is refused), or left unnamed under a `*` with q > 0.
 */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const named = new Map<string, boolean>();
  let others = false;
  for (const part of (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",")) {
    const [name, ...parameters] = part.trim().toLowerCase().split(";").map((piece) => piece.trim());
    if (!name) continue;
    const q = parameters.map((parameter) => /^q\s*=\s*([0-9.]+)$/.exec(parameter)).find(Boolean);
    const wanted = q ? Number(q[1]) > 0 : true;
    if (name === "*") others = wanted;
    else named.set(name === "x-gzip" ? "gzip" : name, wanted);
  }
  return new Set(ENCODINGS.map((e) => e.name).filter((name) => named.get(name) ?? others));
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
