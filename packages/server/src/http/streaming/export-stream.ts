import type { Problem } from "@chronicle/types";
import type { Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import { problemBody } from "../contract/problem.js";
import { csvCell, csvHeader, csvRow } from "./csv.js";
import { endStreamSoon, isGone, writeChunk } from "./stream-writer.js";

export type ExportFormat = "ndjson" | "csv";

/** Rows are joined into chunks of about this many characters before each write. */
const CHUNK_CHARS = 64 * 1024;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

/** The first cell of the CSV row that ends an interrupted export (an event's id is `evt_…`). */
export const CSV_END_MARKER = "#error";

export interface ExportStreamOptions {
  /** Aborted (reason: an `ServiceError`) when the export must stop, e.g. its credential was revoked. */
  signal?: AbortSignal;
  requestId?: string;
  /** A read that failed after the first bytes: the export ends with its problem line. */
  onError?: (error: unknown) => void;
}

/**
 * The last line of an export the server stopped: the problem as one NDJSON line (it has no
 * `seq`, unlike every event line), or a CSV row `#error,<problem JSON>`.
 */
export function exportEnd(format: ExportFormat, problem: Problem): string {
  const json = JSON.stringify(problem);
  return format === "csv" ? `${CSV_END_MARKER},${csvCell(json)}\r\n` : `${json}\n`;
}

/**
 * Streams rows as NDJSON or CSV in ~64 KiB chunks. Each write waits for `drain` when the
 * socket is full; when the client goes away the iterator is returned, which releases the
 * database cursor. When `signal` aborts, or a read fails (the database went away, a read ran
 * over its budget), the export stops at a row boundary and ends with the `exportEnd` line
 * saying why.
 */
export async function streamExport(
  res: Response,
  rows: AsyncIterable<object>,
  format: ExportFormat,
  filename: string,
  options: ExportStreamOptions = {},
): Promise<void> {
  const { signal } = options;
  res.status(200);
  res.setHeader("Content-Type", CONTENT_TYPES[format]);
  res.setHeader("Content-Disposition", `attachment; filename="${filename}.${format}"`);
  res.setHeader("Cache-Control", "no-store");

  let stopped = false;
  let pending = "";
  // A slow client may hold a write waiting for `drain`: the end line is queued right away,
  // after the rows already written, and the response ended.
  const end = (reason: unknown) => {
    if (stopped || isGone(res)) return;
    stopped = true;
    const problem =
      reason instanceof ServiceError
        ? problemBody(reason.code, options.requestId ?? "", reason.message)
        : problemBody("internal_error", options.requestId ?? "");
    res.write(pending + exportEnd(format, problem));
    pending = "";
    endStreamSoon(res);
  };
  const stop = () => end(signal?.reason);
  signal?.addEventListener("abort", stop, { once: true });

  const iterator = rows[Symbol.asyncIterator]();
  let completed = false;
  try {
    if (format === "csv" && !(await writeChunk(res, csvHeader()))) return;
    if (signal?.aborted) return stop();
    for (;;) {
      if (stopped || isGone(res)) return;
      let next: IteratorResult<object>;
      try {
        next = await iterator.next();
      } catch (error) {
        // The status line is sent: the reason can only be the last line. A read stopped
        // because the client left is no failure worth reporting.
        if (!isGone(res)) options.onError?.(error);
        return end(error);
      }
      if (stopped) return;
      if (next.done) {
        completed = true;
        break;
      }
      pending += format === "csv" ? csvRow(next.value) : `${JSON.stringify(next.value)}\n`;
      // One socket write per ~64 KiB rather than per row (bench/FINDINGS.md B6).
      if (pending.length >= CHUNK_CHARS) {
        const chunk = pending;
        pending = "";
        if (!(await writeChunk(res, chunk))) return;
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    if (!completed) await iterator.return?.();
  }
  if (pending && !(await writeChunk(res, pending))) return;
  res.end();
}
