/**
 * `chronicle_chain_head` reads what an append chained on the committed head needs, in one
 * round trip: the project's chain head (locked until the transaction ends, with `p_lock`)
 * and the frontier of its Merkle tree, the stored hashes of the complete subtrees that make
 * up [0, last_seq) (domain/merkle.ts `frontierNeeds`). An append that lost the head to
 * other replicas three times in a row locks the head first and held the project's row across
 * two reads, the head and then the frontier (bench/FINDINGS.md B17, B33); it now holds it
 * across this one. The frontier is read by a statement of its own after the row is locked,
 * so it sees the hashes of the append the lock waited for (a single statement would read
 * them from its snapshot taken before the wait). A missing project answers a row of nulls.
 *
 * A complete subtree of the frontier ends where `last_seq` with its bits below the
 * subtree's level cleared ends; its hash is stored at tlog's StoredHashIndex(level, n),
 * which is 2m - popcount(m) + level for m the subtree's last leaf index.
 */
export const chainHeadWithFrontier = `
CREATE FUNCTION chronicle_chain_head(
  p_project text,
  p_lock boolean,
  OUT last_seq bigint,
  OUT last_hash text,
  OUT last_created_at text,
  OUT frontier_idx bigint[],
  OUT frontier_hash text[]
)
LANGUAGE plpgsql AS $$
DECLARE
  v_at timestamptz;
BEGIN
  IF p_lock THEN
    SELECT p.last_seq, p.last_hash, p.last_created_at INTO last_seq, last_hash, v_at
      FROM projects AS p WHERE p.project_id = p_project FOR NO KEY UPDATE;
  ELSE
    SELECT p.last_seq, p.last_hash, p.last_created_at INTO last_seq, last_hash, v_at
      FROM projects AS p WHERE p.project_id = p_project;
  END IF;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  last_created_at := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  SELECT array_agg(f.idx), array_agg(f.hash) INTO frontier_idx, frontier_hash
  FROM (
    SELECT n.idx, encode(coalesce(r.hash, m.hash), 'hex') AS hash
    FROM (
      SELECT 2 * s.m - bit_count(s.m::bit(64)) + s.level AS idx
      FROM generate_series(0, 62) AS l(level)
      CROSS JOIN LATERAL (SELECT l.level, ((last_seq >> l.level) << l.level) - 1 AS m) AS s
      WHERE (last_seq >> l.level) & 1 = 1
    ) AS n
    LEFT JOIN LATERAL (
      SELECT CASE WHEN n.idx - h.first_idx < octet_length(h.hashes) / 32
        THEN substring(h.hashes FROM ((n.idx - h.first_idx) * 32 + 1)::integer FOR 32) END AS hash
      FROM merkle_hash_runs AS h
      WHERE h.project_id = p_project AND h.first_idx <= n.idx
      ORDER BY h.first_idx DESC LIMIT 1
    ) AS r ON true
    LEFT JOIN LATERAL (
      SELECT o.hash FROM merkle_hashes AS o
      WHERE r.hash IS NULL AND o.project_id = p_project AND o.idx = n.idx LIMIT 1
    ) AS m ON true
    WHERE coalesce(r.hash, m.hash) IS NOT NULL
  ) AS f;
END;
$$;
`;
