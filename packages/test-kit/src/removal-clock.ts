import { type Store, setRemovalClock } from "./server-source.js";

/**
 * Runs `work` while the database's removal clock (migration 0015) reads `at`: what
 * retention and project purges do on that date, without waiting for it. Only the schema's
 * owner can move the clock, so `owner` is the test's own store; `work` may run as another
 * role. The clock is back on the database's own time afterwards.
 */
export async function atRemovalClock<T>(
  owner: Store,
  at: Date,
  work: () => Promise<T>,
): Promise<T> {
  await setRemovalClock(owner, at);
  try {
    return await work();
  } finally {
    await setRemovalClock(owner, null);
  }
}
