/**
 * Decodes a byte stream to text chunks as they arrive. Uses the stream's reader (not async
 * iteration, which older Safari lacks) and cancels the stream when the consumer stops early,
 * which closes the connection.
 */
export async function* decodeText(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text) yield text;
    }
    finished = true;
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Splits text chunks into lines (LF or CRLF), holding only the unfinished last line. */
export async function* splitLines(
  chunks: AsyncIterable<string>,
): AsyncGenerator<string, void, undefined> {
  let pending = "";
  for await (const chunk of chunks) {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
      newline = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending.endsWith("\r") ? pending.slice(0, -1) : pending;
}

/** Parses NDJSON as it streams in: one value per non-blank line. */
export async function* parseNdjson<T>(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<T, void, undefined> {
  for await (const line of splitLines(decodeText(stream))) {
    if (line.trim() === "") continue;
    yield JSON.parse(line) as T;
  }
}
