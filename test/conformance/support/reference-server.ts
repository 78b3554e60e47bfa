import { randomBytes } from "node:crypto";
import {
  type Config,
  type Logger,
  loadConfig,
  type Store,
  startServer,
  type TestServer,
} from "@chronicle/test-kit";

/** Collects what the server logs as errors, so that a test can demand there were none. */
export function collectingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = () => undefined;
  return {
    errors,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields ?? {})}`),
  };
}

/** The kit's server as the conformance cases need it: every refusal they provoke answered. */
export function serve(
  store: Store,
  logger: Logger,
  overrides: Partial<Config> = {},
): Promise<TestServer> {
  return startServer(
    store,
    {
      heartbeatMs: 500,
      // Every operation is asked without a valid key: the failed-auth throttle must not answer.
      abuse: { ...loadConfig({}).abuse, authFailuresPerMinute: 100_000 },
      // Log streams: a key of this run's own; test events go to a closed local port.
      streams: {
        ...loadConfig({}).streams,
        key: randomBytes(32),
        allowPrivateNetworks: true,
        timeoutMs: 2000,
      },
      ...overrides,
    },
    { logger },
  );
}
