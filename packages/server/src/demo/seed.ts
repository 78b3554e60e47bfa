import type { EventInput } from "@chronicle/types";
import { createProject, getProject, ingestEvents } from "../services/index.js";
import type { Store } from "../store/index.js";
import { demoEvents } from "./events.js";
import { type DemoRecord, demoFile, readDemoRecord, writeDemoRecord } from "./key-file.js";

export interface DemoSetup {
  record: DemoRecord;
  /** True when this call created the project and its events. */
  created: boolean;
  events: number;
}

async function stillExists(store: Store, record: DemoRecord): Promise<boolean> {
  try {
    await getProject(store, record.project_id);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "not_found") return false;
    throw error;
  }
}

/**
 * On the first start, creates the demo project and fills it with realistic events; on
 * later starts, finds it again through the record kept in the data directory.
 */
export async function ensureDemoProject(
  store: Store,
  options: {
    dataDir: string;
    databaseUrl: string | undefined;
    count?: number;
    /** Called after each batch of demo events with how many are recorded so far. */
    onProgress?: (done: number, total: number) => void;
  },
): Promise<DemoSetup> {
  const file = demoFile(options.dataDir, options.databaseUrl);
  const existing = await readDemoRecord(file);
  if (existing && (await stillExists(store, existing))) {
    return { record: existing, created: false, events: 0 };
  }
  const { project, adminKey } = await createProject(store, { name: "Demo" });
  const events = demoEvents(options.count ?? 1000) as EventInput[];
  for (let start = 0; start < events.length; start += 250) {
    await ingestEvents(store, project.id, events.slice(start, start + 250));
    options.onProgress?.(Math.min(start + 250, events.length), events.length);
  }
  const record: DemoRecord = {
    project_id: project.id,
    api_key: adminKey.key,
    created_at: new Date().toISOString(),
  };
  await writeDemoRecord(file, options.dataDir, record);
  return { record, created: true, events: events.length };
}
