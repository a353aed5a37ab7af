/**
 * One writer at a time per warehouse: a lock file beside the database names the process holding it, so a second
 * run is refused with a message saying who holds it. A lock left by a process that no longer exists is taken over.
 */
import fs from "node:fs";
import os from "node:os";

interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
}

export class WarehouseLockedError extends Error {}

/** TRUE while a process with this id exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Takes the lock for `databasePath`; returns a function that releases it (also released when the process exits). */
export function acquireLock(databasePath: string, command: string): () => void {
  const file = `${databasePath}.lock`;
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
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
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readLock(file);
      const stale = !holder || (holder.hostname === os.hostname() && !isAlive(holder.pid));
      if (stale) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new WarehouseLockedError(
        `The warehouse ${databasePath} is in use by process ${holder.pid} on ${holder.hostname} ` +
          `(\`${holder.command}\`, started ${holder.startedAt}). Wait for it to finish, or stop that process; ` +
          `a lock left by a process that has exited is taken over automatically.`,
      );
    }
  }
  throw new WarehouseLockedError(`Could not take the lock ${file}`);
}
