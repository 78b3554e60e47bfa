import { client, newProject, STORE_KINDS, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  Chronicle,
  hashEvent,
  LogForkError,
  NotFoundError,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../../sdk/src/index.js";
import { loadConfig } from "../../src/config.js";
import {
  formatCheckpoint,
  generateSignerKey,
  parseSignerKey,
  signNote,
} from "../../src/services/integrity/signed-note.js";

const SIGNER_KEY = generateSignerKey("chronicle.test/proofs");

function inputs(count: number, offset = 0) {
  return Array.from({ length: count }, (_, i) => ({
    action: "issue.created",
    actor: { type: "user" as const, id: `usr_${i % 3}` },
    workspace_id: (i + offset) % 2 ? "ws_acme" : "ws_globex",
    metadata: { n: i + offset },
  }));
}

describe.each(STORE_KINDS)("signed checkpoints and Merkle proofs over HTTP on %s", (kind) => {
  let t: TestContext;
  let sdk: Chronicle;
  let key: string;
  let keys: string[];

  beforeAll(async () => {
    const integrity = loadConfig({
      CHRONICLE_CHECKPOINT_KEY: SIGNER_KEY,
      CHRONICLE_CHECKPOINT_ORIGIN: "chronicle.test/proofs",
      CHRONICLE_TOKEN_SECRETS: "a-token-secret-of-at-least-32-characters",
    }).integrity;
    t = await setUp(kind, integrity ? { integrity } : {});
    ({ key } = await newProject(t.store));
    sdk = new Chronicle({ apiKey: key, baseUrl: t.server.base, maxRetries: 0 });
    // In three appends, so the tree grows across group commits.
    for (const [count, offset] of [
      [5, 0],
      [17, 5],
      [15, 22],
    ] as const) {
      await sdk.events.batch({ events: inputs(count, offset) });
    }
    keys = (await sdk.integrity.verifierKeys()).data.map((k) => k.verifier_key);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("when the checkpoint is fetched, then its note is a C2SP checkpoint signed by the published key", async () => {
    const signed = await sdk.integrity.checkpoint();
    expect(signed.tree_size).toBe(37);
    expect(signed.origin).toMatch(/^chronicle\.test\/proofs\/prj_/);
    const checkpoint = await verifyCheckpoint(signed.note, keys);
    expect(checkpoint.treeSize).toBe(37);
    expect(checkpoint.keyId).toBe(signed.key_id);
    expect(keys).toEqual([parseSignerKey(SIGNER_KEY).verifierKey]);
    // Another key, or an altered note, is refused.
    const stranger = parseSignerKey(generateSignerKey("chronicle.test/proofs")).verifierKey;
    await expect(verifyCheckpoint(signed.note, [stranger])).rejects.toThrow(CheckpointError);
    await expect(verifyCheckpoint(signed.note.replace("\n37\n", "\n36\n"), keys)).rejects.toThrow(
      CheckpointError,
    );
  });

  it("when every event is proven, then each verifies against the signed root and an altered one does not", async () => {
    const signed = await sdk.integrity.checkpoint();
    const events = await sdk.events.list({ order: "asc", limit: 100 });
    expect(events.data).toHaveLength(37);
    for (const event of events.data) {
      expect(await hashEvent(event)).toBe(event.hash);
      const proof = await sdk.integrity.inclusionProof(event.seq);
      expect(await verifyInclusion(event, proof, signed, keys)).toBe(true);
    }
    const [first, second] = events.data;
    if (!first || !second) throw new Error("no events");
    const proof = await sdk.integrity.inclusionProof(first.seq);
    expect(await verifyInclusion({ ...first, hash: second.hash }, proof, signed, keys)).toBe(false);
    // A proof at an older size verifies against the older checkpoint only.
    const older = await sdk.integrity.inclusionProof(first.seq, 22);
    expect(older.tree_size).toBe(22);
    expect(await verifyInclusion(first, older, signed, keys)).toBe(false);
  });

  it("when the log grows, then the new checkpoint is proven consistent and the watcher accepts it", async () => {
    const http = client(t.server.base, key);
    const first = await verifyCheckpoint((await sdk.integrity.checkpoint()).note, keys);
    const watcher = sdk.integrity.watch(keys);
    await watcher.check();
    await sdk.events.batch({ events: inputs(9, 37) });
    const second = await verifyCheckpoint((await sdk.integrity.checkpoint()).note, keys);
    expect(second.treeSize).toBe(first.treeSize + 9);
    const proof = await sdk.integrity.consistencyProof(first.treeSize, second.treeSize);
    expect(await verifyConsistency(first, second, proof)).toBe(true);
    expect(
      await verifyConsistency(first, second, { ...proof, hashes: proof.hashes.slice(1) }),
    ).toBe(false);
    expect((await watcher.check()).treeSize).toBe(second.treeSize);
    // Out-of-range sizes are 400 invalid_parameter with a pointer.
    const tooBig = await http("GET", `/v1/integrity/proofs/consistency?from_size=5&to_size=999`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.errors[0].pointer).toBe("/query/to_size");
    const reversed = await http("GET", `/v1/integrity/proofs/consistency?from_size=30&to_size=20`);
    expect(reversed.json.errors[0].pointer).toBe("/query/from_size");
    const seq = await http("GET", `/v1/integrity/proofs/inclusion?seq=40&tree_size=30`);
    expect(seq.status).toBe(400);
    expect(seq.json.errors[0].pointer).toBe("/query/seq");
    expect((await http("GET", "/v1/integrity/proofs/inclusion")).status).toBe(400);
  });

  it("when a server serves a forked or rolled-back tree, then the watching SDK refuses it", async () => {
    const real = await sdk.integrity.checkpoint();
    const signer = parseSignerKey(SIGNER_KEY);
    const forged = (size: number, root: Buffer) =>
      signNote(formatCheckpoint({ origin: real.origin, treeSize: size, rootHash: root }), signer);
    let serve: () => string = () => real.note;
    const watcher = new Chronicle({ apiKey: key, baseUrl: t.server.base }).integrity.watch(keys);
    // The hostile server: real proofs, but the checkpoints it chooses (signed with the real key).
    const hostile = {
      checkpoint: async () => ({ note: serve() }),
      consistencyProof: (from: number, to: number) => sdk.integrity.consistencyProof(from, to),
    };
    const { CheckpointWatcher } = await import("../../../sdk/src/index.js");
    const watching = new CheckpointWatcher(hostile, keys);
    await watching.check();
    await watcher.check();

    // Same size, another root: a fork.
    serve = () => forged(real.tree_size, Buffer.alloc(32, 7));
    await expect(watching.check()).rejects.toThrow(LogForkError);
    // A larger tree whose root the real consistency proof does not reach: a fork.
    await sdk.events.create(inputs(1, 99)[0] as never);
    const grown = await sdk.integrity.checkpoint();
    serve = () => forged(grown.tree_size, Buffer.alloc(32, 9));
    await expect(watching.check()).rejects.toThrow(/not an extension/);
    // A smaller tree: a rollback.
    serve = () => forged(real.tree_size - 3, Buffer.alloc(32, 1));
    await expect(watching.check()).rejects.toThrow(/rolled the log back/);
    // The last accepted checkpoint stays; the honest server is still accepted.
    expect(watching.last?.treeSize).toBe(real.tree_size);
    serve = () => grown.note;
    expect((await watching.check()).treeSize).toBe(grown.tree_size);
  });

  it("when a viewer token asks, then it proves its workspace's events and nothing else", async () => {
    const token = await sdk.viewerTokens.create({ workspace_id: "ws_acme" });
    const viewer = new Chronicle({ apiKey: token.token, baseUrl: t.server.base, maxRetries: 0 });
    const signed = await viewer.integrity.checkpoint();
    const feed = await viewer.workspaces.events("ws_acme", { order: "asc", limit: 100 });
    expect(feed.data.length).toBeGreaterThan(10);
    for (const event of feed.data) {
      const proof = await viewer.integrity.inclusionProof(event.seq);
      expect(await verifyInclusion(event, proof, signed, keys)).toBe(true);
    }
    const all = await sdk.events.list({ order: "asc", limit: 100 });
    const foreign = all.data.find((event) => event.workspace_id !== "ws_acme");
    if (!foreign) throw new Error("no foreign event");
    await expect(viewer.integrity.inclusionProof(foreign.seq)).rejects.toThrow(NotFoundError);
    const proof = await viewer.integrity.consistencyProof(5);
    expect(proof.to_size).toBe(signed.tree_size);
  });
  it("when the tree grows between proofs, then each proof is at the latest signed size, never the size the last one found", async () => {
    const http = client(t.server.base, key);
    const before = await sdk.integrity.checkpoint();
    const first = await sdk.integrity.inclusionProof(1);
    expect(first.tree_size).toBe(before.tree_size);
    await sdk.events.batch({ events: inputs(6, 200) });
    // The proof signs the grown tree on demand and is served at its size, the old one's
    // hashes read ahead or not.
    const grown = await sdk.integrity.inclusionProof(1);
    expect(grown.tree_size).toBe(before.tree_size + 6);
    const after = await sdk.integrity.checkpoint();
    expect(after.tree_size).toBe(grown.tree_size);
    const events = await sdk.events.list({ order: "desc", limit: 7 });
    const [newest] = events.data;
    const event1 = (await sdk.events.list({ order: "asc", limit: 1 })).data[0];
    if (!newest || !event1) throw new Error("no events");
    expect(await verifyInclusion(event1, grown, after, keys)).toBe(true);
    expect(await verifyInclusion(event1, first, before, keys)).toBe(true);
    expect(await verifyInclusion(event1, first, after, keys)).toBe(false);
    // An event past the old size is proven at the new one.
    const last = await sdk.integrity.inclusionProof(newest.seq);
    expect(last.tree_size).toBe(after.tree_size);
    expect(await verifyInclusion(newest, last, after, keys)).toBe(true);
    // An older size asked for is still served at that size; a size past the latest is refused.
    const older = await sdk.integrity.inclusionProof(1, before.tree_size);
    expect(older).toEqual(first);
    const tooBig = await http(
      "GET",
      `/v1/integrity/proofs/inclusion?seq=1&tree_size=${after.tree_size + 1}`,
    );
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.errors[0].pointer).toBe("/query/tree_size");
    const consistency = await sdk.integrity.consistencyProof(before.tree_size);
    expect(consistency.to_size).toBe(after.tree_size);
    const from = await verifyCheckpoint(before.note, keys);
    const to = await verifyCheckpoint(after.note, keys);
    expect(await verifyConsistency(from, to, consistency)).toBe(true);
    // A viewer token is refused another workspace's event whether or not hashes were read ahead.
    const token = await sdk.viewerTokens.create({ workspace_id: "ws_acme" });
    const viewer = new Chronicle({ apiKey: token.token, baseUrl: t.server.base, maxRetries: 0 });
    const foreign = events.data.find((event) => event.workspace_id !== "ws_acme");
    const own = events.data.find((event) => event.workspace_id === "ws_acme");
    if (!foreign || !own) throw new Error("no events of both workspaces");
    for (let i = 0; i < 2; i++) {
      await expect(viewer.integrity.inclusionProof(foreign.seq)).rejects.toThrow(NotFoundError);
      const proof = await viewer.integrity.inclusionProof(own.seq);
      expect(await verifyInclusion(own, proof, after, keys)).toBe(true);
    }
    const beyond = await http("GET", `/v1/integrity/proofs/inclusion?seq=${after.tree_size + 1}`);
    expect(beyond.status).toBe(400);
    expect(beyond.json.errors[0].pointer).toBe("/query/seq");
  });
});
