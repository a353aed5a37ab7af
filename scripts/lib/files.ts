/**
 * File helpers shared by every writer: one atomic write, and the files of a folder.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Writes `content` to `file` atomically: a temporary file in the same folder, flushed to disk, then renamed over
 * `file`, so a reader sees the old file or the new one, never half of one. Creates the folder if needed.
 */
export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`);
  try {
    const fd = fs.openSync(temporary, "w");
    try {
      fs.writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** Every file under a folder, hidden ones included, in a stable order. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}
