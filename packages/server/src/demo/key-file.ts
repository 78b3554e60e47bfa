import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What `chronicle start` remembers about the demo project between runs. */
export interface DemoRecord {
  project_id: string;
  api_key: string;
  created_at: string;
}

export function demoFile(dataDir: string, databaseUrl: string | undefined): string {
  // One record per store: the embedded one, or one PostgreSQL database.
  const suffix = databaseUrl
    ? `-${createHash("sha256").update(databaseUrl).digest("hex").slice(0, 12)}`
    : "";
  return join(dataDir, `demo${suffix}.json`);
}

export async function readDemoRecord(file: string): Promise<DemoRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<DemoRecord>;
    if (typeof parsed.project_id === "string" && typeof parsed.api_key === "string") {
      return parsed as DemoRecord;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return undefined;
}

export async function writeDemoRecord(
  file: string,
  dataDir: string,
  record: DemoRecord,
): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}
