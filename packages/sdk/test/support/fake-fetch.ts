/** A scripted `fetch`: each call is recorded and answered by the next handler. */
export interface RecordedCall {
  request: Request;
  body: string;
  at: number;
}

export type Handler = (request: Request, body: string) => Response | Promise<Response>;

export function scriptedFetch(...handlers: Handler[]) {
  const calls: RecordedCall[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const body = await request.text();
    calls.push({ request, body, at: performance.now() });
    const handler = handlers[calls.length - 1] ?? handlers[handlers.length - 1];
    if (!handler) throw new Error("scriptedFetch: no handler");
    return handler(request, body);
  };
  return { fetch, calls };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function problem(status: number, code: string, headers: Record<string, string> = {}) {
  return new Response(
    JSON.stringify({
      type: `https://chronicle.dev/problems/${code}`,
      title: code,
      status,
      code,
      request_id: "req_test",
    }),
    { status, headers: { "content-type": "application/problem+json", ...headers } },
  );
}

export const networkDrop: Handler = () => {
  throw new TypeError("fetch failed");
};

/** A response whose body is the given chunks, each after `delayMs`, then optionally an error. */
export function streamingResponse(
  chunks: string[],
  options: { delayMs?: number; failAtEnd?: boolean; headers?: Record<string, string> } = {},
): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const chunk = chunks[index++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (options.failAtEnd) controller.error(new TypeError("terminated"));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, headers: options.headers });
}
