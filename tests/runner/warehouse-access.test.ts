/**
 * Who may have the warehouse file open, and what a command says when it cannot: a writer waits (bounded) for
 * readers such as `gp2gp sql`, then proceeds or gives up naming the file and the holder; lock and permission
 * errors name the file and say what to do; unknown --vars are refused listing the known ones.
 */
import { ChildProcessWithoutNullStreams, execFile, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runAnalystQuery } from "../../scripts/lib/analyst-query";
import { LockWaitEvent, Warehouse, WarehouseBusyError } from "../../scripts/lib/duckdb";
import { acquireLock, WarehouseLockedError } from "../../scripts/lib/lock";
import { tempDir } from "../support/warehouse";

const ROOT = path.resolve(__dirname, "../..");
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function newWarehouse(name: string): Promise<string> {
  const database = path.join(tempDir(name), "w.duckdb");
  const w = await Warehouse.open(database);
  await w.run("create schema if not exists m; create table m.t as select range as i from range(3)");
  w.close();
  return database;
}

/** A child process holding `database` open ("read" as gp2gp sql does, "write" as gp2gp run does), once it says so. */
async function hold(database: string, mode: "read" | "write" | "lock"): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "fixtures/hold-warehouse.ts"), database, mode], { cwd: ROOT });
  children.push(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
      if (output.includes("holding")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the holding process exited (${code}) before opening the file: ${output}`)));
  });
  return child;
}

/** Tells a holder to close the file and waits until it has. */
async function release(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.stdin.write("release\n");
  await exited;
}

function gp2gp(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(ROOT, "scripts/gp2gp.js"), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe("a writer and a running query", () => {
  it("waits while a reader has the file open, says what it waits for, and proceeds once the reader closes it", async () => {
    const database = await newWarehouse("wait");
    const reader = await hold(database, "read");
    const waits: LockWaitEvent[] = [];
    let firstWait!: () => void;
    const waiting = new Promise<void>((resolve) => (firstWait = resolve));
    const opening = Warehouse.open(database, {
      lockWait: {
        seconds: 600,
        onWait: (wait) => {
          waits.push(wait);
          firstWait();
        },
      },
    });
    await waiting;
    expect(waits[0]).toMatchObject({ file: database, holder: { pid: reader.pid }, limitSeconds: 600 });
    expect(waits[0]!.holder.command).toMatch(/hold-warehouse/);
    await release(reader);
    const writer = await opening;
    try {
      await writer.run("insert into m.t values (3)");
      expect(await writer.scalar("select count(*) from m.t")).toBe(4);
    } finally {
      writer.close();
    }
  });

  it("gives up after the bounded wait with a message naming the file, the holder and --lock-wait", async () => {
    const database = await newWarehouse("give-up");
    const reader = await hold(database, "read");
    const waits: LockWaitEvent[] = [];
    const error = await Warehouse.open(database, { lockWait: { seconds: 1, onWait: (wait) => waits.push(wait) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseBusyError);
    expect((error as Error).message).toContain(`The warehouse ${database} is still open in process ${reader.pid}`);
    expect((error as Error).message).toMatch(/after waiting 1 s\. A command that writes the warehouse needs the file to itself.*--lock-wait SECONDS \(or GP2GP_LOCK_WAIT_SECONDS\)/);
    expect(waits.length).toBeGreaterThan(0);
  });

  it("gp2gp load prints what it waits for and exits non-zero after GP2GP_LOCK_WAIT_SECONDS", async () => {
    const database = await newWarehouse("cli-wait");
    const reader = await hold(database, "read");
    const { code, stderr } = await gp2gp(["load", "geography", path.join(path.dirname(database), "none.csv"), "--database", database], { GP2GP_LOCK_WAIT_SECONDS: "1" });
    expect(code).toBe(2);
    expect(stderr).toContain(`Waiting for ${database}: it is open in process ${reader.pid}`);
    expect(stderr).toContain(`The warehouse ${database} is still open in process ${reader.pid}`);
    // The writers' lock is released on the way out.
    expect(fs.existsSync(`${database}.lock`)).toBe(false);
  });

  it("a query while a writer has the file names the writer from its lock file, and says how to wait", async () => {
    const database = await newWarehouse("reader-refused");
    const writer = await hold(database, "write");
    const error = await runAnalystQuery({ database, query: "select 1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseBusyError);
    expect((error as Error).message).toContain(`The warehouse ${database} is being written by process ${writer.pid} (\`gp2gp run\`, started `);
    expect((error as Error).message).toContain(`per ${database}.lock`);
    expect((error as Error).message).toMatch(/pass --lock-wait SECONDS to wait for it/);
    // With a wait, the query runs once the writer has finished.
    let waited!: () => void;
    const waiting = new Promise<void>((resolve) => (waited = resolve));
    const query = runAnalystQuery({ database, query: "select count(*) as n from m.t", lockWait: { seconds: 600, onWait: () => waited() } });
    await waiting;
    await release(writer);
    expect(await query).toEqual({ kind: "rows", rows: [{ n: 3 }] });
  });

  it("a query does not start while a writer holds the writers' lock, even before the writer has the file, so queries cannot keep a writer waiting", async () => {
    const database = await newWarehouse("writer-first");
    const writer = await hold(database, "lock");
    const error = await runAnalystQuery({ database, query: "select 1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseBusyError);
    expect((error as Error).message).toContain(`is being written by process ${writer.pid} (\`gp2gp run\`, started `);
    expect((error as Error).message).toContain(`per ${database}.lock) (or that command is waiting to write it)`);
    await release(writer);
    expect(await runAnalystQuery({ database, query: "select count(*) as n from m.t" })).toEqual({ kind: "rows", rows: [{ n: 3 }] });
  });
});

