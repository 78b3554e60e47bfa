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

/** Reads SSE messages until `count` `data` payloads arrived or `timeoutMs` passed. */
async function readSse(response: Response, count: number, timeoutMs: number): Promise<string[]> {
  const data: string[] = [];
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
        const lines = block.split("\n").filter((l) => l.startsWith("data:"));
        if (lines.length > 0) data.push(lines.map((l) => l.slice(5).replace(/^ /, "")).join("\n"));
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
    if (isSse) {
      sseData = await readSse(response, options.sseMessages ?? 0, options.sseTimeoutMs ?? 5000);
      abort.abort();
    } else {
      text = await response.text();
    }
    const observed: ObservedResponse = {
      status: response.status,
      headers: response.headers,
      text,
      ...(sseData ? { sseData } : {}),
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
