import type { PurgeReport } from "../../domain/types.js";
import type { Store } from "../../store/types.js";
import {
  maintainEventPartitions,
  type PartitionMaintenance,
  type PartitionsConfig,
} from "./partitions.js";
import { purgeExpired, type RetentionGranularity, removeDetachedPartitions } from "./retention.js";

export interface StorageSettings {
  partitions: PartitionsConfig;
  retentionGranularity: RetentionGranularity;
}

/**
 * The server's periodic storage work: partitions made ahead of the clock, then the
 * retention purge (whole partitions first), then the files of the partitions it detached.
 */
export async function maintainStorage(
  store: Store,
  settings: StorageSettings,
): Promise<{ partitions: PartitionMaintenance; reports: PurgeReport[] }> {
  const partitions = await maintainEventPartitions(store, settings.partitions);
  const reports = await purgeExpired(store, {
    granularity: settings.retentionGranularity,
  });
  await removeDetachedPartitions(store);
  return { partitions, reports };
}
