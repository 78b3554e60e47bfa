import type { IncomingMessage, ServerResponse } from "node:http";
import { constants } from "node:zlib";
import compression from "compression";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import onHeaders from "on-headers";

/** Content types worth compressing: JSON bodies, problems, lists and both export formats. */
const COMPRESSIBLE =
  /^(application\/(json|problem\+json|x-ndjson|javascript)|text\/(csv|html|plain|css|javascript))\b/;

/** Uncompressed bytes a response's compressor holds before `write()` returns false. */
const QUEUED_BYTES = 1024 * 1024;
const OUTPUT_CHUNK_BYTES = 64 * 1024;
/**
 * Smaller answers go as they are: one event, a proof, a checkpoint, a problem. Under 4 KiB
 * gzip saves at most a few KiB, all within the first flight of a connection (ten segments,
 * ~14 KiB), so no round trip; and it costs a hop through the threadpool on each side. A
 * 1.1 KiB proof over HTTP took 0.56× the time uncompressed (bench/FINDINGS.md B31).
 */
const THRESHOLD_BYTES = 4 * 1024;

const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

function compressible(res: ServerResponse): boolean {
  return COMPRESSIBLE.test(String(res.getHeader("Content-Type") ?? ""));
}

/**
 * gzip, brotli or deflate as `Accept-Encoding` asks (brotli first on a tie), streamed: an
 * export's writes wait for the compressor's `drain`, so memory stays bounded. SSE is never
 * compressed (it declares `no-transform`, and its type is excluded here), so a tail's events
 * are not held in a compressor's buffer.
 *
 * Levels favour throughput over ratio: an export is CPU-bound in the server, and on exported
 * NDJSON gzip 1 ran ~1.7× and brotli 1 ~3.5× faster than level 4 of each, for output under
 * 10 % larger (13.4× smaller than the NDJSON against 13.6× and 14.8×). Brotli keeps its
 * default window and is never flushed per chunk: at quality 1 its fast compressor ran
 * 50–70 ms per 20 MB of NDJSON streamed in 64 KiB writes whatever the window (16, 18 or 22
 * bits; gzip 1 ~90 ms), and a flush per chunk would only add output blocks. Quality 0 saved
 * ~10 % of that for 12 % more bytes: not worth it (bench/FINDINGS.md B15, B22).
 *
 * The compressor takes up to `QUEUED_BYTES` of a response before its `write()` asks the
 * writer to wait: an export then queues a whole database batch and fetches the next while the
 * threadpool compresses this one, instead of waiting for each 64 KiB chunk to be compressed
 * before reading on (still a bound per response, so a slow reader holds at most that much).
 * Output comes in 64 KiB pieces rather than zlib's 16 KiB, a quarter of the socket writes.
 *
 * A request without `Accept-Encoding` is answered as it is (the compression module would pick
 * `identity` too) without the module's per-response machinery, which was ~20 % of a
 * `GET /v1/health`; its compressible responses still declare `Vary: Accept-Encoding`.
 */
export function compressResponses(): RequestHandler {
  const stream = { chunkSize: OUTPUT_CHUNK_BYTES, highWaterMark: QUEUED_BYTES };
  const compress = compression({
    threshold: THRESHOLD_BYTES,
    level: 1,
    ...stream,
    brotli: { ...stream, params: { [constants.BROTLI_PARAM_QUALITY]: 1 } },
    filter: (_req: IncomingMessage, res: ServerResponse) => compressible(res),
  }) as RequestHandler;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers["accept-encoding"] !== undefined) return compress(req, res, next);
    onHeaders(res, varyWhenCompressible);
    next();
  };
}

/** What the compression module declares on a response it could have compressed. */
function varyWhenCompressible(this: ServerResponse): void {
  const cacheControl = this.getHeader("Cache-Control");
  if (cacheControl && NO_TRANSFORM.test(String(cacheControl))) return;
  if (compressible(this)) (this as Response).vary("Accept-Encoding");
}
