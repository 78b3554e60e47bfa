/**
 * Free-form JSON (metadata, changes) as PostgreSQL's jsonb hands it back: jsonb keeps object
 * keys shorter first, then by bytes. Shaping a new event's members this way before it is
 * returned makes the ingest response byte-identical to any later read of the event, and so
 * to an idempotent replay rebuilt from `events` (bench/FINDINGS.md B2).
 */
export function asStoredJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, member: unknown) =>
    member !== null && typeof member === "object" && !Array.isArray(member)
      ? inJsonbKeyOrder(member as Record<string, unknown>)
      : member,
  ) as T;
}

function compareJsonbKeys(a: string, b: string): number {
  const lengths = Buffer.byteLength(a) - Buffer.byteLength(b);
  return lengths !== 0 ? lengths : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function inJsonbKeyOrder(object: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(object);
  if (keys.length < 2) return object;
  // Defined, not assigned: `ordered["__proto__"] = …` would set the prototype and drop the
  // member from the event.
  return Object.fromEntries(keys.sort(compareJsonbKeys).map((key) => [key, object[key]]));
}
