/**
 * Precompression of a built site: a `.gz` and a `.br` beside each file worth compressing, which
 * `gp2gp reports serve` (serve.ts) and static hosts that look for them (nginx `gzip_static`/`brotli_static`, a CDN
 * upload step) send to browsers that accept them. Files are compressed at most once each, by the thread pool of
 * node:zlib, a few at a time; a variant is kept only when it saves at least a tenth of the file (parquet is already
 * compressed, and usually does not). The output is deterministic: a gzip file carries no name or time.
 */
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { filesUnder } from "../files";

/** Extensions worth compressing: text, WebAssembly and the data files. */
export const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".txt", ".csv", ".xml", ".map", ".wasm", ".arrow", ".parquet"]);
/** Files smaller than this go as they are (a compressed response of a few hundred bytes saves nothing). */
export const MIN_BYTES = 1024;
/** A variant is kept only when it is at most this share of the file. */
export const MAX_RATIO = 0.9;
/**
 * Levels, measured on the demo site (829 pages, scripts and data files of 1–256 KB, 8.08 MB; and duckdb-eh.wasm,
 * 34.2 MB): brotli 5 makes 1.52 MB of the small files, within 1% of brotli 9 (1.51 MB) in a 80th of its time, and
 * 6.19 MB of the WebAssembly against 5.92 MB at brotli 9 in a fifth of the time; gzip 9 costs no more than gzip 6 on
 * small files, and 1.7× more on the WebAssembly for 0.4% less.
 */
const BROTLI_QUALITY = 5;
const gzipLevel = (bytes: number) => (bytes <= 256 * 1024 ? 9 : 6);
const CONCURRENCY = 4;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export interface PrecompressResult {
  /** Files compressed (a .gz, a .br or both kept). */
  files: number;
  /** Their size, and the size of the variants kept. */
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
  seconds: number;
}

/** Writes the .gz and .br variants of every compressible file under `dir` (replacing earlier ones). */
export async function precompressSite(dir: string, options: { onProgress?: (message: string) => void } = {}): Promise<PrecompressResult> {
  const started = Date.now();
  const files = filesUnder(dir).filter((file) => COMPRESSIBLE.has(path.extname(file).toLowerCase()));
  const result: PrecompressResult = { files: 0, bytes: 0, gzipBytes: 0, brotliBytes: 0, seconds: 0 };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const content = await fs.promises.readFile(file);
      for (const suffix of [".gz", ".br"]) await fs.promises.rm(`${file}${suffix}`, { force: true });
      if (content.length >= MIN_BYTES) {
        const [gz, br] = await Promise.all([
          gzip(content, { level: gzipLevel(content.length) }),
          brotli(content, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
              [zlib.constants.BROTLI_PARAM_MODE]: /\.(wasm|parquet|arrow)$/i.test(file) ? zlib.constants.BROTLI_MODE_GENERIC : zlib.constants.BROTLI_MODE_TEXT,
            },
          }),
        ]);
        let kept = false;
        if (gz.length <= content.length * MAX_RATIO) {
          await fs.promises.writeFile(`${file}.gz`, gz);
          result.gzipBytes += gz.length;
          kept = true;
        }
        if (br.length <= content.length * MAX_RATIO) {
          await fs.promises.writeFile(`${file}.br`, br);
          result.brotliBytes += br.length;
          kept = true;
        }
        if (kept) {
          result.files++;
          result.bytes += content.length;
        }
      }
      if (++done % 2000 === 0) options.onProgress?.(`compressing: ${done} of ${files.length} files`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
