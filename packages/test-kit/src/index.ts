/**
 * What every test suite and the bench share: databases of their own (PGlite and PostgreSQL,
 * empty or copied from a migrated template), the server in this process or as a child
 * process on a real port, the CLI as a process, fixtures, and a contract-checking client.
 */

export { type AppRoleStore, openAppRoleStore } from "./app-role.js";
export {
  CliProcess,
  type CliResult,
  cliEnv,
  runCli,
  type SpawnChronicleOptions,
  spawnChronicle,
} from "./cli-process.js";
export { checkResponse } from "./contract-check.js";
export {
  type CreateDatabaseOptions,
  createTestDatabase,
  type OpenOptions,
  openTestStore,
  STORE_KINDS,
  type StoreKind,
  type TestDatabase,
  type TestStore,
} from "./database.js";
export { type EventRow, insertEventRows, newProjectOfRows } from "./event-rows.js";
export {
  collect,
  event,
  issueEvent,
  issueEvents,
  newProject,
  newProjectWithEvents,
} from "./fixtures.js";
export { type Client, client } from "./http-client.js";
export {
  setUp,
  setUpWithProject,
  startServer,
  type TestContext,
  type TestServer,
  testConfig,
} from "./in-process.js";
export { attribute, OtlpReceiver, type OtlpSpan } from "./otlp-receiver.js";
export { createPostgresDatabase, POSTGRES_URL, type PostgresDatabase } from "./postgres.js";
export { countingQueries } from "./query-counter.js";
export { explainingQueries, type PlanNode, planNodes, rowsScanned } from "./query-plans.js";
export { type Behaviour, type Received, Receiver, waitFor } from "./receiver.js";
export { atRemovalClock } from "./removal-clock.js";
export { liveReplicas, waitForReplicas } from "./replicas.js";
export { searchIndexOptions } from "./search-index.js";
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
export {
  ActivityGenerator,
  type ActivityOptions,
  type ActivitySizes,
  type Config,
  countDistinct,
  createStreamsContext,
  demoEvents,
  type EventInput,
  formatCheckpoint,
  generateSignerKey,
  type Logger,
  loadConfig,
  parseSignerKey,
  purgeDueProjects,
  readGateOf,
  restoreProject,
  type Store,
  type StreamsConfig,
  StreamWorker,
  seededRandom,
  signNote,
  updateRemovalPolicy,
  userId,
  workspaceId,
} from "./server-source.js";
export { testStreamsConfig } from "./streams.js";
export { awayFromMinuteEdge } from "./time-windows.js";
