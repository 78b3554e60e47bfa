import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sign, verify } from "../../packages/server/src/services/integrity/signing.js";
import { repositionCursor } from "../lib/cursor.js";

describe("repositionCursor", () => {
  const secret = randomBytes(32);
  const payload = { v: 1, p: "prj_1", e: "events", f: "digest", k: "after", s: 950 };

  it("when the server's signing scheme is reproduced, then the moved cursor verifies", () => {
    const moved = repositionCursor(sign(secret, "cursor", payload), secret, 12);
    expect(moved).not.toBeNull();
    expect(verify(secret, "cursor", moved as string)).toEqual({ ...payload, s: 12 });
  });

  it("when the secret is another one, then no cursor is forged", () => {
    expect(repositionCursor(sign(secret, "cursor", payload), randomBytes(32), 12)).toBeNull();
  });
});
