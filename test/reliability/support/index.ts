/**
 * Helpers of the reliability suite (its server processes and databases come from the test
 * kit): a TCP proxy that can cut the database away, a skewed clock, and checks for the
 * answers given under faults.
 */
export {
  authHeaders,
  type FailedRequest,
  problemMismatch,
  sdkFor,
  type TimedResponse,
  timedRequest,
} from "./http.js";
export { FULL_RUN, runLength } from "./run-length.js";
export { skewedClockEnv } from "./skewed-clock.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
