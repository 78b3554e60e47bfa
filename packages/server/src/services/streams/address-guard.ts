import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * SSRF guard for stream destinations: only globally routable unicast addresses may be
 * reached. Loopback, private (RFC 1918, unique-local), link-local (169.254.0.0/16, where
 * cloud metadata lives), carrier-grade NAT, multicast, reserved and IPv6 forms that embed
 * an IPv4 address (mapped, 6to4, Teredo, NAT64) are all refused.
 */
export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() !== "unicast";
}

export class ForbiddenDestinationError extends Error {
  override name = "ForbiddenDestinationError";
  readonly code = "EFORBIDDENDESTINATION";
}

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: resolves the name and refuses a forbidden answer at connect
 * time, so a DNS answer that changes after the stream was created (rebinding) is caught.
 */
export function guardedLookup(resolveAll: LookupAll) {
  return (hostname: string, options: { all?: boolean } | number, callback: LookupCallback) => {
    resolveAll(hostname).then(
      (addresses) => {
        const forbidden = addresses.find((entry) => isForbiddenAddress(entry.address));
        if (addresses.length === 0 || forbidden) {
          callback(
            new ForbiddenDestinationError(
              `${hostname} resolves to ${forbidden?.address ?? "nothing"}, which is not a public address`,
            ),
            "",
          );
          return;
        }
        const all = typeof options === "object" && options.all;
        if (all) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? "", addresses[0]?.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}

/**
 * How long the check at creation waits for DNS. A resolver that does not answer (the
 * C library's default is two 5 s tries) held `POST /v1/streams` for 10 s; a name not
 * resolved in time passes here as an unresolvable one does, and the connect-time guard
 * (`guardedLookup`) still refuses a forbidden answer on every delivery.
 */
export const CREATION_LOOKUP_TIMEOUT_MS = 2_000;

/** The addresses of `host`, or undefined when the resolver fails or does not answer in time. */
async function addressesInTime(
  host: string,
  resolveAll: LookupAll,
): Promise<LookupAddress[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, CREATION_LOOKUP_TIMEOUT_MS, undefined);
  });
  try {
    return await Promise.race([resolveAll(host).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why `url` may not be a destination, or null; names that do not resolve (yet) pass here. */
export async function destinationUrlProblem(
  url: string,
  allowPrivateNetworks: boolean,
  resolveAll: LookupAll,
): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL";
  }
  if (parsed.username || parsed.password) return "must not carry credentials";
  if (parsed.protocol !== "https:" && !(allowPrivateNetworks && parsed.protocol === "http:")) {
    return "must be an https URL";
  }
  if (allowPrivateNetworks) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    return isForbiddenAddress(host) ? `${host} is not a public address` : null;
  }
  const addresses = await addressesInTime(host, resolveAll);
  if (!addresses) return null;
  const forbidden = addresses.find((entry) => isForbiddenAddress(entry.address));
  return forbidden
    ? `${host} resolves to ${forbidden.address}, which is not a public address`
    : null;
}
