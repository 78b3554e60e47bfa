/**
 * Shared helpers of the reliability suite: real server processes, real PostgreSQL databases,
 * a TCP proxy that can cut the database away, and checks for the answers given under faults.
 */
export {
  authHeaders,
  type FailedRequest,
  problemMismatch,
  sdkFor,
  type TimedResponse,
  timedRequest,
} from "./http.js";
export {
  createReliabilityDatabase,
  POSTGRES_URL,
  type ReliabilityDatabase,
} from "./postgres.js";
export { FULL_RUN, runLength } from "./run-length.js";
export {
  type CreatedProject,
  createProjectWithCli,
  type ExitStatus,
  freePort,
  REPO_ROOT,
  type ServerProcess,
  type ServerProcessOptions,
  type ServerTarget,
  serverEnvironment,
  startServerProcess,
} from "./server-process.js";
export { skewedClockEnv } from "./skewed-clock.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
