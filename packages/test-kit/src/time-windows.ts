/**
 * Rate limits and failure throttles count in fixed one-minute windows of the clock. A test
 * that counts a short sequence of requests against one window calls this first: when the
 * window has less than `marginMs` left, it waits for the next one, so that the sequence is
 * not split by a window's end (which would reset the count in the middle of it).
 */
export async function awayFromMinuteEdge(marginMs = 10_000): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - marginMs) {
    await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
  }
}
