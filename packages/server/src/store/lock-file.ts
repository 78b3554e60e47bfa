import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class StoreLockedError extends Error {
  override readonly name = "StoreLockedError";
}

const LOCK_NAME = "chronicle.lock";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function heldBy(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes the data directory's lock file (`chronicle.lock`, holding the owner's pid) or
 * fails with StoreLockedError. A lock left by a process that no longer runs is taken over.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (heldBy(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = heldBy(path);
      if (pid !== null && isAlive(pid)) {
        const who = pid === process.pid ? "this process" : `process ${pid}`;
        throw new StoreLockedError(
          `The embedded database in ${dataDir} is already open in ${who}. PGlite allows one process at a time: stop the other Chronicle, or use a different CHRONICLE_DATA_DIR (or DATABASE_URL for PostgreSQL).`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StoreLockedError(`Could not take the lock file ${path}`);
}
