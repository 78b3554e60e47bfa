import { decodeText } from "./text-stream.js";

/**
 * An incremental RFC 4180 parser: quoted fields may hold commas, doubled quotes and line
 * breaks; rows end at LF or CRLF. Feed it chunks split anywhere (even inside a quote pair).
 */
export class CsvParser {
  #row: string[] = [];
  #field = "";
  #inQuotes = false;
  /** A quote seen inside a quoted field: either the closing quote or half of `""`. */
  #quotePending = false;
  /** A CR seen outside quotes: the row ends, and a following LF belongs to it. */
  #afterCr = false;
  #fieldStarted = false;

  push(chunk: string): string[][] {
    const rows: string[][] = [];
    for (const char of chunk) {
      if (this.#afterCr) {
        this.#afterCr = false;
        if (char === "\n") continue;
      }
      if (this.#inQuotes) {
        if (this.#quotePending) {
          this.#quotePending = false;
          if (char === '"') {
            this.#field += '"';
            continue;
          }
          this.#inQuotes = false;
          // fall through: the char after a closing quote is read as unquoted
        } else if (char === '"') {
          this.#quotePending = true;
          continue;
        } else {
          this.#field += char;
          continue;
        }
      }
      if (char === '"' && !this.#fieldStarted) {
        this.#inQuotes = true;
        this.#fieldStarted = true;
      } else if (char === ",") {
        this.#endField();
      } else if (char === "\n" || char === "\r") {
        this.#afterCr = char === "\r";
        rows.push(this.#endRow());
      } else {
        this.#field += char;
        this.#fieldStarted = true;
      }
    }
    return rows;
  }

  /** Flushes the last row when the input does not end with a line break. */
  end(): string[][] {
    if (this.#inQuotes && !this.#quotePending)
      throw new SyntaxError("CSV: unterminated quoted field");
    this.#inQuotes = false;
    this.#quotePending = false;
    if (!this.#fieldStarted && this.#row.length === 0) return [];
    return [this.#endRow()];
  }

  #endField(): void {
    this.#row.push(this.#field);
    this.#field = "";
    this.#fieldStarted = false;
  }

  #endRow(): string[] {
    this.#endField();
    const row = this.#row;
    this.#row = [];
    return row;
  }
}

/** Rows of a CSV byte stream as string arrays, the header row first. */
export async function* parseCsvRows(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string[], void, undefined> {
  const parser = new CsvParser();
  for await (const text of decodeText(stream)) yield* parser.push(text);
  yield* parser.end();
}

/** Rows of a CSV byte stream as records keyed by the header row. */
export async function* parseCsvRecords(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Record<string, string>, void, undefined> {
  let header: string[] | undefined;
  for await (const row of parseCsvRows(stream)) {
    if (!header) {
      header = row;
      continue;
    }
    const record: Record<string, string> = {};
    header.forEach((name, index) => {
      record[name] = row[index] ?? "";
    });
    yield record;
  }
}
