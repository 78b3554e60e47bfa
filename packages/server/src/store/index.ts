export { EVENTS_CHANNEL, parseEventsNotification } from "./event-notifications.js";
export { migrate } from "./migrate.js";
export { openStore, StoreLockedError } from "./open.js";
export {
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  type PoolStats,
  type Queryable,
  type Row,
  type Store,
  type StoreOptions,
} from "./types.js";
export { isDatabaseUnavailable, translateDatabaseError } from "./unavailable.js";
