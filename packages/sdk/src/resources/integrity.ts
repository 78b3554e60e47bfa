import type { Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { VerifierKeyString } from "../integrity/checkpoint.js";
import {
  type ChainSource,
  type ChainVerification,
  verifyChain,
} from "../integrity/verify-chain.js";
import { CheckpointWatcher, type WatcherOptions } from "../integrity/watcher.js";
import type {
  ConsistencyProof,
  Event,
  InclusionProof,
  IntegrityReport,
  SignedCheckpoint,
  VerifierKeyList,
  VerifyIntegrityParams,
} from "../types.js";

export class IntegrityResource {
  constructor(private readonly api: Requests) {}

  /**
   * Has the server re-compute the hash chain over a seq range and prove it against its
   * signed Merkle tree (`GET /v1/integrity`); at most 10 000 events per call, see
   * `next_from_seq`.
   */
  verify(params: VerifyIntegrityParams = {}, options?: RequestOptions): Promise<IntegrityReport> {
    return this.api.get("/v1/integrity", { params: { query: params } }, options);
  }

  /** The latest signed checkpoint (`GET /v1/integrity/checkpoint`); check it with `verifyCheckpoint`. */
  checkpoint(options?: RequestOptions): Promise<SignedCheckpoint> {
    return this.api.get("/v1/integrity/checkpoint", {}, options);
  }

  /** The inclusion proof of event `seq` in the tree of `treeSize` (default the latest). */
  inclusionProof(
    seq: number,
    treeSize?: number,
    options?: RequestOptions,
  ): Promise<InclusionProof> {
    const query = treeSize === undefined ? { seq } : { seq, tree_size: treeSize };
    return this.api.get("/v1/integrity/proofs/inclusion", { params: { query } }, options);
  }

  /** The proof that the tree of `toSize` (default the latest) extends the tree of `fromSize`. */
  consistencyProof(
    fromSize: number,
    toSize?: number,
    options?: RequestOptions,
  ): Promise<ConsistencyProof> {
    const query =
      toSize === undefined ? { from_size: fromSize } : { from_size: fromSize, to_size: toSize };
    return this.api.get("/v1/integrity/proofs/consistency", { params: { query } }, options);
  }

  /** The verifier keys the server publishes. Pin them elsewhere rather than trust this call. */
  verifierKeys(options?: RequestOptions): Promise<VerifierKeyList> {
    return this.api.get("/v1/integrity/keys", {}, options);
  }

  /**
   * A watcher over this server's checkpoints that refuses a rollback or fork of history:
   * call `check()` periodically; pass `options.origin` to pin the project's log and
   * `options.last` to resume from a stored checkpoint.
   */
  watch(keys: readonly VerifierKeyString[], options?: WatcherOptions): CheckpointWatcher {
    return new CheckpointWatcher(
      {
        checkpoint: () => this.checkpoint(),
        consistencyProof: (from, to) => this.consistencyProof(from, to),
      },
      keys,
      options,
    );
  }

  /**
   * Verifies events offline with WebCrypto: a page, an array, a list iteration or an
   * export stream. Trusts nothing but the events themselves.
   */
  verifyChain(events: ChainSource<Event>): Promise<ChainVerification> {
    return verifyChain(events);
  }
}
