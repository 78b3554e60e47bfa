import {
  createEventPartitions,
  guardEventPartitions,
  handEventsToPartman,
  type PartitionWidth,
  partmanManagesEvents,
  runPartmanMaintenance,
  selectEventPartitions,
  selectPartmanSchema,
} from "../../store/event-partitions.js";
import type { Store } from "../../store/types.js";
import { readDatabaseClock } from "./clock.js";

export type { PartitionWidth };

/** How the events table is partitioned (docs/scaling.md; `CHRONICLE_EVENT_PARTITION_*`). */
export interface PartitionsConfig {
  /** The span of receipt times one partition holds. */
  width: PartitionWidth;
  /** How many partitions exist ahead of the current one. */
  ahead: number;
  /**
   * `auto`: pg_partman manages the partitions when its extension is installed in the
   * database (the server hands the table over once), the server itself otherwise;
   * `builtin`: always the server.
   */
  manager: "auto" | "builtin";
}

export const DEFAULT_PARTITIONS: PartitionsConfig = { width: "month", ahead: 3, manager: "auto" };

export interface PartitionMaintenance {
  manager: "builtin" | "pg_partman";
  /** Partitions created by this run. */
  created: number;
}

/** `at` moved by `count` widths, on the UTC calendar. */
function addWidths(at: Date, width: PartitionWidth, count: number): Date {
  const next = new Date(at);
  if (width === "month") next.setUTCMonth(next.getUTCMonth() + count);
  else next.setUTCDate(next.getUTCDate() + count * (width === "week" ? 7 : 1));
  return next;
}

async function handedToPartman(
  store: Store,
  schema: string,
  config: PartitionsConfig,
  at: Date,
): Promise<boolean> {
  return store.transaction(async (tx) => {
    if (await partmanManagesEvents(tx, schema)) return true;
    const [oldest] = await selectEventPartitions(tx);
    return handEventsToPartman(tx, schema, config.width, config.ahead, oldest?.lower ?? at);
  });
}

/**
 * Makes sure partitions exist for the current period and `ahead` more, so inserts never
 * fall into the default partition while maintenance runs (the server runs it at start and
 * with every retention run). Idempotent; safe from several replicas at once (creation
 * happens under the owner's function, one partition per statement).
 */
export async function maintainEventPartitions(
  store: Store,
  config: PartitionsConfig = DEFAULT_PARTITIONS,
  now?: Date,
): Promise<PartitionMaintenance> {
  const at = now ?? (await readDatabaseClock(store));
  const schema = config.manager === "auto" ? await selectPartmanSchema(store) : undefined;
  if (schema && (await handedToPartman(store, schema, config, at))) {
    const before = (await selectEventPartitions(store)).length;
    await runPartmanMaintenance(store, schema);
    await guardEventPartitions(store);
    const after = (await selectEventPartitions(store)).length;
    return { manager: "pg_partman", created: Math.max(0, after - before) };
  }
  // Up to the partition holding `at` + `ahead` widths: `ahead` partitions after the current.
  const until = addWidths(at, config.width, config.ahead);
  return {
    manager: "builtin",
    created: await createEventPartitions(store, config.width, at, until),
  };
}
