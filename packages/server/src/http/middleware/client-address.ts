import { isIP } from "node:net";
import type { Request } from "express";

interface Relay {
  /** The replica's URL, proven by its HMAC. */
  replica: string;
  /** The client's address as the replica named it, when it named an IP address. */
  client?: string;
}

const relays = new WeakMap<Request, Relay>();

/**
 * The client's address: as the replica that relayed the request names it, else as Express
 * sees it (`trust proxy` decides whether X-Forwarded-For counts).
 */
export function clientAddress(req: Request): string {
  return relays.get(req)?.client ?? req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/** The replica that relayed the request and proved it, if one did. */
export function relayingReplica(req: Request): string | undefined {
  return relays.get(req)?.replica;
}

/** Records that `replica`, which proved itself, relayed the request for the client at `address`. */
export function setRelayedClient(req: Request, replica: string, address: string): void {
  relays.set(req, isIP(address) === 0 ? { replica } : { replica, client: address });
}
