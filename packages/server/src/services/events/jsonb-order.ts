/**
 * Free-form JSON (metadata, changes) as PostgreSQL's jsonb hands it back: jsonb keeps object
 * keys shorter first, then by bytes. Shaping a new event's members this way before it is
 * returned makes the ingest response byte-identical to any later read of the event, and so
 * to an idempotent replay rebuilt from `events` (bench/FINDINGS.md B2).
 */
export function asStoredJson<T>(value: T): T {
  return inJsonbKeyOrder(JSON.parse(JSON.stringify(value))) as T;
}

function compareJsonbKeys(a: string, b: string): number {
  const [aBytes, bBytes] = [Buffer.byteLength(a), Buffer.byteLength(b)];
  if (aBytes !== bBytes) return aBytes - bBytes;
  // ASCII keys (as many bytes as code units) compare as bytes by code unit, with no copy.
  if (aBytes === a.length && bBytes === b.length) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * A copy of parsed JSON with every object's keys in jsonb's order. Recursion rather than a
 * `JSON.parse` reviver, which took about twice as long (bench/FINDINGS.md B45).
 */
function inJsonbKeyOrder(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(inJsonbKeyOrder);
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort(compareJsonbKeys);
  // Defined, not assigned: `ordered["__proto__"] = …` would set the prototype and drop the
  // member from the event.
  return Object.fromEntries(keys.map((key) => [key, inJsonbKeyOrder(object[key])]));
}
