import type { Queryable, Store } from "./types.js";

/**
 * The NOTIFY channel of appends: `<project id>:<last seq>`. Sent after appends commit,
 * coalesced per project (services/events/append-signal.ts), or at the commit of an append
 * made inside a larger transaction.
 */
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

/** Announces the last seq of each project, one notification each, in one statement of its own. */
export async function notifyAppends(
  db: Queryable,
  projectIds: readonly string[],
  lastSeqs: readonly number[],
): Promise<void> {
  if (projectIds.length === 0) return;
  await db.query(
    `SELECT pg_notify($1, n.project_id || ':' || n.last_seq::text)
     FROM unnest($2::text[], $3::bigint[]) AS n(project_id, last_seq)`,
    [EVENTS_CHANNEL, projectIds, lastSeqs],
  );
}

/** Announces an append made in the transaction `tx`: delivered when (and if) it commits. */
export async function notifyAppendAtCommit(
  tx: Queryable,
  projectId: string,
  lastSeq: number,
): Promise<void> {
  await notifyAppends(tx, [projectId], [lastSeq]);
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
