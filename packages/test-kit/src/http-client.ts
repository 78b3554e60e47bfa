import { checkResponse } from "./contract-check.js";

/** What `client` returns: one call per request. */
export type Client = ReturnType<typeof client>;

/** A tiny fetch wrapper: JSON in, parsed JSON out, headers kept; every answer is checked against the contract. */
export function client(base: string, key?: string) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; raw?: string | Uint8Array } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    if (key) headers.Authorization = `Bearer ${key}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.raw !== undefined) {
      body = typeof options.raw === "string" ? options.raw : new Uint8Array(options.raw);
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    checkResponse(
      method,
      `${base}${path}`,
      response.status,
      response.headers.get("content-type"),
      json,
    );
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
    return { status: response.status, headers: response.headers, json: json as any, text };
  };
}
