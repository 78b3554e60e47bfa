import type { Response } from "express";

/** True once the client has gone away (or the response was ended). */
export function isGone(res: Response): boolean {
  return res.destroyed || res.writableEnded || res.req.destroyed;
}

/**
 * Writes one chunk and waits for `drain` when the socket buffer is full, so a slow
 * client slows the database reads instead of growing memory. Resolves false when the
 * client went away.
 */
export function writeChunk(res: Response, chunk: string): Promise<boolean> | boolean {
  if (isGone(res)) return false;
  if (res.write(chunk)) return true;
  // Two plain listeners, removed once either fires: an AbortController pair per wait cost
  // ~8 % of an export's CPU (bench/FINDINGS.md B6).
  return new Promise((resolve) => {
    const settle = (open: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(open);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    // `once`: under the compression middleware `drain` listeners live on its compressor
    // (it overrides `res.on`, not `res.off`), so only a self-removing one does not pile up.
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/** Resolves when the client disconnects; used to stop iterators early. */
export function onClientGone(res: Response, callback: () => void): () => void {
  const listener = () => {
    if (!res.writableFinished) callback();
  };
  res.on("close", listener);
  return () => res.off("close", listener);
}

/** A client that does not read would keep an ended response open: give it this long. */
const END_GRACE_MS = 2_000;

/** Ends the response, and drops the connection if the client has not taken it all soon. */
export function endStreamSoon(res: Response): void {
  if (!res.writableEnded) res.end();
  const timer = setTimeout(() => {
    if (!res.writableFinished) res.destroy();
  }, END_GRACE_MS);
  timer.unref();
  res.once("close", () => clearTimeout(timer));
}
