import { type Chronicle, type Event, hashEvent } from "@chronicle/sdk";

export type IntegrityState =
  | { status: "idle" }
  | { status: "checking" }
  | { status: "verified"; method: "server" | "browser"; from: number; to: number; count: number }
  | { status: "failed"; method: "server" | "browser"; firstInvalidSeq: number | null }
  | { status: "error"; message: string };

/**
 * Checks the events on screen. With a project-wide key the server re-computes the hash
 * chain over the whole seq range they span (`GET /v1/integrity`), gaps between filtered
 * rows included. A viewer token may not ask that, so the browser re-hashes each event it
 * received (RFC 8785 + SHA-256, as the server does) and reports the first that differs.
 *
 * When the SDK verifies signed checkpoints and inclusion proofs, this is the one place to
 * prove each row's inclusion in the browser instead of trusting the server's answer.
 */
export async function verifyOnScreen(
  client: Chronicle,
  events: readonly Event[],
  serverRange: boolean,
): Promise<IntegrityState> {
  if (events.length === 0) return { status: "idle" };
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const event of events) {
    from = Math.min(from, event.seq);
    to = Math.max(to, event.seq);
  }
  try {
    if (serverRange) {
      const report = await client.integrity.verify({ from_seq: from, to_seq: to });
      return report.valid
        ? { status: "verified", method: "server", from, to, count: report.checked }
        : { status: "failed", method: "server", firstInvalidSeq: report.first_invalid_seq };
    }
    for (const event of events) {
      if ((await hashEvent(event)) !== event.hash) {
        return { status: "failed", method: "browser", firstInvalidSeq: event.seq };
      }
    }
    return { status: "verified", method: "browser", from, to, count: events.length };
  } catch (error) {
    return { status: "error", message: error instanceof Error ? error.message : String(error) };
  }
}
