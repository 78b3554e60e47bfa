/** RFC 6901 JSON Pointer: one reference token escaped (`~` → `~0`, `/` → `~1`) and back. */

export function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}
