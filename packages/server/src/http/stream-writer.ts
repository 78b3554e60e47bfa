import { once } from "node:events";
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
export async function writeChunk(res: Response, chunk: string): Promise<boolean> {
  if (isGone(res)) return false;
  if (res.write(chunk)) return true;
  const abort = new AbortController();
  const { signal } = abort;
  try {
    return await Promise.race([
      once(res, "drain", { signal }).then(() => true),
      once(res, "close", { signal }).then(() => false),
    ]);
  } finally {
    abort.abort();
  }
}

/** Resolves when the client disconnects; used to stop iterators early. */
export function onClientGone(res: Response, callback: () => void): () => void {
  const listener = () => {
    if (!res.writableFinished) callback();
  };
  res.on("close", listener);
  return () => res.off("close", listener);
}
