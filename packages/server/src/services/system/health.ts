import { ServiceError } from "../../domain/errors.js";
import { LATEST_MIGRATION } from "../../store/migrate.js";
import { rootOf } from "../../store/root.js";
import { ping, selectAppliedMigration } from "../../store/system.js";
import type { Store } from "../../store/types.js";
import { translateDatabaseError } from "../../store/unavailable.js";

export async function pingStore(store: Store): Promise<void> {
  await ping(store);
}

/** How long one check's outcome answers health probes (bench/FINDINGS.md B5). */
export const PING_TTL_MS = 1000;

/**
 * A health probe is answered within this bound even while connecting to the database would
 * take the whole connect timeout: a probe that cannot tell in time says "not ready".
 */
export const PROBE_TIMEOUT_MS = 2000;

interface CachedCheck<T> {
  at: number;
  outcome: Promise<T>;
}

/**
 * One check per store at most once a second: a load balancer polling costs one database
 * round trip per second rather than per probe. Concurrent probes share the check in flight;
 * a failure is cached as well, so a down database is not hammered either.
 */
function cachedPerStore<T>(check: (store: Store) => Promise<T>) {
  const last = new WeakMap<Store, CachedCheck<T>>();
  return (store: Store, now: number = Date.now()): Promise<T> => {
    const previous = last.get(rootOf(store));
    if (previous && now - previous.at < PING_TTL_MS && now >= previous.at) {
      return previous.outcome;
    }
    const outcome = withinProbeTimeout(check(store));
    outcome.catch(() => undefined);
    last.set(rootOf(store), { at: now, outcome });
    return outcome;
  };
}

function withinProbeTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ServiceError("unavailable", "The database did not answer in time")),
      PROBE_TIMEOUT_MS,
    );
    timer.unref();
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const pingStoreCached = cachedPerStore(pingStore);

export interface Readiness {
  /** The newest migration applied to the database. */
  schemaVersion: number;
}

/**
 * Ready: the database answers and has every migration this server knows (a newer schema,
 * migrated by a newer replica, is ready too). Otherwise `unavailable`.
 */
export async function checkReadiness(store: Store): Promise<Readiness> {
  let applied: number;
  try {
    applied = await selectAppliedMigration(store);
  } catch (error) {
    const translated = translateDatabaseError(error);
    if (translated instanceof ServiceError) throw translated;
    // No schema_migrations table at all: never migrated.
    applied = 0;
  }
  if (applied < LATEST_MIGRATION) {
    throw new ServiceError(
      "unavailable",
      `The database schema is at migration ${applied}; this server needs ${LATEST_MIGRATION}`,
    );
  }
  return { schemaVersion: applied };
}

export const checkReadinessCached = cachedPerStore(checkReadiness);
