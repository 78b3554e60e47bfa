// Chronicle's checkpoints and proofs, checked by Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog (test/interop/go): an implementation the project did not write. Runs when `go`
// is on the PATH (CI installs it); the Go module is fetched through the Go module proxy.
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { client, newProject, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../packages/server/src/config.js";
import {
  generateSignerKey,
  parseSignerKey,
} from "../../packages/server/src/services/integrity/signed-note.js";

const run = promisify(execFile);
const goDir = fileURLToPath(new URL("./go", import.meta.url));

function hasGo(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SIGNER_KEY = generateSignerKey("chronicle.test/interop");

describe.skipIf(!hasGo())("Go's sumdb/note and sumdb/tlog verify Chronicle", () => {
  let t: TestContext;
  let binDir: string;
  let binary: string;
  let key: string;
  let oldNote: string;

  beforeAll(async () => {
    binDir = await mkdtemp(join(tmpdir(), "chronicle-interop-"));
    binary = join(binDir, "verify-chronicle");
    await run("go", ["build", "-o", binary, "."], { cwd: goDir, timeout: 180_000 });
    const integrity = loadConfig({
      CHRONICLE_CHECKPOINT_KEY: SIGNER_KEY,
      CHRONICLE_CHECKPOINT_ORIGIN: "chronicle.test/interop",
    }).integrity;
    t = await setUp("pglite", integrity ? { integrity } : {});
    ({ key } = await newProject(t.store));
    const http = client(t.server.base, key);
    const batch = (n: number, from: number) =>
      http("POST", "/v1/events/batch", {
        body: {
          events: Array.from({ length: n }, (_, i) => ({
            action: "doc.edited",
            actor: { type: "user", id: `u${(from + i) % 4}` },
            metadata: { i: from + i },
          })),
        },
      });
    expect((await batch(23, 0)).status).toBe(201);
    oldNote = (await http("GET", "/v1/integrity/checkpoint")).json.note;
    expect((await batch(7, 23)).status).toBe(201);
    expect((await batch(41, 30)).status).toBe(201);
  }, 240_000);
  afterAll(async () => {
    await t?.close();
    if (binDir) await rm(binDir, { recursive: true, force: true });
  });

  function verify(vkey: string, old = oldNote) {
    return run(binary, ["-vkey", vkey], {
      env: {
        ...process.env,
        CHRONICLE_URL: t.server.base,
        CHRONICLE_KEY: key,
        CHRONICLE_OLD_NOTE: old,
      },
    });
  }

  it("when Go checks the checkpoint, every inclusion proof and a consistency proof, then all verify", async () => {
    const { stdout } = await verify(parseSignerKey(SIGNER_KEY).verifierKey);
    expect(stdout).toMatch(
      /^OK chronicle\.test\/interop\/prj_\S+ size=71 inclusion=71 consistency=23->71\n$/,
    );
  });

  it("when Go is given another key, then the checkpoint is refused", async () => {
    const stranger = parseSignerKey(generateSignerKey("chronicle.test/interop")).verifierKey;
    await expect(verify(stranger)).rejects.toMatchObject({ code: 1 });
  });

  it("when the older checkpoint was altered, then Go refuses it", async () => {
    const altered = oldNote.replace("\n23\n", "\n22\n");
    await expect(verify(parseSignerKey(SIGNER_KEY).verifierKey, altered)).rejects.toMatchObject({
      code: 1,
    });
  });
});
