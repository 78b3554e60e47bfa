import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Event } from "@chronicle/types";
import { eventLeafHash, TreeBuilder } from "../../domain/merkle.js";
import { hashEvent } from "../events/hash-chain.js";
import { openNote, parseCheckpoint, parseVerifierKey } from "./signed-note.js";

export interface ExportVerification {
  valid: boolean;
  /** Events read. */
  checked: number;
  first_invalid_seq: number | null;
  reason: string | null;
  /** The signed tree size the export was checked against. */
  tree_size: number;
  origin: string;
}

/**
 * Checks an NDJSON export offline against a signed checkpoint and pinned verifier keys:
 * the checkpoint's signature, every event's hash over its content, every link, and the
 * Merkle root of events 1…tree_size rebuilt from the export, equal to the signed root.
 * Needs an unfiltered export from seq 1 (a filtered or purged one cannot rebuild the root:
 * verify its events one by one with inclusion proofs instead). Constant memory.
 */
export async function verifyExportFile(
  path: string,
  checkpointNote: string,
  verifierKeys: readonly string[],
): Promise<ExportVerification> {
  const text = openNote(checkpointNote, verifierKeys.map(parseVerifierKey));
  const body = text === null ? null : parseCheckpoint(text);
  if (!body) throw new Error("the checkpoint's signature does not verify with the given keys");
  const tree = new TreeBuilder();
  let previous: string | null = null;
  let checked = 0;
  const result = (first: number | null, reason: string | null): ExportVerification => ({
    valid: reason === null,
    checked,
    first_invalid_seq: first,
    reason,
    tree_size: body.treeSize,
    origin: body.origin,
  });
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let event: Event;
    try {
      event = JSON.parse(line) as Event;
    } catch {
      return result(checked + 1, "not a JSON line");
    }
    checked += 1;
    const expected = tree.size + 1;
    if (event.seq !== expected) {
      return result(expected, expected === 1 ? "the export does not start at seq 1" : "seq_gap");
    }
    if (hashEvent(event) !== event.hash) return result(event.seq, "hash_mismatch");
    if (event.prev_hash !== previous) return result(event.seq, "prev_hash_mismatch");
    previous = event.hash;
    if (tree.size < body.treeSize) tree.push(eventLeafHash(event.hash));
    if (tree.size === body.treeSize && event.seq === body.treeSize) {
      if (!tree.root().equals(body.rootHash)) {
        // Each event matches its content and links: the whole run differs from what was signed.
        return result(null, "the events do not rebuild the signed root");
      }
    }
  }
  if (tree.size < body.treeSize) {
    return result(tree.size + 1, `the export ends before the checkpoint's ${body.treeSize} events`);
  }
  return result(null, null);
}
