import { ChronicleError, notFound } from "../domain/errors.js";
import type { IntegrityReport } from "../domain/types.js";
import type { Store } from "../store/types.js";
import { EVENT_COLUMNS, eventToWire } from "./event-row.js";
import { hashEvent } from "./hash-chain.js";

const BATCH = 1000;

/**
 * Recomputes each event's hash in a seq range and checks every link: a row's stored hash
 * must match its content, its prev_hash the previous row's hash (the retention checkpoint's
 * for the first kept row), and no seq may be missing. Reports the first seq that fails.
 */
export async function verifyIntegrity(
  store: Store,
  projectId: string,
  range: { fromSeq?: number; toSeq?: number } = {},
): Promise<IntegrityReport> {
  const [project] = await store.query<{
    last_seq: number;
    last_hash: string | null;
    checkpoint_seq: number | null;
    checkpoint_hash: string | null;
  }>(
    "SELECT last_seq, last_hash, checkpoint_seq, checkpoint_hash FROM projects WHERE project_id = $1",
    [projectId],
  );
  if (!project) throw notFound("Project");
  const checkpointSeq = project.checkpoint_seq === null ? 0 : Number(project.checkpoint_seq);
  const checkpoint =
    project.checkpoint_seq === null || project.checkpoint_hash === null
      ? null
      : { seq: checkpointSeq, hash: project.checkpoint_hash };
  const lastSeq = Number(project.last_seq);
  const from = Math.max(range.fromSeq ?? 1, checkpointSeq + 1);
  const to = Math.min(range.toSeq ?? lastSeq, lastSeq);
  if (range.fromSeq !== undefined && range.toSeq !== undefined && range.fromSeq > range.toSeq) {
    throw new ChronicleError("invalid_parameter", "from_seq must not exceed to_seq", [
      { pointer: "/query/from_seq", detail: "must not exceed to_seq", code: "maximum" },
    ]);
  }

  // The link into the range: the checkpoint, the chain's start, or the stored previous hash.
  let expectedPrev: string | null;
  if (from === checkpointSeq + 1) expectedPrev = checkpoint?.hash ?? null;
  else {
    const [previous] = await store.query<{ hash: string }>(
      "SELECT hash FROM events WHERE project_id = $1 AND seq = $2",
      [projectId, from - 1],
    );
    expectedPrev = previous?.hash ?? null;
  }

  let checked = 0;
  let firstInvalid: number | null = null;
  let headHash: string | null = null;
  let expectedSeq = from;
  while (expectedSeq <= to && firstInvalid === null) {
    const rows = await store.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE project_id = $1 AND seq >= $2 AND seq <= $3
       ORDER BY seq LIMIT ${BATCH}`,
      [projectId, expectedSeq, to],
    );
    if (rows.length === 0) {
      firstInvalid = expectedSeq;
      break;
    }
    for (const row of rows) {
      const event = eventToWire(row);
      checked += 1;
      if (
        event.seq !== expectedSeq ||
        event.prev_hash !== expectedPrev ||
        hashEvent(event) !== event.hash
      ) {
        firstInvalid = expectedSeq;
        break;
      }
      expectedPrev = event.hash;
      headHash = event.hash;
      expectedSeq += 1;
    }
  }
  // The head of the chain must be the hash the project row remembers.
  if (firstInvalid === null && to === lastSeq && to >= from && headHash !== project.last_hash) {
    firstInvalid = to;
  }
  return {
    valid: firstInvalid === null,
    first_invalid_seq: firstInvalid,
    from_seq: from,
    to_seq: Math.max(to, from - 1),
    checked,
    head_hash: headHash,
    checkpoint,
  };
}
