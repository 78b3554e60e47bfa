import { collect } from "@chronicle/test-kit";
import { describe, expect, it } from "vitest";
import { CsvParser, parseCsvRecords, parseCsvRows } from "../src/streaming/csv.js";
import { parseNdjson } from "../src/streaming/text-stream.js";

function byteStream(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      }
      controller.close();
    },
  });
}

describe("NDJSON", () => {
  it("when lines and multi-byte characters are split across chunks, then each line parses once", async () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\r\n\n{"a":2}\n{"a":3}');
    // Split inside the two-byte "é" and inside a CRLF.
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 10), bytes.slice(10, 11), bytes.slice(11)];
    expect(await collect(parseNdjson(byteStream(chunks)))).toEqual([
      { a: "é" },
      { a: 2 },
      { a: 3 },
    ]);
  });

  it("when the consumer stops early, then the byte stream is cancelled", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('{"n":1}\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of parseNdjson(stream)) break;
    expect(cancelled).toBe(true);
  });
});

describe("CSV", () => {
  const text =
    'id,summary,metadata\r\nevt_1,"He said ""hi""","{""a"":1}"\r\nevt_2,"two\nlines, one cell",\r\nevt_3,\'=1+1,""\n';
  const expected = [
    ["id", "summary", "metadata"],
    ["evt_1", 'He said "hi"', '{"a":1}'],
    ["evt_2", "two\nlines, one cell", ""],
    ["evt_3", "'=1+1", ""],
  ];

  it("parses quotes, doubled quotes, commas and newlines inside quotes", async () => {
    expect(await collect(parseCsvRows(byteStream([text])))).toEqual(expected);
  });

  it("gives the same rows however the input is chunked", () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser();
      const rows: string[][] = [];
      for (let index = 0; index < text.length; index += size) {
        rows.push(...parser.push(text.slice(index, index + size)));
      }
      rows.push(...parser.end());
      expect(rows).toEqual(expected);
    }
  });

  it("keeps a last row without a trailing newline and rejects an unterminated quote", () => {
    const parser = new CsvParser();
    expect(parser.push("a,b\n1,2")).toEqual([["a", "b"]]);
    expect(parser.end()).toEqual([["1", "2"]]);
    const broken = new CsvParser();
    broken.push('a,"open');
    expect(() => broken.end()).toThrow(SyntaxError);
  });

  it("maps rows to records by the header", async () => {
    const records = await collect(parseCsvRecords(byteStream(["x,y\n1,2\n3\n"])));
    expect(records).toEqual([
      { x: "1", y: "2" },
      { x: "3", y: "" },
    ]);
  });
});
