export const EVENTS_CHANNEL = "chronicle_events";

export function parseEventsNotification(
  payload: string,
): { projectId: string; lastSeq: number } | null {
  const at = payload.lastIndexOf(":");
  if (at <= 0) return null;
  const lastSeq = Number(payload.slice(at + 1));
  if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) return null;
  return { projectId: payload.slice(0, at), lastSeq };
}
