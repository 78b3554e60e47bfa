import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactSecrets } from "../../src/telemetry/logger.js";

/** A JSON logger writing into an array of parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger("info", { format: "json", destination }) };
}

describe("the logger's redaction", () => {
  it("when a line holds secrets at the top level or one or two objects down, then they are written as [redacted]", async () => {
    const { lines, logger } = capture();
    const fields = {
      token: "tok_1",
      headers: { authorization: "Bearer k", accept: "*/*" },
      destination: { config: { password: "p", host: "db" } },
      keys: [{ api_key: "ck_1", id: "key_1" }],
      status: 201,
    };
    logger.info("request", fields);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({
      level: "info",
      message: "request",
      token: "[redacted]",
      headers: { authorization: "[redacted]", accept: "*/*" },
      destination: { config: { password: "[redacted]", host: "db" } },
      keys: [{ api_key: "[redacted]", id: "key_1" }],
      status: 201,
    });
    // The caller's objects are not changed.
    expect(fields.headers.authorization).toBe("Bearer k");
    expect(fields.destination.config.password).toBe("p");
    expect(fields.keys[0]?.api_key).toBe("ck_1");
  });

  it("when nothing in a line is secret, then the same object is passed on (no copy)", () => {
    const fields = { request_id: "req_1", status: 200, nested: { a: [1, 2] } };
    expect(redactSecrets(fields)).toBe(fields);
  });

  it("when an Error or a Date is logged, then it is passed on as it is", () => {
    const error = Object.assign(new Error("boom"), { key: "not walked into" });
    const at = new Date(0);
    const out = redactSecrets({ error, at });
    expect(out.error).toBe(error);
    expect(out.at).toBe(at);
  });
});
