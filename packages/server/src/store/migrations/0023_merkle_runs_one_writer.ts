import { runsDisjoint } from "./0022_merkle_hash_runs.js";

/**
 * The overlap check of migration 0022 reads the runs committed when it runs, so two sessions
 * inserting overlapping runs of one project at once each missed the other's uncommitted run
 * and both committed: a run held open by a session with the app role's rights made the
 * project's next append commit hashes that no lookup finds, and every later checkpoint
 * failed. Now the check waits for the project's other writer of runs first (a
 * transaction-level advisory lock per project, taken in project order), and refuses
 * snapshots older than the statement (anything but READ COMMITTED), so it sees every run
 * committed before it. An append already holds the project's row here, so its wait is only
 * on a writer outside the append path.
 */
const checkBegins = "BEGIN\n  IF EXISTS (";

if (!runsDisjoint.includes(checkBegins)) {
  throw new Error("migration 0023: migration 0022's overlap check was not found");
}

export const merkleRunsOneWriter = runsDisjoint
  .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
  .replace(
    checkBegins,
    `BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'merkle_hash_runs takes runs in READ COMMITTED transactions only'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('chronicle.merkle_hash_runs'), hashtext(p.project_id))
    FROM (SELECT DISTINCT project_id FROM added ORDER BY project_id) AS p;
  IF EXISTS (`,
  );
