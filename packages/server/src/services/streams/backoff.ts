/** The longest a destination's Retry-After is honoured for. */
const RETRY_AFTER_CEILING_MS = 60 * 60 * 1000;

/**
 * The wait before attempt `attempts + 1`: exponential from `baseMs`, capped at `maxMs`,
 * with "equal jitter" (half fixed, half random) so replicas do not retry in step; a
 * destination's Retry-After is a floor.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  const jittered = exponential / 2 + random() * (exponential / 2);
  if (retryAfterMs === null) return Math.round(jittered);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_CEILING_MS)));
}
