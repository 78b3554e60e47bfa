import { type ChronicleError, errorFromResponse } from "../core/errors.js";

/** The first cell of the CSV row an export the server stopped ends with (event ids are `evt_…`). */
export const CSV_END_MARKER = "#error";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The error for a stream the server ended with a problem (a live tail's `event: error`, an
 * export's last line): its class follows the problem's status, so `credential_revoked` and
 * `credential_expired` are `AuthenticationError`s with that `code`.
 */
export function streamEndError(problem: unknown): ChronicleError {
  const status = isObject(problem) && typeof problem.status === "number" ? problem.status : 500;
  return errorFromResponse(status, problem, undefined);
}

/** Parses the JSON of an end message; unparsable text still ends the stream, as a 500. */
export function streamEndErrorFromText(text: string): ChronicleError {
  try {
    return streamEndError(JSON.parse(text));
  } catch {
    return errorFromResponse(500, text, undefined);
  }
}

/** NDJSON export lines as events; the problem line that ends a stopped export is thrown. */
export async function* untilNdjsonEnd<E>(
  values: AsyncIterable<unknown>,
): AsyncGenerator<E, void, undefined> {
  for await (const value of values) {
    // Every event line has a numeric seq; the end line is a problem, which has none.
    if (isObject(value) && typeof value.seq !== "number" && typeof value.code === "string") {
      throw streamEndError(value);
    }
    yield value as E;
  }
}

/** CSV rows until the `#error,<problem>` row of a stopped export, which is thrown. */
export async function* untilCsvEnd<R>(
  rows: AsyncIterable<R>,
  endOf: (row: R) => string | undefined,
): AsyncGenerator<R, void, undefined> {
  for await (const row of rows) {
    const problem = endOf(row);
    if (problem !== undefined) throw streamEndErrorFromText(problem);
    yield row;
  }
}

/** The problem text of a CSV row given as cells, when it is the end row. */
export function endOfCsvArray(row: string[]): string | undefined {
  return row[0] === CSV_END_MARKER ? (row[1] ?? "") : undefined;
}

/** The problem text of a CSV record keyed by the header row, when it is the end row. */
export function endOfCsvRecord(record: Record<string, string>): string | undefined {
  return record.id === CSV_END_MARKER ? (record.seq ?? "") : undefined;
}
