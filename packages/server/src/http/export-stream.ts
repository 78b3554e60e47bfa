import type { Response } from "express";
import { csvHeader, csvRow } from "./csv.js";
import { isGone, writeChunk } from "./stream-writer.js";

export type ExportFormat = "ndjson" | "csv";

/** Rows are joined into chunks of about this many characters before each write. */
const CHUNK_CHARS = 64 * 1024;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

/**
 * Streams rows as NDJSON or CSV in ~64 KiB chunks. Each write waits for `drain` when the
 * socket is full; when the client goes away the iterator is returned, which releases the
 * database cursor.
 */
export async function streamExport(
  res: Response,
  rows: AsyncIterable<object>,
  format: ExportFormat,
  filename: string,
): Promise<void> {
  res.status(200);
  res.setHeader("Content-Type", CONTENT_TYPES[format]);
  res.setHeader("Content-Disposition", `attachment; filename="${filename}.${format}"`);
  res.setHeader("Cache-Control", "no-store");
  if (format === "csv" && !(await writeChunk(res, csvHeader()))) return;

  const iterator = rows[Symbol.asyncIterator]();
  let completed = false;
  let chunk = "";
  try {
    for (;;) {
      if (isGone(res)) return;
      const next = await iterator.next();
      if (next.done) {
        completed = true;
        break;
      }
      chunk += format === "csv" ? csvRow(next.value) : `${JSON.stringify(next.value)}\n`;
      // One socket write per ~64 KiB rather than per row (bench/FINDINGS.md B6).
      if (chunk.length >= CHUNK_CHARS) {
        const open = await writeChunk(res, chunk);
        chunk = "";
        if (!open) return;
      }
    }
  } finally {
    if (!completed) await iterator.return?.();
  }
  if (chunk && !(await writeChunk(res, chunk))) return;
  res.end();
}
