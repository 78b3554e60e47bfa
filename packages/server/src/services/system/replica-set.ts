import { createHmac, hash, timingSafeEqual } from "node:crypto";
import {
  REPLICAS_CHANNEL,
  recordReplicaAlive,
  removeReplica,
  replicasSeenWithin,
} from "../../store/replicas.js";
import type { Store } from "../../store/types.js";

/** How often a replica says it is alive, and reads who else is. */
const REPLICA_HEARTBEAT_MS = 2_000;
/** A replica not heard from for this long is no longer anyone's owner. */
const REPLICA_STALE_MS = 5 * REPLICA_HEARTBEAT_MS;
/** How long a replica that refused a connection is passed over by this one. */
const REPLICA_DOWN_MS = 5_000;
const MAX_CACHED_OWNERS = 10_000;

/** Where the replica set reports (the server's logger). */
interface ReplicaSetLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface ReplicaSetOptions {
  /** This replica's URL, as the others reach it (CHRONICLE_REPLICA_URL). */
  self: string;
  /** The secret every replica shares (CHRONICLE_REPLICA_SECRET). */
  secret: string;
  logger?: ReplicaSetLogger;
}

/** Proof that the row of `url` was written by a replica: an HMAC of the URL. */
export function replicaProof(secret: string, url: string): string {
  return createHmac("sha256", secret).update(url).digest("base64url");
}

/**
 * Proof that a request was relayed by the replica at `url`: an HMAC of another message than
 * the row's proof, which whoever can read `replicas` sees.
 */
export function relayProof(secret: string, url: string): string {
  return replicaProof(secret, `relayed by ${url}`);
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function proofHolds(secret: string, url: string, proof: string): boolean {
  return sameText(replicaProof(secret, url), proof);
}

/**
 * The replica among `replicas` that owns `projectId`: the highest rendezvous (highest random
 * weight) score, so removing a replica moves only the projects it owned.
 */
export function rendezvousOwner(replicas: Iterable<string>, projectId: string): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const replica of replicas) {
    const score = hash("sha256", `${replica}\n${projectId}`, "buffer").readUIntBE(0, 6);
    if (score > best || (score === best && owner !== undefined && replica < owner)) {
      best = score;
      owner = replica;
    }
  }
  return owner;
}

/**
 * The replicas sharing the database, and which one owns each project's appends.
 *
 * One project's appends are a chain: each is hashed on the one before, so they are made one
 * group at a time whichever replica makes them, and replicas appending to the same project
 * take turns on its row, each paying a commit's wait while the others queue (bench/FINDINGS.md
 * B17, B33, B46). So each project has one owner, chosen by rendezvous hashing over the live
 * replicas (a replica joining or leaving moves only the projects it wins or held), and the
 * others forward the project's appends to it, where they share its group commits.
 * Ownership is only a routing choice: two replicas that disagree for a moment (one has not
 * yet heard of a change) both append correctly, taking turns on the row as without it.
 *
 * The set is the `replicas` table: each replica writes its row every REPLICA_HEARTBEAT_MS and
 * reads the others', a join or a leave is announced at once on REPLICAS_CHANNEL, and a row
 * not written for REPLICA_STALE_MS (a replica killed) counts no more. A replica that refuses
 * a connection is passed over by the one that found it for REPLICA_DOWN_MS. Rows whose proof
 * does not hold for the shared secret are ignored: only replicas are forwarded to.
 */
export class ReplicaSet {
  readonly self: string;
  readonly #secret: string;
  readonly #store: Store;
  readonly #logger: ReplicaSetLogger | undefined;
  /** Live replicas, this one included, sorted. */
  #members: string[];
  readonly #down = new Map<string, number>();
  readonly #owners = new Map<string, string>();
  /** Rows already warned about (a wrong proof), so that each is logged once. */
  readonly #ignored = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #started: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #relayProof: string | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #stopped = false;

