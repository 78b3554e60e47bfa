// One deployment signs every project's checkpoints with the same key: only the origin line
// (`<deployment origin>/<project id>`) tells one project's log from another's. These tests
// sign checkpoints with the server's own signed-note code and pin the origin in the SDK.
import { createHash } from "node:crypto";
import { formatCheckpoint, generateSignerKey, parseSignerKey, signNote } from "@chronicle/test-kit";
import { describe, expect, it } from "vitest";
import {
  CheckpointError,
  CheckpointWatcher,
  Chronicle,
  LogForkError,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../src/index.js";
import { json, scriptedFetch } from "./support/fake-fetch.js";

const DEPLOYMENT = "chronicle.test/acme";
const OURS = `${DEPLOYMENT}/prj_ours`;
const THEIRS = `${DEPLOYMENT}/prj_theirs`;
const signer = parseSignerKey(generateSignerKey(DEPLOYMENT));
const keys = [signer.verifierKey];

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const leaf = (eventHash: string) => sha256(Buffer.of(0), Buffer.from(eventHash, "hex"));
const node = (left: Buffer, right: Buffer) => sha256(Buffer.of(1), left, right);

/** A project's log of two events: its events, its signed notes and RFC 9162 proofs. */
function log(origin: string) {
  const events = [1, 2].map((seq) => ({
    seq,
    hash: sha256(Buffer.from(`${origin} ${seq}`)).toString("hex"),
  }));
  const [first, second] = events as [(typeof events)[0], (typeof events)[0]];
  const note = (treeSize: number, rootHash: Buffer) =>
    signNote(formatCheckpoint({ origin, treeSize, rootHash }), signer);
  return {
    first,
    small: note(1, leaf(first.hash)),
    large: note(2, node(leaf(first.hash), leaf(second.hash))),
    /** The inclusion proof of `first` in the tree of 2, and the tree of 2 extending the tree of 1. */
    inclusion: { leaf_index: 0, tree_size: 2, hashes: [leaf(second.hash).toString("base64")] },
    consistency: { from_size: 1, to_size: 2, hashes: [leaf(second.hash).toString("base64")] },
  };
}

const ours = log(OURS);
const theirs = log(THEIRS);

describe("verifyCheckpoint with a pinned origin", () => {
  it("when the note is of the pinned log, then it is accepted", async () => {
    const checkpoint = await verifyCheckpoint(ours.large, keys, { origin: OURS });
    expect(checkpoint).toMatchObject({ origin: OURS, treeSize: 2, keyId: signer.keyId });
  });

  it("when a note signed by the same key is of another project's log, then it is refused, naming both", async () => {
    expect((await verifyCheckpoint(theirs.large, keys)).origin).toBe(THEIRS); // unpinned: any log
    const refused = verifyCheckpoint(theirs.large, keys, { origin: OURS });
    await expect(refused).rejects.toThrow(CheckpointError);
    await expect(refused).rejects.toThrow(`the checkpoint is of log "${THEIRS}", not of "${OURS}"`);
  });

  it("when the note is not signed by a pinned key, then that is what is reported, not its origin", async () => {
    const stranger = parseSignerKey(generateSignerKey(DEPLOYMENT));
    const forged = signNote(
      formatCheckpoint({ origin: THEIRS, treeSize: 1, rootHash: Buffer.alloc(32) }),
      stranger,
    );
    await expect(verifyCheckpoint(forged, keys, { origin: OURS })).rejects.toThrow(
      "no signature of a trusted key verifies",
    );
  });
});

describe("verifyInclusion with a pinned origin", () => {
  it("when the event is proven against the pinned log, then it verifies", async () => {
    const checkpoint = await verifyCheckpoint(ours.large, keys);
    const pin = { origin: OURS };
    expect(await verifyInclusion(ours.first, ours.inclusion, { note: ours.large }, keys, pin)).toBe(
      true,
    );
    expect(await verifyInclusion(ours.first, ours.inclusion, checkpoint, [], pin)).toBe(true);
  });

  it("when another project's event, proof and signed checkpoint are served, then they are refused", async () => {
    // What a server (or a man in the middle) can do unpinned: prove against another log.
    expect(
      await verifyInclusion(theirs.first, theirs.inclusion, { note: theirs.large }, keys),
    ).toBe(true);
    const pin = { origin: OURS };
    await expect(
      verifyInclusion(theirs.first, theirs.inclusion, { note: theirs.large }, keys, pin),
    ).rejects.toThrow(`the checkpoint is of log "${THEIRS}", not of "${OURS}"`);
    // An already verified checkpoint (verified unpinned) is held to the pin too.
    const verified = await verifyCheckpoint(theirs.large, keys);
    await expect(
      verifyInclusion(theirs.first, theirs.inclusion, verified, [], pin),
    ).rejects.toThrow(CheckpointError);
  });
});

describe("verifyConsistency with a pinned origin", () => {
  const verified = async (of: typeof ours) =>
    [await verifyCheckpoint(of.small, keys), await verifyCheckpoint(of.large, keys)] as const;

  it("accepts two checkpoints of the pinned log and refuses two of another", async () => {
    const pin = { origin: OURS };
    expect(await verifyConsistency(...(await verified(ours)), ours.consistency, pin)).toBe(true);
    const [older, newer] = await verified(theirs);
    expect(await verifyConsistency(older, newer, theirs.consistency)).toBe(true);
    await expect(verifyConsistency(older, newer, theirs.consistency, pin)).rejects.toThrow(
      `the checkpoint is of log "${THEIRS}", not of "${OURS}"`,
    );
  });
});

describe("CheckpointWatcher with a pinned origin", () => {
  /** A server that serves the notes it is told to, with the proofs of the log they are of. */
  function server(served: string) {
    const source = {
      served,
      checkpoint: async () => ({ note: source.served }),
      consistencyProof: async () => (source.served === theirs.large ? theirs : ours).consistency,
    };
    return source;
  }

  it("when the server serves the pinned log, then the watcher accepts it and follows it growing", async () => {
    const source = server(ours.small);
    const watcher = new CheckpointWatcher(source, keys, { origin: OURS });
    expect((await watcher.check()).origin).toBe(OURS);
    source.served = ours.large;
    expect((await watcher.check()).treeSize).toBe(2);
    // Once one is accepted, another log is a fork, as without a pin.
    source.served = theirs.large;
    await expect(watcher.check()).rejects.toThrow(LogForkError);
    expect(watcher.last?.origin).toBe(OURS);
  });

  it("when the first checkpoint is another project's, then it is refused (CheckpointError) and nothing is accepted", async () => {
    const saved: string[] = [];
    const unpinned = new CheckpointWatcher(server(theirs.large), keys);
    expect((await unpinned.check()).origin).toBe(THEIRS);
    const watcher = new CheckpointWatcher(server(theirs.large), keys, {
      origin: OURS,
      onCheckpoint: (note) => {
        saved.push(note);
      },
    });
    const refused = watcher.check();
    await expect(refused).rejects.toThrow(`the checkpoint is of log "${THEIRS}", not of "${OURS}"`);
    await expect(refused).rejects.not.toBeInstanceOf(LogForkError);
    expect(watcher.last).toBeUndefined();
    expect(saved).toEqual([]);
  });

  it("when the resumed note is another project's, then it is refused, even if the server serves the pinned log", async () => {
    const watcher = new CheckpointWatcher(server(ours.large), keys, {
      origin: OURS,
      last: theirs.small,
    });
    await expect(watcher.check()).rejects.toThrow(CheckpointError);
    await expect(watcher.check()).rejects.toThrow(`"${THEIRS}", not of "${OURS}"`);
    expect(watcher.last).toBeUndefined();
  });

  it("when a watcher from the client is pinned, then it refuses another project's checkpoint", async () => {
    const { fetch } = scriptedFetch(() =>
      json({
        origin: THEIRS,
        tree_size: 2,
        root_hash: "",
        note: theirs.large,
        key_id: signer.keyId,
        signed_at: "2026-11-23T10:15:30.123Z",
      }),
    );
    const chronicle = new Chronicle({
      apiKey: "chr_test",
      baseUrl: "http://chronicle.test",
      fetch,
      maxRetries: 0,
    });
    await expect(chronicle.integrity.watch(keys, { origin: OURS }).check()).rejects.toThrow(
      CheckpointError,
    );
    expect((await chronicle.integrity.watch(keys).check()).origin).toBe(THEIRS);
  });
});

describe("a checkpoint that only looks verified", () => {
  // A server's answer with a checkpoint's fields added: its own root, size and origin,
  // beside a real note signed for another tree (or none that verifies).
  const stranger = parseSignerKey(generateSignerKey(DEPLOYMENT));
  const fakeEvent = { seq: 1, hash: sha256(Buffer.from("never appended")).toString("hex") };
  const fakeRoot = leaf(fakeEvent.hash);
  const looksVerified = (note: string) => ({
    note,
    origin: OURS,
    treeSize: 1,
    rootHash: new Uint8Array(fakeRoot),
    keyId: signer.keyId,
  });
  const proof = { leaf_index: 0, tree_size: 1, hashes: [] };

  it("when its fields prove an event its note does not, then verifyInclusion checks the note, not the fields", async () => {
    const forgedNote = signNote(
      formatCheckpoint({ origin: OURS, treeSize: 1, rootHash: fakeRoot }),
      stranger,
    );
    await expect(
      verifyInclusion(fakeEvent, proof, looksVerified(forgedNote), keys, { origin: OURS }),
    ).rejects.toThrow("no signature of a trusted key verifies");
    // A genuine note of our log: the proof is checked against its root, and fails.
    expect(await verifyInclusion(fakeEvent, proof, looksVerified(ours.small), keys)).toBe(false);
  });

  it("when verifyConsistency is given checkpoints verifyCheckpoint did not return, then it refuses them", async () => {
    const older = await verifyCheckpoint(ours.small, keys);
    const copy = { ...older };
    await expect(verifyConsistency(copy, copy, ours.consistency)).rejects.toThrow(
      "verify both checkpoints with verifyCheckpoint first",
    );
    const newer = await verifyCheckpoint(ours.large, keys);
    expect(await verifyConsistency(older, newer, ours.consistency)).toBe(true);
  });
});
