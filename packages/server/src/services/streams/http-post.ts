import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type KeepAliveAgents, keepAliveAgents } from "../system/keep-alive-agents.js";
import {
  ForbiddenDestinationError,
  guardedLookup,
  isForbiddenAddress,
  type LookupAll,
} from "./address-guard.js";

export interface PostOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  resolveAll: LookupAll;
  agents: KeepAliveAgents;
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** From Retry-After (seconds or an HTTP date), when the destination sent one. */
  retryAfterMs: number | null;
  error: string | null;
}

/** Response bodies are read only this far: enough for an error message, never more. */
const BODY_CAP = 4096;

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A destination's idle connection goes after 4 s: less than the 5 s Node and Apache keep one. */
const IDLE_CONNECTION_MS = 4_000;

export function createAgents(): KeepAliveAgents {
  return keepAliveAgents(4, IDLE_CONNECTION_MS);
}

/**
 * One POST, with a deadline covering connect, upload and response, no redirects followed
 * (a 3xx is a failure), and the address checked when the connection is made.
 */
export function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: PostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    // Declared before `finish`: the checks below settle before the deadline is armed.
    let deadline: NodeJS.Timeout | undefined;
    const finish = (result: Omit<PostResult, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const fail = (error: string) => finish({ ok: false, status: null, retryAfterMs: null, error });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      fail("invalid destination URL");
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, "");
    if (!options.allowPrivateNetworks && isIP(host) && isForbiddenAddress(host)) {
      fail(new ForbiddenDestinationError(`${host} is not a public address`).message);
      return;
    }
    const secure = target.protocol === "https:";
    let request: http.ClientRequest;
    try {
      request = (secure ? https : http).request(target, {
        method: "POST",
        agent: secure ? options.agents.https : options.agents.http,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup(options.resolveAll) }),
      });
    } catch (error) {
      // A header value Node refuses (a credential stored before the contract bounded it).
      fail(`request not sent: ${(error as Error).message}`);
      return;
    }
    deadline = setTimeout(() => {
      // Settle first: once a response has begun, destroying may not surface as an error.
      fail(`timed out after ${options.timeoutMs} ms`);
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error) => fail(error.message));
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        // The receiver's words are stored with the attempt: no NUL, which text cannot hold.
        const text = Buffer.concat(chunks)
          .toString("utf8")
          .slice(0, 500)
          .replaceAll("\u0000", "\ufffd");
        const ok = status >= 200 && status < 300;
        let error: string | null = null;
        if (status >= 300 && status < 400) {
          error = `redirect not followed (${status} to ${response.headers.location ?? "nowhere"})`;
        } else if (!ok) error = `HTTP ${status}${text ? `: ${text}` : ""}`;
        finish({
          ok,
          status,
          retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
          error,
        });
        response.destroy();
      };
      response.on("data", (chunk: Buffer) => {
        if (size < BODY_CAP) chunks.push(chunk.subarray(0, BODY_CAP - size));
        size += chunk.length;
        if (size >= BODY_CAP) done();
      });
      response.on("end", done);
      response.on("error", (error) => fail(error.message));
      response.on("aborted", () => fail("response aborted"));
    });
    request.end(body);
  });
}
