import { fileURLToPath } from "node:url";

const PRELOAD = fileURLToPath(new URL("./skewed-clock.mjs", import.meta.url));

/**
 * Environment for `startServerProcess({ env })` that runs the server with its process clock
 * `skewMs` off the real time (`Date` and `Date.now()`; the database's clock is untouched).
 */
export function skewedClockEnv(skewMs: number): NodeJS.ProcessEnv {
  const inherited = process.env.NODE_OPTIONS ?? "";
  return {
    NODE_OPTIONS: `${inherited} --import=${PRELOAD}`.trim(),
    CHRONICLE_TEST_CLOCK_SKEW_MS: String(skewMs),
  };
}
