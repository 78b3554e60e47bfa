import { pipelinedAppend } from "./0014_pipelined_append.js";

/**
 * The Merkle tree is stored as runs of hashes (bench/FINDINGS.md B30). tlog's storage index
 * puts the hashes one append adds in one contiguous range, [StoredHashCount(n),
 * StoredHashCount(n + k)), so `merkle_hash_runs` holds them as a few rows of up to 60
 * consecutive hashes (`first_idx`, then 32 bytes per hash) where `merkle_hashes` took one row
 * per hash: a 1000-event append writes about 35 rows instead of about 2000. A hash at index i
 * is in the run with the greatest `first_idx` ≤ i, if that run reaches i. A run stays inline
 * (under 2 kB, stored PLAIN: never compressed or moved out of line), so a lookup reads one
 * small tuple.
 *
 * Rows of `merkle_hashes` stay where they are and are still read (store/merkle.ts) where no
 * run holds the index; nothing writes there any more. Runs are append-only like the rows
 * were, and since a run inserted inside another (or over old rows) would shadow hashes
 * without updating anything, an insert that overlaps stored hashes is refused.
 *
 * `chronicle_append` is migration 0014's with its last tree statement writing runs: its
 * `p_tree_idx` and `p_tree_hash` now carry each run's first index and its hashes in hex.
 */
const hashesInsert = `    INSERT INTO merkle_hashes (project_id, idx, hash)
      SELECT p_project, h.idx, decode(h.hash, 'hex')
      FROM unnest(p_tree_idx, p_tree_hash) AS h(idx, hash);`;

const runsInsert = `    INSERT INTO merkle_hash_runs (project_id, first_idx, hashes)
      SELECT p_project, r.first_idx, decode(r.hashes, 'hex')
      FROM unnest(p_tree_idx, p_tree_hash) AS r(first_idx, hashes);`;

if (!pipelinedAppend.includes(hashesInsert)) {
  throw new Error("migration 0022: migration 0014's tree insert was not found");
}

/** `chronicle_append` as this migration leaves it (replaced by migration 0025). */
export const appendWritingRuns = pipelinedAppend.replace(hashesInsert, runsInsert);

/** The check that a statement's runs overlap no stored hash (replaced by migration 0023). */
export const runsDisjoint = `CREATE FUNCTION chronicle_merkle_runs_disjoint() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM added AS a
    WHERE (SELECT r.first_idx + octet_length(r.hashes) / 32 > a.first_idx
           FROM merkle_hash_runs AS r
           WHERE r.project_id = a.project_id AND r.first_idx < a.first_idx
           ORDER BY r.first_idx DESC LIMIT 1)
       OR EXISTS (SELECT 1 FROM merkle_hash_runs AS r
                  WHERE r.project_id = a.project_id AND r.first_idx > a.first_idx
                    AND r.first_idx < a.first_idx + octet_length(a.hashes) / 32)
       OR EXISTS (SELECT 1 FROM merkle_hashes AS m
                  WHERE m.project_id = a.project_id AND m.idx >= a.first_idx
                    AND m.idx < a.first_idx + octet_length(a.hashes) / 32)
  ) THEN
    RAISE EXCEPTION 'merkle_hash_runs is append-only: a run overlaps stored hashes'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END;
$$;
`;

export const merkleHashRuns = `
CREATE TABLE merkle_hash_runs (
  project_id text NOT NULL,
  first_idx bigint NOT NULL,
  hashes bytea NOT NULL
    CHECK (octet_length(hashes) % 32 = 0 AND octet_length(hashes) BETWEEN 32 AND 60 * 32),
  PRIMARY KEY (project_id, first_idx)
);
ALTER TABLE merkle_hash_runs ALTER COLUMN hashes SET STORAGE PLAIN;

CREATE TRIGGER merkle_hash_runs_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON merkle_hash_runs
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();

${runsDisjoint}
CREATE TRIGGER merkle_hash_runs_disjoint
  AFTER INSERT ON merkle_hash_runs
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_merkle_runs_disjoint();

${appendWritingRuns}
`;
