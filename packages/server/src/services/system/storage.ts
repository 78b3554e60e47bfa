import type { PurgeReport } from "../../domain/types.js";
import type { Store } from "../../store/types.js";
import {
  maintainEventPartitions,
  type PartitionMaintenance,
  type PartitionsConfig,
} from "./partitions.js";
import { purgeExpired, type RetentionGranularity } from "./retention.js";

export interface StorageSettings {
  partitions: PartitionsConfig;
  retentionGranularity: RetentionGranularity;
}

/**
 * The server's periodic storage work: partitions made ahead of the clock, then the
 * retention purge (whole partitions first).
 */
export async function maintainStorage(
  store: Store,
  settings: StorageSettings,
): Promise<{ partitions: PartitionMaintenance; reports: PurgeReport[] }> {
  const partitions = await maintainEventPartitions(store, settings.partitions);
  const reports = await purgeExpired(store, {
    granularity: settings.retentionGranularity,
  });
  return { partitions, reports };
}
