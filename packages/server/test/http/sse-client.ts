export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * Opens an SSE stream with fetch and collects messages (and comment lines) as they come.
 * `close()` aborts the request like a browser tab going away.
 */
export async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const notify = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { id: undefined, event: undefined, data: "" };
          let hasData = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line);
            else if (line.startsWith("id: ")) message.id = line.slice(4);
            else if (line.startsWith("event: ")) message.event = line.slice(7);
            else if (line.startsWith("data: ")) {
              message.data += line.slice(6);
              hasData = true;
            }
          }
          if (hasData) messages.push(message);
          notify();
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    notify();
  })();

  return {
    response,
    messages,
    comments,
    /** True once the server ended the stream (or it was closed). */
    get ended() {
      return ended;
    },
    /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
    async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; got ${messages.length} messages`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.min(left, 200));
        });
      }
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}
