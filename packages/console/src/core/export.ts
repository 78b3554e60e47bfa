import type { Chronicle, ListEventsParams } from "@chronicle/sdk";

export type ExportFormat = "csv" | "ndjson";

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Streams the export of the current filters through the SDK (`events.export`) into a file
 * the browser saves. Rows arrive parsed, so the count is known as they come; CSV rows are
 * written back cell for cell (the server's formula-injection prefixes kept as received).
 */
export async function exportToFile(
  client: Chronicle,
  params: ListEventsParams,
  format: ExportFormat,
  onProgress: (rows: number) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; rows: number; filename: string }> {
  const {
    order: _order,
    limit: _limit,
    cursor: _cursor,
    include_total: _total,
    ...filters
  } = params;
  const parts: string[] = [];
  let rows = 0;
  if (format === "ndjson") {
    for await (const event of client.events.export({ ...filters, format }, { signal })) {
      parts.push(`${JSON.stringify(event)}\n`);
      if (++rows % 500 === 0) onProgress(rows);
    }
  } else {
    let header = true;
    for await (const row of client.events.export(
      { ...filters, format },
      { rows: "arrays", signal },
    )) {
      parts.push(`${row.map(csvCell).join(",")}\r\n`);
      if (header) header = false;
      else if (++rows % 500 === 0) onProgress(rows);
    }
  }
  onProgress(rows);
  const type = format === "csv" ? "text/csv" : "application/x-ndjson";
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return { blob: new Blob(parts, { type }), rows, filename: `chronicle-events-${stamp}.${format}` };
}

/** Hands a blob to the browser's download (an anchor inside `root`, clicked, removed). */
export function saveBlob(root: Node & ParentNode, blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  anchor.hidden = true;
  root.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
