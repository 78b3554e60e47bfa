import {
  containsPattern,
  type EventSelection,
  predicateSql,
  SqlParams,
  selectionConditions,
} from "./event-selection.js";
import { EVENT_COLUMNS, oldestSeq, type PageRead, projectLastSeq } from "./events.js";
import type { Queryable, Row } from "./types.js";

/** A filter tested on the rows the selection's other filters find first. */
export type WithinFilter = "search" | "changed_field";

/** The conditions of the selection but its `tested` filter, and the cursor's bound. */
function otherConditions(
  selection: EventSelection,
  tested: WithinFilter,
  read: PageRead,
  params: SqlParams,
): string {
  const others = { ...selection.filters, [tested]: undefined };
  const where = selectionConditions({ ...selection, filters: others }, params);
  if (read.afterSeq !== undefined) {
    where.push(`seq ${read.ascending ? ">" : "<"} ${params.add(read.afterSeq)}`);
  }
  return where.join(" AND ");
}

/**
 * A page of a search (or a changed_field) narrowed by other filters, looked for among the
 * `window` events nearest the cursor that match those other filters (read through their
 * own index, in seq order), the tested filter checked on those rows alone. A search with
 * one actor or one workspace then costs that actor's or workspace's nearest rows, not the
 * trigram posting lists of the whole project, which grow with it (issue 12); a changed
 * field within a workspace costs the workspace's nearest rows, not every row of the
 * workspace sorted (bench/FINDINGS.md B25). `exhausted` says the other filters matched
 * fewer than `window` events there, so a short page is complete.
 */
export async function readWithinRows(
  db: Queryable,
  selection: EventSelection,
  tested: WithinFilter,
  read: PageRead,
  window: number,
): Promise<{ rows: Row[]; exhausted: boolean }> {
  const direction = read.ascending ? "ASC" : "DESC";
  const params = new SqlParams();
  const nearest = `SELECT * FROM events WHERE ${otherConditions(selection, tested, read, params)}
    ORDER BY seq ${direction} LIMIT ${window}`;
  const value = selection.filters[tested] ?? "";
  const test = predicateSql({ filter: tested, value }, params);
  const rows = await db.query(
    `SELECT ${EVENT_COLUMNS} FROM (${nearest}) AS events WHERE ${test}
     ORDER BY seq ${direction} LIMIT ${read.limit}`,
    params.values,
  );
  if (rows.length >= read.limit) return { rows, exhausted: false };
  const counted = new SqlParams();
  const [count] = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM events
      WHERE ${otherConditions(selection, tested, read, counted)} LIMIT ${window}) AS nearest`,
    counted.values,
  );
  return { rows, exhausted: Number(count?.n ?? 0) < window };
}

/**
 * Events per seq bucket: the trigram index's second key is `seq / 65536` (migration 0028),
 * so one bucket's matches are a lookup of their own, whatever the project's size.
 */
export const SEQ_BUCKET = 65_536;

/** The bucket a read starts in: the cursor's, or the project's newest (oldest ascending). */
async function firstBucket(db: Queryable, projectId: string, read: PageRead): Promise<number> {
  if (read.afterSeq !== undefined) {
    const first = read.ascending ? read.afterSeq + 1 : read.afterSeq - 1;
    return Math.floor(Math.max(first, 0) / SEQ_BUCKET);
  }
  if (!read.ascending) return Math.floor(((await projectLastSeq(db, projectId)) ?? 0) / SEQ_BUCKET);
  return Math.floor((await oldestSeq(db, projectId)) / SEQ_BUCKET);
}

/**
 * A page of a rare search looked for in the `buckets` seq buckets nearest the cursor (or the
 * project's end, or its start ascending), one bucket after the other: each is one lookup of
 * the trigram index narrowed to that bucket, so a search whose page lies near costs the
 * same in a project of 5 M events as in one of 1 M, where the whole index's posting lists
 * grow with the project (issue 12, bench/FINDINGS.md B42). `after` is the seq the read goes
 * on from for what these buckets did not hold (undefined when nothing lies beyond them).
 */
export async function readSearchBuckets(
  db: Queryable,
  selection: EventSelection,
  read: PageRead,
  buckets: number,
): Promise<{ rows: Row[]; after: number | undefined }> {
  const first = await firstBucket(db, selection.projectId, read);
  const last = read.ascending ? first + buckets - 1 : Math.max(first - buckets + 1, 0);
  const direction = read.ascending ? "ASC" : "DESC";
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  if (read.afterSeq !== undefined) {
    where.push(`seq ${read.ascending ? ">" : "<"} ${params.add(read.afterSeq)}`);
  }
  // The buckets are read in turn (a nested loop over the series, which PostgreSQL cannot
  // reorder: each bucket's read depends on it), so the first rows out are the page's and
  // the LIMIT stops the series there. `seq / SEQ_BUCKET` is the trigram index's key; the
  // range says the same to the primary key. Without it, a bucket the planner reads down
  // the primary key (a text it deems common) is a merge of every partition's walk, and a
  // partition holding none of the bucket walked all of the project's rows in it before the
  // merge could begin: 6.5–19 s for one bucket at 5 M events (bench/FINDINGS.md B55).
  const rows = await db.query(
    `SELECT ${EVENT_COLUMNS}
     FROM generate_series(${params.add(first)}::bigint, ${params.add(last)}::bigint,
                          ${read.ascending ? 1 : -1}) AS bucket (n)
     CROSS JOIN LATERAL (
       SELECT * FROM events WHERE ${where.join(" AND ")} AND seq / ${SEQ_BUCKET} = bucket.n
         AND seq >= bucket.n * ${SEQ_BUCKET} AND seq < (bucket.n + 1) * ${SEQ_BUCKET}
       ORDER BY seq ${direction} LIMIT ${read.limit}
     ) AS events
     LIMIT ${read.limit}`,
    params.values,
  );
  const after = read.ascending ? (last + 1) * SEQ_BUCKET - 1 : last * SEQ_BUCKET;
  return { rows, after: !read.ascending && last === 0 ? undefined : after };
}

/**
 * The share of the project's newest `sample` events whose search text holds each of
 * `words` (lower-cased): how common a word of a search is, from rows the primary key reads
 * in order.
 */
export async function searchWordShares(
  db: Queryable,
  projectId: string,
  words: readonly string[],
  sample: number,
): Promise<number[]> {
  if (words.length === 0) return [];
  const params = new SqlParams();
  params.add(projectId);
  const counts = words.map(
    (word, n) =>
      `count(*) FILTER (WHERE search_text LIKE ${params.add(containsPattern(word))}) AS w${n}`,
  );
  const [row] = await db.query<Record<string, number | string>>(
    `SELECT count(*) AS total, ${counts.join(", ")} FROM (
       SELECT search_text FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT ${params.add(sample)}
     ) AS newest`,
    params.values,
  );
  const total = Number(row?.total ?? 0);
  return words.map((_, n) => (total === 0 ? 0 : Number(row?.[`w${n}`] ?? 0) / total));
}
