/**
 * A small static file server for a built reports site (`gp2gp reports serve`, and the browser test): serves the
 * folder as the site's root, `/a/b/` as `/a/b/index.html`, redirects `/a/b` to `/a/b/` when that is a folder, and
 * nothing outside the folder.
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
    response.writeHead(200, {
      "content-type": TYPES[path.extname(target).toLowerCase()] ?? "application/octet-stream",
      "content-length": stat.size,
      "cache-control": target.includes(`${path.sep}immutable${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (request.method === "HEAD") response.end();
    else fs.createReadStream(target).pipe(response);
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

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
