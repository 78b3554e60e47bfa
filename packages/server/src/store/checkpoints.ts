import { HASHES_AT } from "./merkle.js";
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

const HEAD_COLUMNS = "p.last_seq, c.tree_size, c.note, c.key_id, c.signed_at";
const HEAD_FROM = `FROM projects p
     LEFT JOIN LATERAL (
       SELECT ${COLUMNS} FROM checkpoints
       WHERE project_id = p.project_id ORDER BY tree_size DESC LIMIT 1
     ) c ON true`;

const TREE_HEAD = prepared(`SELECT ${HEAD_COLUMNS} ${HEAD_FROM} WHERE p.project_id = $1`);

const TREE_HEAD_WITH_HASHES = prepared(
  `WITH found AS (${HASHES_AT})
   SELECT ${HEAD_COLUMNS}, h.idxs, h.hashes ${HEAD_FROM}
     CROSS JOIN (SELECT array_agg(f.idx) AS idxs, array_agg(f.hash) AS hashes FROM found f) h
     WHERE p.project_id = $1`,
);

/** A project's size (`last_seq`) and its newest stored checkpoint. */
export interface TreeHead {
  size: number;
  newest: CheckpointRow | null;
}

type HeadRow = { last_seq: string | number } & Partial<CheckpointRow>;

function treeHeadOf(row: HeadRow): TreeHead {
  const { last_seq, tree_size, note, key_id, signed_at } = row;
  const newest =
    tree_size == null || note == null || key_id == null || signed_at == null
      ? null
      : { tree_size, note, key_id, signed_at };
  return { size: Number(last_seq), newest };
}

/**
 * The project's size and its newest stored checkpoint, in one query (the checkpoint and
 * proof endpoints start with both); null when there is no such project.
 */
export async function selectTreeHead(db: Queryable, projectId: string): Promise<TreeHead | null> {
  const [row] = await db.query<HeadRow>(TREE_HEAD, [projectId]);
  return row ? treeHeadOf(row) : null;
}

/**
 * `selectTreeHead` and, in the same statement, the stored tree hashes at `indexes` that
 * exist (hex, by index, as `selectTreeHashes` reads them): a proof at the size the head is
 * expected to have costs one round trip.
 */
export async function selectTreeHeadWithHashes(
  db: Queryable,
  projectId: string,
  indexes: readonly number[],
): Promise<{ head: TreeHead; hashes: Map<number, string> } | null> {
  const [row] = await db.query<
    HeadRow & { idxs: (string | number)[] | null; hashes: string[] | null }
  >(TREE_HEAD_WITH_HASHES, [projectId, [...new Set(indexes)]]);
  if (!row) return null;
  const hashes = new Map<number, string>();
  (row.idxs ?? []).forEach((index, i) => {
    hashes.set(Number(index), (row.hashes as string[])[i] as string);
  });
  return { head: treeHeadOf(row), hashes };
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
