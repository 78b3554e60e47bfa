import { matchOperation } from "./contract.js";
import { contractViolations, type ObservedResponse } from "./response-check.js";

export interface CallOptions {
  /** Serialised as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent as-is (with whatever Content-Type `headers` says). */
  raw?: string;
  headers?: Record<string, string>;
  /** The bearer credential; `null` sends no Authorization header. */
  key?: string | null;
  /** For SSE: read this many messages, then hang up (default: read none). */
  sseMessages?: number;
  /** For SSE: give up waiting for messages after this long (default 5 s). */
  sseTimeoutMs?: number;
}

export interface CallResult extends ObservedResponse {
  operationId: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
  json: any;
  /** Every way this response breaks the contract; empty when it conforms. */
  violations: string[];
}

export interface Observation {
  operationId: string;
  status: number;
  violations: string[];
}

/** One dispatched SSE message, as a parser hands it over (`retry` as a number). */
export type SseMessage = Record<string, string | number>;

/** Fields of one SSE block; a block without `data` dispatches no message. */
function messageOf(block: string): SseMessage | undefined {
  const message: SseMessage = {};
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) message.retry = Number(value);
    else if (field === "id" || field === "event") message[field] = value;
  }
  if (data.length === 0) return undefined;
  message.data = data.join("\n");
  return message;
}

/** Reads SSE messages until `count` messages arrived or `timeoutMs` passed. */
async function readSse(
  response: Response,
  count: number,
  timeoutMs: number,
): Promise<SseMessage[]> {
  const data: SseMessage[] = [];
  if (!response.body) return data;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + timeoutMs;
  let buffer = "";
  try {
    while (data.length < count && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => setTimeout(() => r(null), Math.max(0, deadline - Date.now()))),
      ]);
      if (chunk === null || chunk.done) break;
      buffer += chunk.value.replaceAll("\r\n", "\n");
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = messageOf(block);
        if (message) data.push(message);
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return data;
}

/**
 * A fetch client for one server that checks every response against the contract and
 * remembers which operation × status pairs it has seen (for the coverage check).
 */
export class RecordingClient {
  readonly observations: Observation[] = [];

  constructor(
    readonly base: string,
    readonly defaultKey: string | null,
  ) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
    const url = new URL(path, this.base);
    const operation = matchOperation(method, url.pathname);
    if (!operation)
      throw new Error(`${method} ${url.pathname} is not an operation of the contract`);
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.defaultKey : options.key;
    if (key !== null) headers.Authorization = `Bearer ${key}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
    const abort = new AbortController();
    const response = await fetch(url, { method, headers, body, signal: abort.signal });
    const isSse = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
    let text = "";
    let sseData: string[] | undefined;
    let sseMessages: SseMessage[] | undefined;
    if (isSse) {
      sseMessages = await readSse(response, options.sseMessages ?? 0, options.sseTimeoutMs ?? 5000);
      sseData = sseMessages.map((message) => String(message.data));
      abort.abort();
    } else {
      text = await response.text();
    }
    const observed: ObservedResponse = {
      status: response.status,
      headers: response.headers,
      text,
      ...(sseData ? { sseData } : {}),
      ...(sseMessages ? { sseMessages } : {}),
    };
    const violations = contractViolations(operation, observed);
    this.observations.push({
      operationId: operation.operationId,
      status: response.status,
      violations,
    });
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { ...observed, operationId: operation.operationId, json, violations };
  }
}