describe("lock and permission messages", () => {
  it("a lock held by a live process that is not a gp2gp command names the lock file and says to delete it", () => {
    const database = path.join(tempDir("foreign-lock"), "w.duckdb");
    const sleeper = spawn("sleep", ["600"]);
    try {
      fs.writeFileSync(`${database}.lock`, JSON.stringify({ pid: sleeper.pid, hostname: os.hostname(), command: "gp2gp run", startedAt: "2026-01-01T00:00:00.000Z" }));
      expect(() => acquireLock(database, "gp2gp run")).toThrow(WarehouseLockedError);
      const message = (() => {
        try {
          acquireLock(database, "gp2gp run");
          return "";
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(message).toContain(`according to its lock file ${database}.lock`);
      if (fs.existsSync(`/proc/${sleeper.pid}/cmdline`)) {
        expect(message).toContain(`Process ${sleeper.pid} is now \`sleep 600\`, not a gp2gp command`);
      }
      expect(message).toContain(`delete ${database}.lock`);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("a lock held by a running gp2gp command names the lock file and the command", () => {
    const database = path.join(tempDir("own-lock"), "w.duckdb");
    const release = acquireLock(database, "gp2gp run");
    try {
      expect(() => acquireLock(database, "gp2gp load spine")).toThrow(
        new RegExp(`in use by process ${process.pid} .*\`gp2gp run\`.*according to its lock file ${database}\\.lock\\. Wait for it to finish, or stop that process`),
      );
    } finally {
      release();
    }
  });

  // Permission errors need a user without write access: the test's own user when it is not root, else nobody.
  const asRoot = process.getuid?.() === 0;
  const setpriv = asRoot ? spawnSync("setpriv", ["--version"]).status === 0 : true;
  const unprivileged = (args: string[]) =>
    asRoot ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", ...args], { cwd: ROOT, encoding: "utf8" }) : spawnSync(args[0]!, args.slice(1), { cwd: ROOT, encoding: "utf8" });
  const probe = (database: string, mode: "read" | "write") =>
    unprivileged([process.execPath, "-r", "ts-node/register/transpile-only", path.join(__dirname, "fixtures/open-warehouse.ts"), database, mode]).stdout.trim();

  let folder: string;
  let database: string;
  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-permissions-"));
    fs.chmodSync(folder, 0o755);
    database = path.join(folder, "w.duckdb");
    const w = await Warehouse.open(database);
    await w.run("create schema if not exists m; create table m.t as select range as i from range(3)");
    w.close();
  });

  it.skipIf(!setpriv)("a folder the user cannot write: the writer names the lock file and says what to do; a query still runs", () => {
    fs.chmodSync(database, 0o644);
    fs.chmodSync(folder, 0o555);
    try {
      expect(probe(database, "write")).toBe(
        `error Cannot create the lock file ${database}.lock: permission denied (EACCES). A command that writes the warehouse records itself there, ` +
          `beside the database: make ${folder} writable by this user, or point --database (GP2GP_DATABASE) at a warehouse in a writable folder.`,
      );
      expect(probe(database, "read")).toBe(`ok {"kind":"rows","rows":[{"n":3}]}`);
    } finally {
      fs.chmodSync(folder, 0o755);
    }
  });

  it.skipIf(!setpriv)("a database file the user cannot write names the file and says what to do", () => {
    fs.chmodSync(folder, 0o777);
    fs.chmodSync(database, 0o444);
    try {
      expect(probe(database, "write")).toBe(
        `error Cannot open the warehouse for writing ${database}: permission denied (EACCES). The warehouse needs a folder this user can write ` +
          `(DuckDB writes a .wal file and a lock file beside the database): make it writable, or point --database (GP2GP_DATABASE) at a warehouse in a writable folder.`,
      );
      fs.chmodSync(database, 0o000);
      if (!asRoot) expect(probe(database, "read")).toMatch(new RegExp(`^error Cannot open the warehouse ${database}: permission denied \\(EACCES\\)\\. Reading it needs read access`));
    } finally {
      fs.chmodSync(database, 0o644);
      fs.chmodSync(folder, 0o755);
    }
  });
});

describe("unknown vars", () => {
  for (const command of [["compile"], ["run", "--database", "DB"]]) {
    it(`gp2gp ${command[0]} --vars nonsense=1 exits non-zero listing the known vars`, async () => {
      const args = command.map((a) => (a === "DB" ? path.join(tempDir("vars"), "w.duckdb") : a));
      const { code, stderr } = await gp2gp([...args, "--vars", "nonsense=1,cutoff_days=0;14"]);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/--vars: unknown var "nonsense"; the known vars are: engine, raw_dataset, .*cutoff_days, .*first_build_batches/);
    });
  }
});
