/**
 * What a team would write instead of Chronicle, minus the framework: turn posted events into
 * events-table rows (the same derived columns the server stores, composed as the seeder does)
 * and `INSERT` them, one statement per request: one row, or one multi-row `INSERT` per batch.
 * `seq` is the table's identity column; no hash chain, no idempotency, no key lookup.
 */
import pg from "pg";
import type { EventInput } from "../lib/event-generator.js";
import { rowValues } from "../lib/seed-rows.js";

/** The tables a DIY server may write (made by the workload: lib/events-copy.ts). */
const TABLES = new Set((process.env.DIY_TABLES ?? "").split(",").filter(Boolean));
const DEFAULT_PROJECT = process.env.DIY_PROJECT ?? "prj_diy";

export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

export class BadRequest extends Error {}

function rowsOf(events: unknown, projectId: string): Record<string, string | null>[] {
  if (!Array.isArray(events) || events.length === 0 || events.length > 1000) {
    throw new BadRequest("events: 1 to 1000 events");
  }
  const now = Date.now();
  return events.map((event: EventInput) => {
    if (typeof event?.action !== "string" || typeof event.actor?.id !== "string") {
      throw new BadRequest("an event needs an action and an actor");
    }
    const { seq: _seq, ...row } = rowValues(projectId, 0, event, now, null);
    return row;
  });
}

/**
 * INSERTs the events into `table` in one statement, as the project named by the request's
 * `x-project` header (or DIY_PROJECT); resolves with their ids and seqs.
 */
export async function insertEvents(
  table: string,
  events: unknown,
  project: unknown,
): Promise<{ id: string; seq: string }[]> {
  if (!TABLES.has(table)) throw new BadRequest(`unknown table ${table}`);
  const rows = rowsOf(events, typeof project === "string" && project ? project : DEFAULT_PROJECT);
  const columns = Object.keys(rows[0] as object);
  const values: (string | null)[] = [];
  const tuples = rows.map((row) => {
    const placeholders = columns.map((column) => {
      values.push(row[column] ?? null);
      return `$${values.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  const result = await pool.query<{ id: string; seq: string }>(
    `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(", ")}) VALUES ${tuples.join(", ")} RETURNING id, seq`,
    values,
  );
  return result.rows;
}
