import type { Store } from "../store/types.js";

export async function pingStore(store: Store): Promise<void> {
  await store.query("SELECT 1");
}

/** How long one ping's outcome answers health checks (bench/FINDINGS.md B5). */
export const PING_TTL_MS = 1000;

interface PingOutcome {
  at: number;
  ping: Promise<void>;
}

const lastPings = new WeakMap<Store, PingOutcome>();

/**
 * Pings at most once a second per store: a load balancer polling `/v1/health` costs one
 * database round trip per second rather than per probe. Concurrent checks share the ping
 * in flight; a failure is cached as well, so a down database is not hammered either.
 */
export function pingStoreCached(store: Store, now: number = Date.now()): Promise<void> {
  const last = lastPings.get(store);
  if (last && now - last.at < PING_TTL_MS && now >= last.at) return last.ping;
  const ping = pingStore(store);
  ping.catch(() => undefined);
  lastPings.set(store, { at: now, ping });
  return ping;
}
