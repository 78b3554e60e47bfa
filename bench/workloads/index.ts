import type { Workload } from "../lib/workload.js";
import { batchIngest } from "./batch-ingest.js";
import { consoleWorkload } from "./console.js";
import { diyIngest } from "./diy-ingest.js";
import { embedded } from "./embedded.js";
import { exportWorkload } from "./export.js";
import { filters } from "./filters.js";
import { growth } from "./growth.js";
import { integrityWorkload } from "./integrity.js";
import { middleware } from "./middleware.js";
import { operationsWorkload } from "./operations.js";
import { pageDepth } from "./page-depth.js";
import { replicas } from "./replicas.js";
import { retentionWorkload } from "./retention.js";
import { sdkOverhead } from "./sdk-overhead.js";
import { singleIngest } from "./single-ingest.js";
import { streamsWorkload } from "./streams.js";

/** In the order. Ingest runs first so the template row for pgbench exists. */
export const WORKLOADS: Workload[] = [
  batchIngest,
  singleIngest,
  diyIngest,
  replicas,
  middleware,
  pageDepth,
  filters,
  growth,
  retentionWorkload,
  exportWorkload,
  sdkOverhead,
  embedded,
  consoleWorkload,
  integrityWorkload,
  streamsWorkload,
  operationsWorkload,
];
