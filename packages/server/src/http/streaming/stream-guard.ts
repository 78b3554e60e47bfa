import { ServiceError } from "../../domain/errors.js";
import {
  type CredentialEnd,
  endedCredentials,
  type Store,
  stoppedSecrets,
} from "../../services/index.js";
import type { Logger } from "../../telemetry/logger.js";
import type { Principal } from "../middleware/principal.js";

export interface StreamGuardOptions {
  /** Open streams (tails + exports) one credential may hold on this replica. */
  maxPerCredential: number;
  /** How often the credentials of open streams are checked against the database. */
  checkIntervalMs: number;
  logger: Logger;
}

/** One open stream: aborted, with an `ServiceError` saying why, when its credential ends. */
export interface StreamLease {
  readonly signal: AbortSignal;
  release(): void;
}

interface Open {
  principal: Principal;
  controller: AbortController;
}

const ENDINGS: Record<CredentialEnd, () => ServiceError> = {
  revoked: () =>
    new ServiceError("credential_revoked", "The credential of this stream was revoked"),
  expired: () => new ServiceError("credential_expired", "The credential of this stream expired"),
};

/**
 * Keeps the open live tails and exports of this replica, per credential: it refuses a
 * stream over the cap, and re-checks every credential in use against the database every
 * `checkIntervalMs` (two queries per tick, whatever the number of streams), so that a
 * revocation made through any replica, or an expiry, ends the streams within one interval.
 */
export class StreamGuard {
  private readonly open = new Map<string, Set<Open>>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly store: Store,
    private readonly options: StreamGuardOptions,
  ) {}

  /** Registers a stream for `principal`; `429 too_many_streams` over the cap. */
  acquire(principal: Principal): StreamLease {
    const streams = this.open.get(principal.id) ?? new Set<Open>();
    if (streams.size >= this.options.maxPerCredential) {
      throw new ServiceError(
        "too_many_streams",
        `This credential already holds ${streams.size} open streams (at most ${this.options.maxPerCredential}); close one first`,
        { headers: { "Retry-After": "5" } },
      );
    }
    const entry: Open = { principal, controller: new AbortController() };
    streams.add(entry);
    this.open.set(principal.id, streams);
    this.startChecking();
    let released = false;
    return {
      signal: entry.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        streams.delete(entry);
        if (streams.size === 0 && this.open.get(principal.id) === streams) {
          this.open.delete(principal.id);
        }
        if (this.open.size === 0) this.stopChecking();
      },
    };
  }

  /** Open streams of a credential on this replica. */
  countFor(credentialId: string): number {
    return this.open.get(credentialId)?.size ?? 0;
  }

  /** Checks every credential in use now; streams of ended ones are aborted. */
  async check(): Promise<void> {
    if (this.checking || this.open.size === 0) return;
    this.checking = true;
    try {
      const credentials = [...this.open.values()].flatMap((set) => {
        const first = set.values().next().value;
        return first ? [first.principal] : [];
      });
      const ended = await endedCredentials(this.store, credentials);
      for (const [id, why] of ended) {
        for (const entry of this.open.get(id) ?? []) entry.controller.abort(ENDINGS[why]());
      }
      // A key's streams may hold different secrets (opened before and after a rotation): the
      // replaced one's streams end with its overlap, while the key lives on.
      const entries = [...this.open.values()].flatMap((set) => [...set]);
      const stopped = await stoppedSecrets(
        this.store,
        entries.map((entry) => entry.principal),
      );
      for (const entry of entries) {
        const { secretHash } = entry.principal;
        if (secretHash !== undefined && stopped.has(secretHash)) {
          entry.controller.abort(ENDINGS.expired());
        }
      }
    } catch (error) {
      // The database is away: the streams' own reads fail too; check again next tick.
      this.options.logger.warn("credential check failed", { error: String(error) });
    } finally {
      this.checking = false;
    }
  }

  private startChecking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  private stopChecking(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
