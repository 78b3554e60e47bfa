import type { Store } from "./server-source.js";

/** An event row written straight into the table: its seq and what a read test looks at. */
export interface EventRow {
  seq: number;
  /** The search text ("x" when unset). */
  text?: string;
  /** occurred_at in ms since the epoch (the time of writing when unset). */
  occurredAt?: number;
  /** The changed fields (none when unset). */
  changed?: string[];
}

/**
 * `rows` written directly into `projectId`'s events, as received `receivedAgo` ago (an
 * interval: older rows land in an older partition). A project of hundreds of thousands of
 * appends would take minutes to build; a read needs only the rows.
 */
export async function insertEventRows(
  store: Store,
  projectId: string,
  rows: readonly EventRow[],
  receivedAgo = "0 seconds",
): Promise<void> {
  await store.query(
    `INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, occurred_at,
       created_at, hash, search_text, changed_fields)
     SELECT $1, r.seq, 'evt_' || $1 || '_' || r.seq, 'issue.created', 'user', 'usr_1',
       coalesce(to_timestamp(r.ms / 1000.0), now()), now() - $6::interval, md5(r.seq::text),
       r.text, CASE WHEN r.changed = '' THEN '{}'::text[] ELSE string_to_array(r.changed, ',') END
     FROM unnest($2::bigint[], $3::float8[], $4::text[], $5::text[]) AS r (seq, ms, changed, text)`,
    [
      projectId,
      rows.map((row) => row.seq),
      rows.map((row) => row.occurredAt ?? null),
      rows.map((row) => (row.changed ?? []).join(",")),
      rows.map((row) => row.text ?? "x"),
      receivedAgo,
    ],
  );
}

/** A project holding `rows` alone (insertEventRows), its last seq theirs. */
export async function newProjectOfRows(
  store: Store,
  projectId: string,
  rows: readonly EventRow[],
): Promise<void> {
  const lastSeq = rows.reduce((last, row) => Math.max(last, row.seq), 0);
  await store.query("INSERT INTO projects (project_id, name, last_seq) VALUES ($1, $1, $2)", [
    projectId,
    lastSeq,
  ]);
  await insertEventRows(store, projectId, rows);
}
