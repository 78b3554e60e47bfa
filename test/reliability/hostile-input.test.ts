import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProjectWithCli, type ServerProcess, startServerProcess } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authHeaders,
  type FailedRequest,
  problemMismatch,
  runLength,
  type TimedResponse,
  timedRequest,
} from "./support/index.js";

/**
 * Hostile input against a real `chronicle serve` process (PGlite: the case is about the
 * server alone). A tenant's catastrophic regex must not stall another tenant, and every
 * input built to crash the server is a 4xx problem+json while the process stays up.
 */

const PATHOLOGICAL_PATTERN = "^(a+)+$";
const json = (apiKey: string, extra: Record<string, string> = {}) =>
  authHeaders(apiKey, { "Content-Type": "application/json", ...extra });

function event(action: string, metadata: Record<string, unknown> = {}) {
  return { action, actor: { type: "user", id: "usr_1" }, metadata };
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

describe("hostile input against a server process", () => {
  let server: ServerProcess;
  let attacker: string;
  let victim: string;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chronicle-rel-hostile-"));
    attacker = (await createProjectWithCli({ dataDir }, "Attacker")).api_key;
    victim = (await createProjectWithCli({ dataDir }, "Victim")).api_key;
    server = await startServerProcess({ dataDir, startTimeoutMs: 180_000 });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** The victim's everyday requests: health, a list, a write. Latencies of those that succeed. */
  async function victimRound(rounds: number): Promise<{ latencies: number[]; failures: string[] }> {
    const latencies: number[] = [];
    const failures: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const requests: [string, RequestInit, number][] = [
        [`${server.url}/v1/health`, {}, 200],
        [`${server.url}/v1/events?limit=10`, { headers: authHeaders(victim) }, 200],
        [
          `${server.url}/v1/events`,
          {
            method: "POST",
            headers: json(victim),
            body: JSON.stringify(event("victim.worked", { round })),
          },
          201,
        ],
      ];
      const [url, init, expected] = requests[round % requests.length] as (typeof requests)[0];
      const response = await timedRequest(url, { ...init, timeoutMs: 30_000 });
      if (response.status !== expected) {
        failures.push(
          `${url}: ${response.status} ${JSON.stringify((response as TimedResponse).body ?? (response as FailedRequest).error)}`,
        );
      } else latencies.push(response.elapsedMs);
    }
    return { latencies, failures };
  }

  it("when a tenant's metadata schema holds a catastrophic pattern, then other tenants' p99 stays within a generous ratio of its baseline", async () => {
    const defined = await timedRequest(`${server.url}/v1/actions/regex.attack`, {
      method: "PUT",
      headers: json(attacker),
      body: JSON.stringify({
        metadata_schema: {
          properties: { name: { type: "string", pattern: PATHOLOGICAL_PATTERN } },
        },
      }),
    });
    expect(defined.status).toBe(200);

    // The reproduction: 31 bytes held a backtracking engine for minutes.
    const single = await timedRequest(`${server.url}/v1/events`, {
      method: "POST",
      headers: json(attacker),
      body: JSON.stringify(event("regex.attack", { name: `${"a".repeat(30)}!` })),
      timeoutMs: 30_000,
    });
    expect(problemMismatch(single, 422, "validation_failed")).toBeUndefined();

    const rounds = runLength(60, 300);
    await victimRound(6); // warm-up
    const baseline = await victimRound(rounds);

    let attacking = true;
    const attackAnswers: (TimedResponse | FailedRequest)[] = [];
    const batch = JSON.stringify({
      events: Array.from({ length: 100 }, (_, index) =>
        event("regex.attack", { name: `${"a".repeat(2_000 + index)}!` }),
      ),
    });
    const attack = async () => {
      while (attacking) {
        attackAnswers.push(
          await timedRequest(`${server.url}/v1/events/batch`, {
            method: "POST",
            headers: json(attacker),
            body: batch,
            timeoutMs: 60_000,
          }),
        );
      }
    };
    const attackers = [attack(), attack()];
    const underAttack = await victimRound(rounds);
    attacking = false;
    await Promise.all(attackers);

    expect(baseline.failures).toEqual([]);
    expect(underAttack.failures).toEqual([]);
    expect(attackAnswers.length).toBeGreaterThan(0);
    const attackMismatches = attackAnswers
      .map((answer) => problemMismatch(answer, 422, "validation_failed"))
      .filter((reason) => reason !== undefined);
    expect(attackMismatches).toEqual([]);
    const pointer = ((attackAnswers[0] as TimedResponse).body as { errors: { pointer: string }[] })
      .errors[0]?.pointer;
    expect(pointer).toBe("/events/0/metadata/name");

    const p99Baseline = percentile(baseline.latencies, 0.99);
    const p99Attack = percentile(underAttack.latencies, 0.99);
    console.info(
      `regex attack: victim p99 ${p99Baseline.toFixed(1)} ms alone, ${p99Attack.toFixed(1)} ms under attack ` +
        `(${(p99Attack / p99Baseline).toFixed(2)}x); ${attackAnswers.length} attack batches of 100 answered 422`,
    );
    // Generous: two attackers share the CPU with the victim on a loaded machine. A backtracking
    // engine stalls every request for minutes (ratio in the thousands, or no answer at all).
    expect(p99Attack).toBeLessThan(Math.max(20 * p99Baseline, p99Baseline + 2_000));
    expect(server.alive).toBe(true);
  }, 300_000);

  it("when bodies and headers are built to crash the server, then each is a 4xx problem+json and the process stays up", async () => {
    const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const withMetadata = (metadata: string) =>
      `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":${metadata}}`;
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"action":"a.b","actor":{"type":"user","id":"u"},"summary":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const schema = (metadata_schema: unknown) => JSON.stringify({ metadata_schema });
    const cases: [
      string,
      string,
      string,
      RequestInit["body"],
      Record<string, string>,
      number,
      string,
    ][] = [
      [
        "deep array",
        "POST",
        "/v1/events",
        withMetadata(`{"x":${deepArray}}`),
        {},
        422,
        "validation_failed",
      ],
      [
        "deep object",
        "POST",
        "/v1/events/batch",
        `{"events":[${deepObject}]}`,
        {},
        422,
        "validation_failed",
      ],
      [
        "deep schema body",
        "PUT",
        "/v1/actions/deep.schema",
        `{"metadata_schema":${deepObject}}`,
        {},
        422,
        "validation_failed",
      ],
      ["deep project patch", "PATCH", "/v1/project", deepArray, {}, 422, "validation_failed"],
      ["1e400", "POST", "/v1/events", withMetadata('{"n":1e400}'), {}, 422, "validation_failed"],
      ["1e-400", "POST", "/v1/events", withMetadata('{"n":1e-400}'), {}, 422, "validation_failed"],
      [
        "integer past 2^53",
        "POST",
        "/v1/events",
        withMetadata('{"n":123456789012345678901}'),
        {},
        422,
        "validation_failed",
      ],
      ["invalid UTF-8", "POST", "/v1/events", invalidUtf8, {}, 400, "invalid_json"],
      [
        "latin1 charset",
        "POST",
        "/v1/events",
        withMetadata("{}"),
        { "Content-Type": "application/json; charset=latin1" },
        415,
        "unsupported_media_type",
      ],
      ["malformed JSON", "POST", "/v1/events", '{"action":', {}, 400, "invalid_json"],
      [
        "backreference",
        "PUT",
        "/v1/actions/bad.pattern",
        schema({ properties: { x: { pattern: "(a)\\1" } } }),
        {},
        422,
        "validation_failed",
      ],
      [
        "lookahead",
        "PUT",
        "/v1/actions/bad.pattern",
        schema({ patternProperties: { "^(?!x)": {} } }),
        {},
        422,
        "validation_failed",
      ],
      [
        "recursive schema",
        "PUT",
        "/v1/actions/bad.schema",
        schema({ anyOf: [{ $ref: "#" }, { type: "array" }] }),
        {},
        422,
        "validation_failed",
      ],
      [
        "oversized schema",
        "PUT",
        "/v1/actions/bad.schema",
        schema({ description: "x".repeat(40_000) }),
        {},
        422,
        "validation_failed",
      ],
      [
        "quadratic uniqueItems",
        "PUT",
        "/v1/actions/bad.schema",
        schema({ type: "array", uniqueItems: true }),
        {},
        422,
        "validation_failed",
      ],
      [
        "431 headers",
        "GET",
        "/v1/events",
        undefined,
        { "X-Padding": "x".repeat(20_000) },
        431,
        "headers_too_large",
      ],
    ];
    const mismatches: string[] = [];
    for (const [name, method, path, body, headers, status, code] of cases) {
      const response = await timedRequest(`${server.url}${path}`, {
        method,
        headers: json(attacker, headers),
        body,
        timeoutMs: 30_000,
      });
      const reason = problemMismatch(response, status, code);
      if (reason) mismatches.push(`${name}: ${reason}`);
    }
    expect(mismatches).toEqual([]);
    expect(server.alive).toBe(true);
    expect((await timedRequest(`${server.url}/v1/health`)).status).toBe(200);
    expect(server.output()).not.toMatch(/unhandled error|RangeError|Maximum call stack/);
  }, 120_000);
});
