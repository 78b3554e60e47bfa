export { migrate } from "./migrate.js";
export { openStore, StoreLockedError } from "./open.js";
export type { Queryable, Row, Store, StoreOptions } from "./types.js";
