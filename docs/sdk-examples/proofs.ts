import {
  type CheckpointWatcher,
  hashEvent,
  verifyCheckpoint,
  verifyInclusion,
} from "@chronicle/sdk";
import { chronicle } from "./client.js";

// Pin the verifier keys outside the server you check (configuration, a repository…), and
// the origin of your project's log: one key signs every project of a deployment.
const keys = ["chronicle.example/acme-prod+e6c2b785+Ae2i3d68Z2UfqIPo7Q/TDFlNY9LGyCxf3zvJCKOrN2p/"];
const origin = "chronicle.example/acme-prod/prj_01KMX4Q2S0T1V2W3X4Y5Z6A7B8";

// A signed checkpoint (C2SP tlog-checkpoint): throws CheckpointError unless a pinned key
// signed it and it is of the pinned log.
const signed = await chronicle.integrity.checkpoint();
const checkpoint = await verifyCheckpoint(signed.note, keys, { origin });

// One event proven to be in the signed tree: its content against its hash, its hash in the tree.
const [event] = (await chronicle.events.list({ limit: 1 })).data;
if (event && (await hashEvent(event)) === event.hash) {
  const proof = await chronicle.integrity.inclusionProof(event.seq, checkpoint.treeSize);
  console.log(await verifyInclusion(event, proof, checkpoint, keys, { origin }));
}

// A watcher refuses a server that rolls history back or forks it (LogForkError).
const watcher: CheckpointWatcher = chronicle.integrity.watch(keys, { origin });
await watcher.check();
