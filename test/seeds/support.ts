// What the seed suites share: one server per file (in this process, on PGlite), a project
// with its admin key, and the SDK pointed at it.
import {
  createStreamsContext,
  newProject,
  StreamWorker,
  setUp,
  type TestContext,
  testStreamsConfig,
} from "@chronicle/test-kit";
import { Chronicle } from "../../packages/sdk/src/index.js";

/** For a file's `beforeAll`: a fresh database, server and seed data, on a loaded machine too. */
export const SETUP_TIMEOUT_MS = 120_000;

export interface SeedServer {
  ctx: TestContext;
  base: string;
  projectId: string;
  /** The project's admin key (every scope). */
  key: string;
  chronicle: Chronicle;
  /** The SDK with another credential of the same server. */
  as(credential: string): Chronicle;
  close(): Promise<void>;
}

/** With `streams`, log streams are configured and their worker delivers (to local receivers). */
export async function startSeedServer(
  name: string,
  options: { streams?: boolean } = {},
): Promise<SeedServer> {
  const streams = options.streams ? testStreamsConfig() : undefined;
  const ctx = await setUp("pglite", { heartbeatMs: 200, ...(streams ? { streams } : {}) });
  const worker = streams ? new StreamWorker(createStreamsContext(ctx.store, streams)) : undefined;
  worker?.start();
  const base = ctx.server.base;
  const { projectId, key } = await newProject(ctx.store, name);
  const as = (credential: string) =>
    new Chronicle({ apiKey: credential, baseUrl: base, maxRetries: 0 });
  const close = async () => {
    await worker?.stop();
    await ctx.close();
  };
  return { ctx, base, projectId, key, chronicle: as(key), as, close };
}

/** A raw request with a bearer credential, for rows about the wire itself. */
export function call(
  server: SeedServer,
  path: string,
  init: RequestInit & { credential?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) {
    headers.set("authorization", `Bearer ${init.credential ?? server.key}`);
  }
  return fetch(new URL(path, server.base), { ...init, headers });
}

/** The rejection of `promise`, for asserting on the error's class and code. */
export async function failure(call: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(call).then(
    () => {
      throw new Error("expected the call to fail, and it succeeded");
    },
    (error: unknown) => error,
  );
}
