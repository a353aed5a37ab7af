/**
 * One writer at a time per warehouse: a lock file beside the database names the process holding it, so a second
 * run is refused with a message naming the lock file and who holds it. A lock left by a process that no longer
 * exists is taken over.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { accessErrorCode, fileAccessMessage } from "./files";

export interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
}

export class WarehouseLockedError extends Error {}
/** The lock file (or its folder) cannot be created for lack of permission. */
export class LockAccessError extends Error {}

/** `text`, cut to at most `max` characters. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The command line of a live process on this machine where the system shows it (Linux /proc), else undefined. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ") || undefined;
  } catch {
    return undefined;
  }
}

/** TRUE while a process with this id exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder recorded in a lock file, or undefined when there is none (or it cannot be read). */
export function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

/** The writer holding the lock for `databasePath`, unless it is this process or has exited (a stale lock). */
export function liveWriter(databasePath: string): LockInfo | undefined {
  const holder = readLock(`${databasePath}.lock`);
  if (!holder || holder.pid === process.pid) return undefined;
  if (holder.hostname === os.hostname() && !isAlive(holder.pid)) return undefined;
  return holder;
}

/**
 * Takes the lock for `databasePath` (the file `<databasePath>.lock`); returns a function that releases it (also
 * released when the process exits).
 */
export function acquireLock(databasePath: string, command: string): () => void {
  const file = `${databasePath}.lock`;
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(info), { flag: "wx" });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLock(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
        process.off("exit", release);
      };
      process.on("exit", release);
      return release;
    } catch (error) {
      const code = accessErrorCode(error);
      if (code) {
        throw new LockAccessError(
          fileAccessMessage(
            "create the lock file",
            file,
            code,
            `A command that writes the warehouse records itself there, beside the database: make ${path.dirname(file)} writable ` +
              `by this user, or point --database (GP2GP_DATABASE) at a warehouse in a writable folder.`,
          ),
        );
      }
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readLock(file);
      const stale = !holder || (holder.hostname === os.hostname() && !isAlive(holder.pid));
      if (stale) {
        try {
          fs.rmSync(file, { force: true });
        } catch (removeError) {
          const removeCode = accessErrorCode(removeError);
          if (!removeCode) throw removeError;
          throw new LockAccessError(
            fileAccessMessage("remove the stale lock file", file, removeCode, `It was left by a process that has exited; delete it as a user who may, then run again.`),
          );
        }
        continue;
      }
      throw new WarehouseLockedError(lockedMessage(databasePath, file, holder));
    }
  }
  throw new WarehouseLockedError(`Could not take the lock ${file}: another process took it at the same moment. Run again.`);
}

function lockedMessage(databasePath: string, file: string, holder: LockInfo): string {
  const head =
    `The warehouse ${databasePath} is in use by process ${holder.pid} on ${holder.hostname} ` +
    `(\`${holder.command}\`, started ${holder.startedAt}), according to its lock file ${file}.`;
  const running = holder.hostname === os.hostname() ? commandLineOf(holder.pid) : undefined;
  if (running !== undefined && !/gp2gp|vitest/.test(running)) {
    // The recorded process exited without removing the lock (killed), and its id now belongs to another program.
    return (
      `${head} Process ${holder.pid} is now \`${shorten(running, 120)}\`, not a gp2gp command: ` +
      `the lock was left by a command that was killed, and its process id has been reused. ` +
      `If no gp2gp command is using this warehouse, delete ${file} and run again.`
    );
  }
  return (
    `${head} Wait for it to finish, or stop that process; a lock left by a process that has exited is taken over ` +
    `automatically. If no gp2gp command is using this warehouse (on ${holder.hostname}), delete ${file}.`
  );
}
