import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../contract/problem.js";
import { newRequestId } from "./request-id.js";
import { DEFAULT_VERSION } from "./version.js";

/** The answers Node's HTTP server gives by itself, for the errors that are not ours to word. */
const PLAIN_ANSWERS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
};

function headersTooLarge(): string {
  const requestId = newRequestId();
  const body = JSON.stringify(
    problemBody(
      "headers_too_large",
      requestId,
      "The request's header fields are larger than the server accepts",
    ),
  );
  return [
    "HTTP/1.1 431 Request Header Fields Too Large",
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Request-Id: ${requestId}`,
    `Chronicle-Version: ${DEFAULT_VERSION}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * Node answers a request it cannot parse before Express sees it (431 for headers over
 * `--max-http-header-size`, 400 for malformed HTTP). With this listener a 431 is a
 * `problem+json` with its stable code like every other error; the rest keep Node's answers.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const responding = (socket as { _httpMessage?: unknown })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || responding) {
      socket.destroy();
      return;
    }
    if (error.code === "HPE_HEADER_OVERFLOW") {
      socket.end(headersTooLarge());
      return;
    }
    const status = PLAIN_ANSWERS[error.code ?? ""] ?? "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
}
