import type { Server } from "node:http";
import {
  createTestDatabase,
  newProject,
  OtlpReceiver,
  type StoreKind,
  type TestDatabase,
  testConfig,
} from "@chronicle/test-kit";
import { createApp } from "../../src/http/app.js";
import { closeServer, listen, urlOf } from "../../src/http/listen.js";
import type { Store } from "../../src/store/types.js";
import { startTracing, type Tracing } from "../../src/telemetry/tracing.js";

/** The app in-process with traces exported to a local OTLP receiver, over a fresh project. */
export interface TracedApp {
  base: string;
  apiKey: string;
  receiver: OtlpReceiver;
  tracing: Tracing;
  close(): Promise<void>;
}

export async function startTracedApp(kind: StoreKind, sampleRatio?: number): Promise<TracedApp> {
  const db: TestDatabase = await createTestDatabase(kind, { migrated: true });
  const store: Store = await db.open();
  const apiKey = (await newProject(store)).key;
  const receiver = new OtlpReceiver();
  const tracing = startTracing({
    endpoint: await receiver.start(),
    serviceName: "chronicle-test",
    ...(sampleRatio === undefined ? {} : { sampleRatio }),
  });
  const server: Server = await listen(
    createApp({ store, config: testConfig(), tracer: tracing.tracer }),
    0,
    "127.0.0.1",
  );
  return {
    base: urlOf(server),
    apiKey,
    receiver,
    tracing,
    async close() {
      await closeServer(server);
      await tracing.shutdown();
      await receiver.stop();
      await store.close();
      await db.drop();
    },
  };
}
