// `chronicle verify` and `chronicle checkpoint` as real processes against a real server.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { client, newProject, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { generateSignerKey, parseSignerKey } from "../../src/services/integrity/signed-note.js";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/chronicle.mjs", import.meta.url));
const SIGNER_KEY = generateSignerKey("chronicle.test/cli");
const VERIFIER_KEY = parseSignerKey(SIGNER_KEY).verifierKey;

describe("chronicle verify and chronicle checkpoint", () => {
  let t: TestContext;
  let dir: string;
  let key: string;
  let exportFile: string;
  let checkpointFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chronicle-cli-"));
    const integrity = loadConfig({
      CHRONICLE_CHECKPOINT_KEY: SIGNER_KEY,
      CHRONICLE_CHECKPOINT_ORIGIN: "chronicle.test/cli",
    }).integrity;
    t = await setUp("pglite", integrity ? { integrity } : {});
    ({ key } = await newProject(t.store));
    const http = client(t.server.base, key);
    const events = Array.from({ length: 45 }, (_, i) => ({
      action: "doc.edited",
      actor: { type: "user", id: `u${i % 3}` },
      metadata: { i },
    }));
    expect((await http("POST", "/v1/events/batch", { body: { events } })).status).toBe(201);
    checkpointFile = join(dir, "checkpoint.json");
    await writeFile(checkpointFile, (await http("GET", "/v1/integrity/checkpoint")).text);
    exportFile = join(dir, "export.ndjson");
    await writeFile(exportFile, (await http("GET", "/v1/events/export?format=ndjson")).text);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const verify = (file: string, ...extra: string[]) =>
    run(process.execPath, [bin, "verify", file, "--checkpoint", checkpointFile, ...extra]);

  it("when an untouched export is verified offline, then it matches the signed root", async () => {
    const { stdout } = await verify(exportFile, "--verifier-key", VERIFIER_KEY);
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, checked: 45, tree_size: 45 });
  });

  it("when a line was altered or the key is not the signer's, then verify fails loudly", async () => {
    const lines = (await readFile(exportFile, "utf8")).trimEnd().split("\n");
    const altered = lines.map((line, i) => (i === 9 ? line.replace('"i":9', '"i":90') : line));
    const tampered = join(dir, "tampered.ndjson");
    await writeFile(tampered, `${altered.join("\n")}\n`);
    const failure = await verify(tampered, "--verifier-key", VERIFIER_KEY).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(JSON.parse(failure.stdout)).toMatchObject({
      valid: false,
      first_invalid_seq: 10,
      reason: "hash_mismatch",
    });
    const stranger = parseSignerKey(generateSignerKey("chronicle.test/cli")).verifierKey;
    const refused = await verify(exportFile, "--verifier-key", stranger).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/signature does not verify/);
    const usage = await verify(exportFile).catch((e) => e);
    expect(usage.code).toBe(2);
  });

  it("when the checkpoint is saved by the CLI, then it is the signed note", async () => {
    const out = join(dir, "latest.note");
    const { stdout } = await run(process.execPath, [
      bin,
      "checkpoint",
      "--url",
      t.server.base,
      "--key",
      key,
      "--out",
      out,
    ]);
    // The export was recorded as event 46 since.
    expect(stdout).toMatch(
      /^chronicle\.test\/cli\/prj_\S+\n46\n\S{44}\n\n\u2014 chronicle\.test\/cli /,
    );
    expect(await readFile(out, "utf8")).toBe(stdout);
  });
});
