import type { Store } from "./types.js";

/** The NOTIFY channel of appends: `<project id>:<last seq>`, sent at commit (store/events.ts). */
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

/**
 * Listens for the appends of every project: `onAppend` with each committed append's
 * project and last seq, `onMissed` after the listening connection was lost and restored
 * (appends in between went unannounced). Resolves to the function that stops listening.
 */
export function listenForAppends(
  store: Store,
  onAppend: (projectId: string, lastSeq: number) => void,
  onMissed: () => void,
): Promise<() => Promise<void>> {
  return store.listen(
    EVENTS_CHANNEL,
    (payload) => {
      const notification = parseEventsNotification(payload);
      if (notification) onAppend(notification.projectId, notification.lastSeq);
    },
    onMissed,
  );
}
