import type { IncomingMessage, ServerResponse } from "node:http";
import compression from "compression";
import type { RequestHandler } from "express";

/** Content types worth compressing: JSON bodies, problems, lists and both export formats. */
const COMPRESSIBLE =
  /^(application\/(json|problem\+json|x-ndjson|javascript)|text\/(csv|html|plain|css|javascript))\b/;

/**
 * gzip, brotli or deflate as `Accept-Encoding` asks (brotli first on a tie), streamed: an
 * export's writes wait for the compressor's `drain`, so memory stays bounded. SSE is never
 * compressed (it declares `no-transform`, and its type is excluded here), so a tail's events
 * are not held in a compressor's buffer. Levels favour throughput over ratio (gzip 4,
 * brotli 4): an export is CPU-bound in the server, and audit JSON still shrinks ~8×.
 */
export function compressResponses(): RequestHandler {
  return compression({
    threshold: 1024,
    level: 4,
    filter: (_req: IncomingMessage, res: ServerResponse) =>
      COMPRESSIBLE.test(String(res.getHeader("Content-Type") ?? "")),
  }) as RequestHandler;
}
