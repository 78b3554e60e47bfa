import { randomBytes } from "node:crypto";
import { loadConfig, type StreamsConfig } from "./server-source.js";

/** Log streams for tests: fast polling, short timeouts and backoff, a fresh key, local receivers allowed. */
export function testStreamsConfig(overrides: Partial<StreamsConfig> = {}): StreamsConfig {
  return {
    ...loadConfig({}).streams,
    key: randomBytes(32),
    allowPrivateNetworks: true,
    pollMs: 40,
    leaseMs: 3000,
    timeoutMs: 800,
    retryBaseMs: 40,
    retryMaxMs: 400,
    ...overrides,
  };
}
