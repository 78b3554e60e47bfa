import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { ulid } from "ulid";

export interface Column {
  name: string;
  type: string;
  generated: boolean;
}

/** The events table's columns in order, from the catalog (so the bench follows migrations). */
export async function eventColumns(pool: pg.Pool | pg.PoolClient): Promise<Column[]> {
  const result = await pool.query<{ column_name: string; data_type: string; is_generated: string }>(
    `SELECT column_name, data_type, is_generated FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'events' ORDER BY ordinal_position`,
  );
  if (result.rows.length === 0) throw new Error("no events table: did `chronicle migrate` run?");
  return result.rows.map((row) => ({
    name: row.column_name,
    type: row.data_type,
    generated: row.is_generated === "ALWAYS",
  }));
}

/** Columns COPY FROM may name (generated ones are computed by PostgreSQL). */
export function writableColumns(columns: readonly Column[]): Column[] {
  return columns.filter((column) => !column.generated);
}

export function columnList(columns: readonly { name: string }[]): string {
  return columns.map((column) => `"${column.name}"`).join(", ");
}

/** `COPY (SELECT …) TO STDOUT` of one project's seq range, as text-format lines. */
export async function captureRows(
  client: pg.PoolClient,
  columns: readonly Column[],
  projectId: string,
  fromSeq: number,
  toSeq: number,
): Promise<string[]> {
  const sql = `COPY (SELECT ${columnList(columns)} FROM events WHERE project_id = '${projectId.replace(/'/g, "''")}' AND seq > ${fromSeq} AND seq <= ${toSeq} ORDER BY seq) TO STDOUT`;
  const chunks: Buffer[] = [];
  await pipeline(
    client.query(copyTo(sql)),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean);
}

/**
 * The same rows moved to another project, with fresh event ids (text COPY format: tabs and
 * newlines inside values are escaped, so splitting on them is safe).
 */
export function rehomeRows(
  lines: readonly string[],
  columns: readonly Column[],
  projectId: string,
): string {
  const projectIndex = columns.findIndex((column) => column.name === "project_id");
  const idIndex = columns.findIndex((column) => column.name === "id");
  return lines
    .map((line) => {
      const fields = line.split("\t");
      if (projectIndex >= 0) fields[projectIndex] = projectId;
      if (idIndex >= 0) fields[idIndex] = `evt_${ulid()}`;
      return `${fields.join("\t")}\n`;
    })
    .join("");
}
