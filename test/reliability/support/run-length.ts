/**
 * The suite runs short by default (CI: a couple of minutes in all);
 * `CHRONICLE_RELIABILITY=full` runs the long form with more cycles, writers and events.
 */
export const FULL_RUN = process.env.CHRONICLE_RELIABILITY === "full";

/** `short` in the default run, `full` in the long one. */
export function runLength<T>(short: T, full: T): T {
  return FULL_RUN ? full : short;
}
