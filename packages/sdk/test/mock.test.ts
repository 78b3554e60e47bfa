// The SDK against the Prism mock of the contract: Prism rejects any request that breaks
// the contract (400/401/404/405/415/422 with a validation problem), so every call that
// succeeds here is a request the contract accepts, answered with the contract's examples.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chronicle, ChronicleError } from "../src/index.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
let prism: ChildProcess;
let chronicle: Chronicle;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  prism = spawn(
    join(root, "node_modules/.bin/prism"),
    ["mock", "-p", String(port), "--host", "127.0.0.1", "openapi/openapi.yaml"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("prism did not start")), 50_000);
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Prism is listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    prism.stdout?.on("data", onData);
    prism.stderr?.on("data", onData);
    prism.once("exit", (code) => reject(new Error(`prism exited (${code}): ${output}`)));
  });
  chronicle = new Chronicle({
    apiKey: "chr_mock",
    baseUrl: `http://127.0.0.1:${port}`,
    maxRetries: 0,
  });
});

afterAll(() => {
  prism?.kill("SIGTERM");
});

const actor = { type: "user" as const, id: "usr_1" };

describe("the SDK against the Prism mock", () => {
  it("health, project, actions, API keys, viewer tokens, integrity", async () => {
    expect((await chronicle.health.get()).status).toBe("ok");
    expect((await chronicle.project.get()).id).toMatch(/^prj_/);
    expect((await chronicle.project.update({ retention_days: 30 })).id).toMatch(/^prj_/);
    expect((await chronicle.actions.list()).data.length).toBeGreaterThan(0);
    expect(
      (await chronicle.actions.define("issue.created", { description: "An issue was opened" }))
        .action,
    ).toBeTruthy();
    expect((await chronicle.apiKeys.list()).data.length).toBeGreaterThan(0);
    const created = await chronicle.apiKeys.create({ name: "ci", scopes: ["activity:write"] });
    expect(created.key).toBeTruthy();
    expect((await chronicle.apiKeys.revoke(created.id)).id).toBeTruthy();
    const token = await chronicle.viewerTokens.create({
      workspace_id: "ws_acme",
      ttl_seconds: 600,
    });
    expect(token.token).toMatch(/^chv_/);
    expect(typeof (await chronicle.integrity.verify({ from_seq: 1, to_seq: 10 })).valid).toBe(
      "boolean",
    );
  });

  it("events: create, batch, get, list, feeds", async () => {
    expect((await chronicle.events.create({ action: "issue.created", actor })).id).toMatch(/^evt_/);
    const batch = await chronicle.events.batch({
      events: [
        { action: "issue.created", actor },
        { action: "issue.closed", actor },
      ],
    });
    expect(batch.data.length).toBeGreaterThan(0);
    expect((await chronicle.events.get("evt_01KMX4Q9N3P5R7S9T1V3W5X7Y9")).id).toMatch(/^evt_/);
    const page = await chronicle.events.list({ action: "issue.*", order: "asc", limit: 10 });
    expect(page.data.length).toBeGreaterThan(0);
    expect((await chronicle.targets.list("issue", "ISS-1")).data).toBeDefined();
    expect((await chronicle.workspaces.events("ws_acme")).data).toBeDefined();
  });

  it("events.export streams NDJSON from the example", async () => {
    const seqs: number[] = [];
    for await (const event of chronicle.events.export({ format: "ndjson" })) seqs.push(event.seq);
    expect(seqs.length).toBeGreaterThan(0);
  });

  it("events.export streams CSV rows, and the logger's batches are accepted", async () => {
    const rows: string[][] = [];
    for await (const row of chronicle.events.export({ format: "csv" }, { rows: "arrays" })) {
      rows.push(row);
    }
    expect(rows[0]).toContain("seq");
    expect(rows.length).toBeGreaterThan(1);

    const rejected: unknown[] = [];
    const logger = chronicle.events.logger({
      maxBatch: 2,
      onError: (error) => rejected.push(error),
    });
    for (let n = 0; n < 5; n++) await logger.log({ action: "page.viewed", actor });
    await logger.close();
    expect(rejected).toEqual([]);
  });

  it("events.tail parses the example stream and does not repeat it on reconnect", async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("done")), 1500);
    try {
      for await (const event of chronicle.events.tail({}, { signal: controller.signal })) {
        seen.push(event.seq);
      }
    } catch (error) {
      expect((error as Error).message).toBe("done");
    } finally {
      clearTimeout(timer);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("a request the contract refuses is a typed error, not a success", async () => {
    const failure = await chronicle.events
      .create({ action: "Not An Action", actor })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChronicleError);
    expect((failure as ChronicleError).status).toBeGreaterThanOrEqual(400);
    expect((failure as ChronicleError).status).toBeLessThan(500);
  });
});
