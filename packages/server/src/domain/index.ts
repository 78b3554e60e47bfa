export * from "./errors.js";
export * from "./scopes.js";
export type * from "./types.js";
