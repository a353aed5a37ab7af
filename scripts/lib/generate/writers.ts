/**
 * File writers for the generator: CSV lines, gzip-compressed or plain text files and JSON, each returning its
 * size and SHA-256 for the manifest.
 *
 * Determinism: Node's gzip writes no file name and a zero modification time in the header, and deflate output
 * depends only on the input bytes and the level, so the same content gives the same file (on the same zlib build;
 * another Node version may compress differently). Files are written to a temporary name and renamed, so an
 * interrupted run never leaves a truncated file under a final name.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { SPINE_COLUMNS } from "../../../includes/raw_schemas";
import { formatSpineTime, type TimeFormat } from "./calendar";
import type { DayBuffer } from "./day_buffer";
import type { DraftMessage } from "./messages";
import { replaceFileAtomically } from "../files";

export interface WrittenFile {
  /** Path relative to the output directory, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Data rows, for CSV files. */
  readonly rows?: number;
}

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",") + "\n";
}

/** The Spine export header, in the order the exporter writes it (spec §2.1). */
export const SPINE_HEADER: readonly string[] = SPINE_COLUMNS.map((c) => c.header);

/**
 * One Spine export line. Identifiers, ASIDs, codes and supplier names are generated from alphabets without
 * commas or quotes, so no field needs quoting (which keeps the hot path to a join).
 */
export function spineLine(m: DraftMessage, timeFormat: TimeFormat): string {
  return `${formatSpineTime(m.time, timeFormat)},${m.conversationId},${m.guid},${m.interactionId},${m.from.asid},${m.to.asid},${m.messageRef},${m.jdiEvent},${m.to.system},${m.from.system}\n`;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Lines encoded straight into chunk-sized buffers: fewer, larger writes into the compressor, and no intermediate
 * joined strings. Each chunk is a fresh buffer, as the compressor may still hold the previous one.
 */
function* chunked(lines: Iterable<string>): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const line of lines) {
    const worstCase = line.length * 3;
    if (used + worstCase > buffer.length) {
      if (used > 0) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, worstCase));
      used = 0;
    }
    used += buffer.write(line, used, "utf8");
  }
  if (used > 0) yield buffer.subarray(0, used);
}

async function writeStream(outDir: string, relativePath: string, chunks: Iterable<Buffer>, gzipLevel: number | null): Promise<WrittenFile> {
  const target = path.join(outDir, relativePath);
  const hash = createHash("sha256");
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  await replaceFileAtomically(target, async (temporary) => {
    const source = Readable.from(chunks, { objectMode: false });
    const sink = fs.createWriteStream(temporary);
    if (gzipLevel === null) await pipeline(source, measure, sink);
    else await pipeline(source, zlib.createGzip({ level: gzipLevel }), measure, sink);
  });
  return { path: relativePath.split(path.sep).join("/"), bytes, sha256: hash.digest("hex") };
}

/** A CSV file of `header` then `rows`, gzip-compressed when `gzipLevel` is given. */
export async function writeCsv(
  outDir: string,
  relativePath: string,
  header: readonly string[],
  rows: Iterable<readonly string[]>,
  gzipLevel: number | null,
): Promise<WrittenFile> {
  let count = 0;
  function* lines(): Generator<string> {
    yield csvLine(header);
    for (const row of rows) {
      count++;
      yield csvLine(row);
    }
  }
  const written = await writeStream(outDir, relativePath, chunked(lines()), gzipLevel);
  return { ...written, rows: count };
}

/** A gzip-compressed Spine day file: the header, then the buffered rows in time order. */
export async function writeSpineFile(outDir: string, relativePath: string, rows: DayBuffer, gzipLevel: number): Promise<WrittenFile> {
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(csvLine(SPINE_HEADER), "utf8");
    yield* rows.sortedChunks();
  }
  const written = await writeStream(outDir, relativePath, chunks(), gzipLevel);
  return { ...written, rows: rows.size };
}

/** Pretty-printed JSON with a trailing newline. */
export async function writeJson(outDir: string, relativePath: string, value: unknown): Promise<WrittenFile> {
  return writeStream(outDir, relativePath, [Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8")], null);
}
