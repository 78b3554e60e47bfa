import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { loadBundledDocument } from "../../src/http/contract/contract.js";
import { appendPathsOf } from "../../src/http/middleware/forward-appends.js";
import {
  ReplicaSet,
  relayProof,
  rendezvousOwner,
  replicaProof,
} from "../../src/services/system/replica-set.js";
import type { Store } from "../../src/store/types.js";

const SECRET = "a-secret-of-at-least-32-characters!";
const REPLICAS = ["http://10.0.0.1:3000", "http://10.0.0.2:3000", "http://10.0.0.3:3000"];
const PROJECTS = Array.from({ length: 3_000 }, (_, index) => `prj_${index.toString(36)}`);

describe("replica configuration", () => {
  it("when the URL and the secret are set, then the replica's URL is its origin", () => {
    const config = loadConfig({
      CHRONICLE_REPLICA_URL: "http://10.0.0.1:3000/",
      CHRONICLE_REPLICA_SECRET: SECRET,
    });
    expect(config.replicas).toEqual({ url: "http://10.0.0.1:3000", secret: SECRET });
  });

  it("when neither is set, then appends are not forwarded", () => {
    expect(loadConfig({}).replicas).toBeUndefined();
  });

  it.each([
    [{ CHRONICLE_REPLICA_URL: "http://10.0.0.1:3000" }, /go together/],
    [{ CHRONICLE_REPLICA_SECRET: SECRET }, /go together/],
    [{ CHRONICLE_REPLICA_URL: "10.0.0.1:3000", CHRONICLE_REPLICA_SECRET: SECRET }, /http\(s\) URL/],
    [{ CHRONICLE_REPLICA_URL: "ftp://10.0.0.1", CHRONICLE_REPLICA_SECRET: SECRET }, /http\(s\)/],
    [
      { CHRONICLE_REPLICA_URL: "http://10.0.0.1:3000/api", CHRONICLE_REPLICA_SECRET: SECRET },
      /without a path/,
    ],
    [{ CHRONICLE_REPLICA_URL: "http://10.0.0.1", CHRONICLE_REPLICA_SECRET: "short" }, /32/],
  ])("when the settings are %j, then the server refuses to start", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("rendezvousOwner", () => {
  it("when asked twice or with the replicas in another order, then it names the same owner", () => {
    for (const project of PROJECTS.slice(0, 100)) {
      const owner = rendezvousOwner(REPLICAS, project);
      expect(REPLICAS).toContain(owner);
      expect(rendezvousOwner([...REPLICAS].reverse(), project)).toBe(owner);
    }
  });

  it("when there are three replicas, then each owns about a third of the projects", () => {
    const counts = new Map<string, number>();
    for (const project of PROJECTS) {
      const owner = rendezvousOwner(REPLICAS, project) as string;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const replica of REPLICAS) {
      expect(counts.get(replica)).toBeGreaterThan(PROJECTS.length * 0.28);
      expect(counts.get(replica)).toBeLessThan(PROJECTS.length * 0.39);
    }
  });

  it("when a replica leaves, then only the projects it owned move", () => {
    const remaining = REPLICAS.slice(0, 2);
    for (const project of PROJECTS) {
      const before = rendezvousOwner(REPLICAS, project);
      const after = rendezvousOwner(remaining, project);
      if (before !== REPLICAS[2]) expect(after).toBe(before);
      else expect(remaining).toContain(after);
    }
  });

  it("when there are no replicas, then there is no owner", () => {
    expect(rendezvousOwner([], "prj_1")).toBeUndefined();
  });
});

describe("replicaProof", () => {
  it("when the secret or the URL differs, then the proof differs", () => {
    const proof = replicaProof(SECRET, REPLICAS[0] as string);
    expect(replicaProof(SECRET, REPLICAS[0] as string)).toBe(proof);
    expect(replicaProof(`${SECRET}x`, REPLICAS[0] as string)).not.toBe(proof);
    expect(replicaProof(SECRET, REPLICAS[1] as string)).not.toBe(proof);
  });

  it("when a replica relays a request, then its proof is not the one its row shows", () => {
    const url = REPLICAS[0] as string;
    expect(relayProof(SECRET, url)).not.toBe(replicaProof(SECRET, url));
    expect(relayProof(`${SECRET}x`, url)).not.toBe(relayProof(SECRET, url));
  });
});

describe("what a replica forwards", () => {
  it("when the contract is the bundled one, then the appends' paths are its createEvent and createEventBatch", () => {
    expect([...appendPathsOf(loadBundledDocument())].sort()).toEqual([
      ["/v1/events", "createEvent"],
      ["/v1/events/batch", "createEventBatch"],
    ]);
  });

  it("when the contract has no batch append, then building the relay fails at once rather than forwarding nothing", () => {
    const document = loadBundledDocument();
    delete document.paths["/v1/events/batch"];
    expect(() => appendPathsOf(document)).toThrow(/createEventBatch/);
  });
});

/**
 * A store whose reads of the `replicas` table are answered by the test, in the order it
 * chooses; writes are answered at once. `notify` plays a join announced on the channel.
 */
function storeAnsweringReadsByHand() {
  const reads: Array<(rows: { url: string; proof: string }[]) => void> = [];
  let onPayload: ((payload: string) => void) | undefined;
  const store = {
    kind: "postgres",
    async query(sql: string) {
      if (!sql.trimStart().startsWith("SELECT url, proof")) return [];
      return new Promise((resolve) => reads.push(resolve));
    },
    async listen(_channel: string, payload: (payload: string) => void) {
      onPayload = payload;
      return async () => undefined;
    },
  } as unknown as Store;
  return { store, reads, notify: () => onPayload?.("joined") };
}

describe("ReplicaSet", () => {
  const self = REPLICAS[0] as string;
  const other = REPLICAS[1] as string;
  const row = (url: string) => ({ url, proof: replicaProof(SECRET, url) });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const ownedByOther = PROJECTS.find(
    (project) => rendezvousOwner([self, other], project) === other,
  );

  it.each([1, 3])(
    "when %i joins are announced while an older read of the set is in flight, then one more read follows it, and the older answer does not hide the newcomer",
    async (joins) => {
      const { store, reads, notify } = storeAnsweringReadsByHand();
      const set = new ReplicaSet(store, { self, secret: SECRET });
      const started = set.start();
      await settle();
      expect(reads).toHaveLength(1);
      for (let n = 0; n < joins; n++) notify();
      await settle();
      // The next read waits for the one in flight: none runs beside it.
      expect(reads).toHaveLength(1);
      reads.shift()?.([row(self)]);
      await settle();
      expect(reads).toHaveLength(1);
      reads.shift()?.([row(self), row(other)]);
      await started;
      expect(reads).toHaveLength(0);
      expect(set.ownerOf(ownedByOther as string)).toBe(other);
      await set.stop();
    },
  );
});
