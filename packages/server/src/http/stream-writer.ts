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
    res.on("drain", onDrain);
    res.on("close", onClose);
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
