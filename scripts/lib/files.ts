/**
 * Writing files so that a reader sees the old file or the new one, never half of one; and file-system errors that
 * say which file and what to do instead of a bare errno.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** A temporary name beside `file` (same folder, so the rename is atomic), hidden and unique to this process. */
function temporaryPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`);
}

function flush(file: string): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `content` to `file` atomically: a temporary file in the same folder, flushed to disk, then renamed over `file`. */
export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = temporaryPathFor(file);
  try {
    fs.writeFileSync(temporary, content);
    flush(temporary);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Replaces `file` atomically with what `write` writes to the temporary path it is given (for writers that take a
 * path, such as DuckDB's COPY or a stream); the temporary file is removed when `write` fails.
 */
export async function replaceFileAtomically(file: string, write: (temporary: string) => Promise<void>): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = temporaryPathFor(file);
  try {
    await write(temporary);
    flush(temporary);
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true, recursive: true });
    throw error;
  }
}

const ACCESS_CODES: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
};

/** The errno code of a Node.js file-system error, when it is one of the access errors (EACCES, EPERM, EROFS). */
export function accessErrorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code && code in ACCESS_CODES ? code : undefined;
}

/**
 * The message for a file that could not be created, written or opened: `what` and `file` ("create the lock file
 * /x/w.duckdb.lock"), the reason in words with its code, and `advice` (what to do).
 */
export function fileAccessMessage(what: string, file: string, code: string, advice: string): string {
  return `Cannot ${what} ${file}: ${ACCESS_CODES[code] ?? code} (${code}). ${advice}`;
}

/** Every file under a folder, hidden ones included, in a stable order. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}
