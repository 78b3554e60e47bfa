import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQ_BUCKET } from "../../src/store/event-search.js";
import { migrate, openStore, StoreLockedError } from "../../src/store/index.js";

describe.each(STORE_KINDS)("store on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when migrate runs again, then it applies nothing and no signing secret is in the database", async () => {
    expect(await migrate(t.store)).toEqual([]);
    // Token and cursor secrets come from configuration (docs/security.md), never a table.
    expect(
      await t.store.query("SELECT name FROM settings WHERE name = 'hmac_secret'"),
    ).toHaveLength(0);
  });

  it("when a transaction throws, then nothing of it is kept", async () => {
    await expect(
      t.store.transaction(async (tx) => {
        await tx.query("INSERT INTO settings (name, value) VALUES ('rollback_probe', 'x')");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(
      await t.store.query("SELECT 1 FROM settings WHERE name = 'rollback_probe'"),
    ).toHaveLength(0);
  });

  it("when transactions run concurrently, then read-modify-write never loses an update", async () => {
    await t.store.query("INSERT INTO settings (name, value) VALUES ('counter', '0')");
    await Promise.all(
      Array.from({ length: 20 }, () =>
        t.store.transaction(async (tx) => {
          const [row] = await tx.query<{ value: string }>(
            "SELECT value FROM settings WHERE name = 'counter' FOR UPDATE",
          );
          await tx.query("UPDATE settings SET value = $1 WHERE name = 'counter'", [
            String(Number(row?.value) + 1),
          ]);
        }),
      ),
    );
    const [row] = await t.store.query<{ value: string }>(
      "SELECT value FROM settings WHERE name = 'counter'",
    );
    expect(row?.value).toBe("20");
  });

  it("when a transaction notifies, then listeners get the payload after commit", async () => {
    const received: string[] = [];
    const unlisten = await t.store.listen("chronicle_probe", (payload) => received.push(payload));
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('chronicle_probe', 'in-tx')");
    });
    await t.store.notify("chronicle_probe", "direct");
    await waitFor(() => received.length === 2);
    expect(received).toEqual(["in-tx", "direct"]);
    await unlisten();
    await t.store.notify("chronicle_probe", "after-unlisten");
    await t.store.query("SELECT 1");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(2);
  });

  it("when events are updated or deleted, then the database refuses", async () => {
    await t.store.query("INSERT INTO projects (project_id, name) VALUES ('prj_trigger', 'x')");
    await t.store.query(
      `INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, occurred_at,
         created_at, hash, search_text)
       VALUES ('prj_trigger', 1, 'evt_1', 'a.b', 'user', 'u', now(), now(), 'h', 'a.b')`,
    );
    await expect(t.store.query("UPDATE events SET summary = 'x'")).rejects.toThrow(/append-only/);
    await expect(t.store.query("DELETE FROM events")).rejects.toThrow(/append-only/);
    await expect(t.store.query("TRUNCATE events")).rejects.toThrow(/append-only/);
    const deleted = await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      return tx.query("DELETE FROM events WHERE project_id = 'prj_trigger' RETURNING seq");
    });
    expect(deleted).toHaveLength(1);
  });

  it("when migrated, then rate-limit counters skip the WAL and the GIN indexes lead with project_id", async () => {
    const [table] = await t.store.query<{ relpersistence: string }>(
      "SELECT relpersistence FROM pg_class WHERE relname = 'rate_limits'",
    );
    expect(table?.relpersistence).toBe("u");
    const indexes = await t.store.query<{ relname: string; def: string; options: string[] | null }>(
      `SELECT c.relname, pg_get_indexdef(c.oid) AS def, c.reloptions AS options
       FROM pg_class c WHERE c.relname IN
         ('events_changed_fields', 'events_target_keys', 'events_search', 'events_occurred_at')
       ORDER BY c.relname`,
    );
    const byName = Object.fromEntries(indexes.map((row) => [row.relname, row]));
    expect(byName.events_changed_fields?.def).toMatch(/USING gin \(project_id, changed_fields\)/);
    expect(byName.events_changed_fields?.options).toEqual(["fastupdate=off"]);
    expect(byName.events_target_keys?.def).toMatch(/USING gin \(project_id, target_keys\)/);
    expect(byName.events_target_keys?.options).toEqual(["fastupdate=off"]);
    // The seq bucket key is the width the search reads by (store/event-search.ts).
    expect(byName.events_search?.def).toContain(
      `USING gin (project_id, ((seq / ${SEQ_BUCKET})), search_text gin_trgm_ops)`,
    );
    expect(byName.events_occurred_at?.def).toMatch(/\(project_id, occurred_at\) INCLUDE \(seq\)/);
  });
});

describe("PGlite data directory lock", () => {
  it("when a second store opens the same directory, then it fails with a clear message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chronicle-lock-"));
    const store = await openStore({ dataDir });
    try {
      await expect(openStore({ dataDir })).rejects.toBeInstanceOf(StoreLockedError);
      await expect(openStore({ dataDir })).rejects.toThrow(/already open/);
    } finally {
      await store.close();
    }
    // Closed: the lock is released and the directory opens again.
    const again = await openStore({ dataDir });
    await again.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("when another process opens a directory in use, then it exits with the clear message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chronicle-lock-"));
    const store = await openStore({ dataDir });
    try {
      const storeModule = resolve(import.meta.dirname, "../../src/store/index.ts");
      const child = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `import { openStore } from ${JSON.stringify(storeModule)};
           openStore({ dataDir: ${JSON.stringify(dataDir)} }).then(
             () => process.exit(0),
             (error) => { console.error(error.name + ": " + error.message); process.exit(3); });`,
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(child.status).toBe(3);
      expect(child.stderr).toContain(`StoreLockedError: The embedded database in ${dataDir}`);
      expect(child.stderr).toContain(`already open in process ${process.pid}`);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("when the lock was left by a process that no longer runs, then it is taken over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chronicle-lock-"));
    writeFileSync(join(dataDir, "chronicle.lock"), "999999999\n");
    const store = await openStore({ dataDir });
    expect(await store.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
