import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CliProcess,
  cliEnv,
  runCli,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../../src/services/index.js";

const STACK_LINE = /^\s+at /m;

describe("chronicle, called wrongly or for help", () => {
  it("when a command is asked for --help, then it prints its help and exits 0 without a stack", async () => {
    const result = await runCli(["project", "create", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: chronicle project create");
    expect(result.stdout).toContain("--name <name>");
    expect(result.stderr).toBe("");
  });

  it("when serve is asked for --help, then it opens nothing (an unreachable database is never tried)", async () => {
    const result = await runCli(
      ["serve", "--help"],
      cliEnv({ DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/none" }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--port <port>");
    expect(result.stdout).toContain("--host <host>");
    expect(result.stderr).toBe("");
  });

  it.each([
    [["serve", "--prot", "5405"], /unknown option '--prot'/],
    [["serve", "--port"], /argument missing/],
    [["serve", "--port", "99999"], /between 0 and 65535/],
    [["project", "create"], /required option '--name <name>'/],
    [["project", "create", "--name", "  "], /must not be empty/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["migrate", "extra"], /too many arguments|unknown command/],
    [["tail"], /needs an API key/],
    [["export", "--key", "chr_x"], /required option '-o, --out <file>'/],
    [["serve", "--log-level", "loud"], /Allowed choices are debug, info, warn, error, silent/],
  ])("when called as %j, then it says so on one line and exits 2", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^chronicle: /);
    expect(result.stdout).toBe("");
  });

  it("when the database cannot be reached, then the one-line error names the host and the cause; --verbose adds the stack", async () => {
    const url = "postgres://postgres:postgres@127.0.0.1:1/chronicle_nowhere";
    const plain = await runCli(["migrate"], cliEnv({ DATABASE_URL: url }));
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(
      /^chronicle: cannot use PostgreSQL at 127\.0\.0\.1:1\/chronicle_nowhere: /,
    );
    expect(plain.stderr).toContain("ECONNREFUSED");
    expect(plain.stderr).not.toContain("postgres:postgres");
    expect(plain.stderr).not.toMatch(STACK_LINE);
    const verbose = await runCli(["--verbose", "migrate"], cliEnv({ DATABASE_URL: url }));
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(STACK_LINE);
  });

  it("when migrate runs on a new database, then it shows progress on stderr and the result on stdout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chronicle-cli-"));
    try {
      const result = await runCli(["migrate", "--data-dir", join(dir, "data")], cliEnv(), 180_000);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/migrating: \d+\/\d+/);
      expect(result.stdout).toMatch(/^migrations applied: 1, 2/);
      const again = await runCli(["migrate", "--data-dir", join(dir, "data")], cliEnv(), 180_000);
      expect(again.stdout).toBe("schema is up to date\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 400_000);
});

describe.each(STORE_KINDS)("chronicle tail and export against a server (%s)", (kind) => {
  let ctx: TestContext;
  let key: string;
  let dir: string;

  beforeAll(async () => {
    ctx = await setUp(kind);
    const { adminKey } = await createProject(ctx.store, { name: "CLI" });
    key = adminKey.key;
    dir = await mkdtemp(join(tmpdir(), "chronicle-export-"));
  });
  afterAll(async () => {
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Records `count` events; an answer other than 201 fails with its body, so the cause shows. */
  const record = async (count: number, action = "cli.recorded") => {
    const response = await fetch(`${ctx.server.base}/v1/events/batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        events: Array.from({ length: count }, (_, i) => ({
          action,
          actor: { type: "user", id: `u${i}` },
          summary: i === 0 ? "=SUM(A1)" : `event ${i}`,
        })),
      }),
    });
    if (response.status !== 201) {
      throw new Error(`recording answered ${response.status}: ${await response.text()}`);
    }
    return response;
  };

  it("when tail runs and events are recorded, then it prints each as one NDJSON line, and Ctrl+C ends it with 0", async () => {
    const newest = await fetch(`${ctx.server.base}/v1/events?limit=1`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const after = ((await newest.json()) as { data: { seq: number }[] }).data[0]?.seq ?? 0;
    // Resuming after the newest seq, the tail sees what follows however late it connects.
    const tail = new CliProcess(
      [
        "tail",
        "--url",
        ctx.server.base,
        "--action",
        "cli.tailed",
        "--last-event-id",
        String(after),
      ],
      cliEnv({ CHRONICLE_API_KEY: key }),
    );
    let code: number | null = null;
    try {
      expect((await record(2, "cli.other")).status).toBe(201);
      expect((await record(3, "cli.tailed")).status).toBe(201);
      const lines = await tail.waitFor(({ stdout }) => {
        const all = stdout.split("\n").filter(Boolean);
        return all.length >= 3 ? all : undefined;
      }, 30_000);
      const events = lines.map((line) => JSON.parse(line) as { action: string; seq: number });
      expect(events.map((e) => e.action)).toEqual(["cli.tailed", "cli.tailed", "cli.tailed"]);
      expect(events[1]?.seq).toBe((events[0]?.seq ?? 0) + 1);
    } finally {
      // Stopped here, asserted below: a failure above must not be hidden by this one.
      code = await tail.stop("SIGINT");
    }
    expect(code, tail.stderr).toBe(0);
    expect(tail.stderr).toBe("");
  }, 120_000);

  it("when export runs to a file, then the file holds every matching event and the progress says how many", async () => {
    expect((await record(40, "cli.exported")).status).toBe(201);
    const out = join(dir, "events.ndjson");
    const result = await runCli(
      ["export", "--url", ctx.server.base, "--key", key, "--action", "cli.exported", "--out", out],
      cliEnv(),
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = (await readFile(out, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(40);
    expect(
      lines.every((line) => (JSON.parse(line) as { action: string }).action === "cli.exported"),
    ).toBe(true);
    expect(result.stderr).toContain(`exported 40 events to ${out}`);

    const csv = join(dir, "events.csv");
    const asCsv = await runCli(
      [
        "export",
        "--url",
        ctx.server.base,
        "--key",
        key,
        "--action",
        "cli.exported",
        "--format",
        "csv",
        "-o",
        csv,
      ],
      cliEnv(),
    );
    expect(asCsv.code, asCsv.stderr).toBe(0);
    const rows = (await readFile(csv, "utf8")).trim().split("\n");
    expect(rows).toHaveLength(41);
    expect(rows[0]).toContain("action");
    expect(asCsv.stderr).toContain("exported 40 events");
  }, 120_000);

  it("when export is refused, then the one line says the status and code and no file is left", async () => {
    const out = join(dir, "refused.ndjson");
    const result = await runCli(
      ["export", "--url", ctx.server.base, "--key", "chr_not_a_real_key", "--out", out],
      cliEnv(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^chronicle: export failed: 401 unauthorized/);
    await expect(readFile(out)).rejects.toThrow();
    await expect(readFile(`${out}.partial`)).rejects.toThrow();
  }, 60_000);

  it("when the server cannot be reached, then tail says where and why in one line", async () => {
    const result = await runCli(["tail", "--url", "http://127.0.0.1:1", "--key", key], cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^chronicle: tail failed: cannot reach http:\/\/127\.0\.0\.1:1: /,
    );
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 120_000);
});
