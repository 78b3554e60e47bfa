export * from "./errors.js";
export type * from "./event.js";
export * from "./types.js";
