import type { Response } from "express";
import { csvHeader, csvRow } from "./csv.js";
import { isGone, writeChunk } from "./stream-writer.js";

export type ExportFormat = "ndjson" | "csv";

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

/**
 * Streams rows as NDJSON or CSV. Each write waits for `drain` when the socket is full;
 * when the client goes away the iterator is returned, which releases the database cursor.
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
  try {
    for (;;) {
      if (isGone(res)) return;
      const next = await iterator.next();
      if (next.done) {
        completed = true;
        break;
      }
      const line = format === "csv" ? csvRow(next.value) : `${JSON.stringify(next.value)}\n`;
      if (!(await writeChunk(res, line))) return;
    }
  } finally {
    if (!completed) await iterator.return?.();
  }
  res.end();
}
