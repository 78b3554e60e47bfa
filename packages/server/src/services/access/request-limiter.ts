import type { RateLimitDecision } from "../../domain/types.js";
import { reserveRateLimitUnits } from "../../store/rate-limits.js";
import type { Store } from "../../store/types.js";
import { databaseNow, observeDatabaseTime } from "../system/clock.js";

const WINDOW_MS = 60_000;
/** Reservations are this share of the limit (1/20: 30 of 600), within the bounds below. */
const LEASE_SHARE = 20;
const MAX_LEASE = 100;
/** Ended windows are forgotten at most this often. */
const SWEEP_EVERY_MS = 10_000;
/** A request that keeps losing the units it waited for to others takes one unit alone. */
const MAX_ATTEMPTS = 8;

/** A subject's units reserved in one window, used by this process. */
interface Lease {
  windowEnd: number;
  /** The limit the units were reserved under. */
  limit: number;
  /** Units reserved and not used yet. */
  units: number;
  /** The window's count in the database after this process's last reservation. */
  counted: number;
  /** The limit is used up in this window (the count cannot go down): refuse without a query. */
  exhausted: boolean;
}

/** Units reserved at once for a limit: ~1/20 of it, at least 1, at most 100. */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(limit / LEASE_SHARE)));
}

/**
 * Per-credential request limits in fixed one-minute windows of the database's clock, shared
 * by every replica, without a write per request. Each process reserves units in the shared
 * count a lease at a time (`leaseSize`: one upsert for 30 requests at the default 600 a
 * minute) and spends them locally. A reservation is one atomic addition, and a process uses
 * only the units of its addition that fall within the limit, so R replicas together never
 * admit more than the limit in a window; they may admit less, by the units reserved and not
 * used when the window ends: at most R × (lease − 1). docs/guides/rate-limits.md states it.
 *
 * Hand-written rather than a rate-limit library: those count either in one process or with
 * a round trip per request; the reservation in the shared table is what bounds both.
 */
export class RequestLimiter {
  readonly #leases = new Map<string, Lease>();
  readonly #reserving = new Map<string, Promise<void>>();
  #sweptAt = 0;

  constructor(private readonly store: Store) {}

  /** Counts one request of `subject` (a credential id) in the project against `limit`. */
  async consume(projectId: string, subject: string, limit: number): Promise<RateLimitDecision> {
    const key = `${projectId}\u0000${subject}`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = databaseNow().getTime();
      const lease = this.#leases.get(key);
      if (lease && lease.limit !== limit) refit(lease, limit);
      if (lease && now < lease.windowEnd) {
        if (lease.units > 0) {
          lease.units -= 1;
          return decision(limit, lease, now, true);
        }
        if (lease.exhausted) return decision(limit, lease, now, false);
      }
      await this.#reserve(key, projectId, subject, limit, leaseSize(limit));
    }
    // Outrun every time: reserve exactly one unit for this request.
    const lease = await this.#reserveNow(key, projectId, subject, limit, 1);
    const allowed = lease.units > 0;
    if (allowed) lease.units -= 1;
    return decision(limit, lease, databaseNow().getTime(), allowed);
  }

  /** One reservation per subject at a time; callers waiting on it then share its units. */
  #reserve(key: string, projectId: string, subject: string, limit: number, units: number) {
    let pending = this.#reserving.get(key);
    if (!pending) {
      pending = this.#reserveNow(key, projectId, subject, limit, units)
        .then(() => undefined)
        .finally(() => this.#reserving.delete(key));
      this.#reserving.set(key, pending);
    }
    return pending;
  }

  async #reserveNow(
    key: string,
    projectId: string,
    subject: string,
    limit: number,
    units: number,
  ): Promise<Lease> {
    const sentAt = Date.now();
    const row = await reserveRateLimitUnits(this.store, projectId, subject, units);
    if (row) observeDatabaseTime(row.now, sentAt);
    const count = Number(row?.count ?? units);
    const windowEnd = (row ? new Date(row.window_start).getTime() : Date.now()) + WINDOW_MS;
    const granted = Math.max(0, Math.min(units, limit - (count - units)));
    const current = this.#leases.get(key);
    const sameWindow = current !== undefined && current.windowEnd === windowEnd;
    if (sameWindow && current.limit !== limit) refit(current, limit);
    const lease: Lease = {
      windowEnd,
      limit,
      units: (sameWindow ? current.units : 0) + granted,
      counted: Math.max(count, sameWindow ? current.counted : 0),
      exhausted: count >= limit,
    };
    this.#leases.set(key, lease);
    this.#sweep(databaseNow().getTime());
    return lease;
  }

  /** Forgets leases of windows that ended. */
  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    for (const [key, lease] of this.#leases) if (lease.windowEnd <= now) this.#leases.delete(key);
  }
}

/**
 * A lease whose subject's limit changed within the window (the key's own limit set or
 * lowered): its unused units are cut to what the new limit leaves after the window's count
 * of units already taken, so the change holds at once rather than after up to a lease.
 */
function refit(lease: Lease, limit: number): void {
  const taken = lease.counted - lease.units;
  lease.units = Math.max(0, Math.min(lease.units, limit - taken));
  lease.exhausted = lease.counted >= limit;
  lease.limit = limit;
}

function decision(limit: number, lease: Lease, now: number, allowed: boolean): RateLimitDecision {
  return {
    allowed,
    limit,
    // What is left: the shared count's headroom as last seen, plus this process's own units.
    remaining: Math.min(limit, Math.max(0, limit - lease.counted) + lease.units),
    resetSeconds: Math.max(1, Math.ceil((lease.windowEnd - now) / 1000)),
  };
}
