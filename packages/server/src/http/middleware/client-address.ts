import { isIP } from "node:net";
import type { Request } from "express";

const relayed = new WeakMap<Request, string>();

/**
 * The client's address: as the replica that relayed the request names it, else as Express
 * sees it (`trust proxy` decides whether X-Forwarded-For counts).
 */
export function clientAddress(req: Request): string {
  return relayed.get(req) ?? req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/** Records the address a replica that proved itself named for the request's client. */
export function setRelayedClient(req: Request, address: string): void {
  if (isIP(address) !== 0) relayed.set(req, address);
}