  constructor(store: Store, options: ReplicaSetOptions) {
    this.#store = store;
    this.self = options.self;
    this.#secret = options.secret;
    this.#logger = options.logger;
    this.#members = [options.self];
  }

  /** Joins the set, and keeps saying so and reading the others until `stop`. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    this.#unlisten = await this.#store.listen(
      REPLICAS_CHANNEL,
      () => void this.#refresh(),
      () => void this.#refresh(),
    );
    await this.#beat();
    if (this.#stopped) return;
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => {
        this.#beating = undefined;
      });
    }, REPLICA_HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** Leaves the set: the others stop forwarding here as soon as they hear of it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    // A start or a beat in flight would write the row back after it is removed.
    await this.#started?.catch(() => undefined);
    clearInterval(this.#timer);
    await this.#beating;
    await this.#unlisten?.().catch(() => undefined);
    await removeReplica(this.#store, this.self).catch((error: unknown) =>
      this.#logger?.warn("could not leave the replica set", { error: String(error) }),
    );
  }

  /** The URL of the replica that appends `projectId`'s events (this one's own URL when it does). */
  ownerOf(projectId: string): string {
    if (this.#down.size > 0) this.#forgetExpiredDowns();
    const cached = this.#owners.get(projectId);
    if (cached !== undefined) return cached;
    const live = this.#members.filter((member) => member === this.self || !this.#down.has(member));
    const owner = rendezvousOwner(live, projectId) ?? this.self;
    if (this.#owners.size >= MAX_CACHED_OWNERS) this.#owners.clear();
    this.#owners.set(projectId, owner);
    return owner;
  }

  /** Sent with every request this replica relays (`relayedBy` checks it). */
  get relayProof(): string {
    this.#relayProof ??= relayProof(this.#secret, this.self);
    return this.#relayProof;
  }

  /** Whether `proof` shows that the replica at `url` relayed the request. */
  relayedBy(url: string, proof: string): boolean {
    return sameText(relayProof(this.#secret, url), proof);
  }

  /** `replica` refused a connection: this replica appends its projects for REPLICA_DOWN_MS. */
  markDown(replica: string): void {
    if (replica === this.self) return;
    this.#down.set(replica, Date.now() + REPLICA_DOWN_MS);
    this.#owners.clear();
  }

  #forgetExpiredDowns(): void {
    const now = Date.now();
    for (const [replica, until] of this.#down) {
      if (until <= now) {
        this.#down.delete(replica);
        this.#owners.clear();
      }
    }
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    try {
      await recordReplicaAlive(this.#store, this.self, replicaProof(this.#secret, this.self));
    } catch (error) {
      this.#logger?.warn("could not record this replica as alive", { error: String(error) });
    }
    await this.#refresh();
  }

  /**
   * Reads the set again. Reads run one at a time, and one asked for during a read runs after
   * it: two reads in flight could finish out of order and leave the older view in place.
   */
  #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        await this.#readMembers();
      } while (this.#refreshAgain && !this.#stopped);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #readMembers(): Promise<void> {
    if (this.#stopped) return;
    let rows: Awaited<ReturnType<typeof replicasSeenWithin>>;
    try {
      rows = await replicasSeenWithin(this.#store, REPLICA_STALE_MS);
    } catch (error) {
      this.#logger?.warn("could not read the replica set", { error: String(error) });
      return;
    }
    const members = new Set([this.self]);
    for (const row of rows) {
      if (proofHolds(this.#secret, row.url, row.proof)) members.add(row.url);
      else if (!this.#ignored.has(row.url)) {
        this.#ignored.add(row.url);
        this.#logger?.warn("a replica row whose proof does not hold is ignored", { url: row.url });
      }
    }
    const sorted = [...members].sort();
    if (sorted.join("\n") === this.#members.join("\n")) return;
    this.#members = sorted;
    this.#owners.clear();
    this.#logger?.info("replica set changed", { replicas: sorted });
  }
}
