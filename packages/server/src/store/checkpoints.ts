import { prepared } from "./prepared.js";
import type { Queryable } from "./types.js";

/** A stored signed tree head (table `checkpoints`, migration 0006), as read. */
export interface CheckpointRow {
  tree_size: string | number;
  note: string;
  key_id: string;
  signed_at: Date | string;
}

const COLUMNS = "tree_size, note, key_id, signed_at";

const TREE_HEAD = prepared(
  `SELECT p.last_seq, c.tree_size, c.note, c.key_id, c.signed_at
     FROM projects p
     LEFT JOIN LATERAL (
       SELECT ${COLUMNS} FROM checkpoints
       WHERE project_id = p.project_id ORDER BY tree_size DESC LIMIT 1
     ) c ON true
     WHERE p.project_id = $1`,
);

/**
 * The project's size (`last_seq`) and its newest stored checkpoint, in one query (the
 * checkpoint and proof endpoints start with both); null when there is no such project.
 */
export async function selectTreeHead(
  db: Queryable,
  projectId: string,
): Promise<{ size: number; newest: CheckpointRow | null } | null> {
  const [row] = await db.query<{ last_seq: string | number } & Partial<CheckpointRow>>(TREE_HEAD, [
    projectId,
  ]);
  if (!row) return null;
  const { last_seq, tree_size, note, key_id, signed_at } = row;
  const newest =
    tree_size == null || note == null || key_id == null || signed_at == null
      ? null
      : { tree_size, note, key_id, signed_at };
  return { size: Number(last_seq), newest };
}

/** Up to `limit` stored checkpoints below the newest, newest first. */
export function selectOlderCheckpoints(
  db: Queryable,
  projectId: string,
  limit: number,
): Promise<CheckpointRow[]> {
  return db.query<CheckpointRow>(
    `SELECT ${COLUMNS} FROM checkpoints WHERE project_id = $1
     ORDER BY tree_size DESC LIMIT $2 OFFSET 1`,
    [projectId, limit],
  );
}

export async function selectCheckpointAt(
  db: Queryable,
  projectId: string,
  size: number,
): Promise<CheckpointRow | null> {
  const [row] = await db.query<CheckpointRow>(
    `SELECT ${COLUMNS} FROM checkpoints WHERE project_id = $1 AND tree_size = $2`,
    [projectId, size],
  );
  return row ?? null;
}

/**
 * Stores a signed checkpoint and returns the stored row; null when one was already stored
 * at that size (it is kept).
 */
export async function insertCheckpoint(
  db: Queryable,
  checkpoint: { projectId: string; size: number; rootHex: string; note: string; keyId: string },
): Promise<CheckpointRow | null> {
  const [row] = await db.query<CheckpointRow>(
    `INSERT INTO checkpoints (project_id, tree_size, root_hash, note, key_id)
     VALUES ($1, $2, decode($3, 'hex'), $4, $5) ON CONFLICT (project_id, tree_size) DO NOTHING
     RETURNING ${COLUMNS}`,
    [checkpoint.projectId, checkpoint.size, checkpoint.rootHex, checkpoint.note, checkpoint.keyId],
  );
  return row ?? null;
}

/** Projects whose tree grew past their newest checkpoint. */
export async function selectProjectsToSign(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ project_id: string }>(
    `SELECT p.project_id FROM projects p WHERE p.last_seq > coalesce(
       (SELECT max(c.tree_size) FROM checkpoints c WHERE c.project_id = p.project_id), 0)`,
  );
  return rows.map((row) => row.project_id);
}
