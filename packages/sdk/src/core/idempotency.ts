/**
 * A random idempotency key (128 bits, hex). Uses `crypto.getRandomValues`, which every
 * runtime has, rather than `randomUUID`, which browsers only offer in secure contexts.
 */
export function generateIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `sdk_${hex}`;
}
