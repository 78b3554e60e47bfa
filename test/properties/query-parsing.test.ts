import {
  createTestDatabase,
  newProject,
  type Store,
  type TestDatabase,
  type TestServer,
} from "@chronicle/test-kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchOperation } from "../conformance/support/contract.js";
import { RecordingClient } from "../conformance/support/recording-client.js";
import { collectingLogger, serve } from "../conformance/support/reference-server.js";

/**
 * Filters and paging parameters are untrusted input parsed by the server's validation
 * layer (ajv over the contract) and turned into SQL. Whatever the query string, the answer
 * is a page or a 400 problem that the contract documents — never a 500.
 */

const logger = collectingLogger();
let database: TestDatabase;
let store: Store;
let server: TestServer;
let api: RecordingClient;

beforeAll(async () => {
  database = await createTestDatabase("pglite", { migrated: true });
  store = await database.open();
  server = await serve(store, logger);
  const project = await newProject(store, "Query properties");
  api = new RecordingClient(server.base, project.key);
  const created = await api.call("POST", "/v1/events/batch", {
    body: {
      events: ["issue.created", "issue.updated", "user.login"].map((action, i) => ({
        action,
        actor: { type: "user", id: `usr_${i}`, name: "Zoë" },
        target: { type: "issue", id: `ISS-${i}` },
        workspace_id: "ws_acme",
        summary: `50% done_${i}`,
        changes: { before: { a: i }, after: { a: i + 1 } },
      })),
    },
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await server.close();
  await store.close();
  await database.drop();
});

/** Values near the contract's rules and far from them, including NUL, %, _ and emoji. */
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom("\u0000", "%", "_", "\\", "'", '"', "*", ".", "a", "Z", "é", "😀"),
    maxLength: 12,
  }),
  fc.constantFrom(
    "issue.*",
    "issue.created",
    "*",
    ".*",
    "user",
    "agent",
    "asc",
    "desc",
    "true",
    "false",
    "ndjson",
    "csv",
    "0",
    "-1",
    "1e3",
    "201",
    "9007199254740993",
    "2026-11-23T10:15:30.123Z",
    "2026-02-30T00:00:00Z",
    "2026-06-30T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999+14:00",
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

/**
 * A query string: mostly the operation's own parameters (so that the request gets past
 * the unknown-parameter check and reaches the SQL), sometimes any name, sometimes raw text.
 */
function queryString(names: string[]) {
  const name = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const pairs = fc
    .array(fc.tuple(name, value), { minLength: 1, maxLength: 4 })
    .map((list) =>
      list.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
    );
  const raw = fc.string({
    unit: fc.constantFrom("a", "=", "&", "%", "2", "F", "0", "[", "]", "+", ".", "_"),
    maxLength: 30,
  });
  return fc.oneof({ weight: 9, arbitrary: pairs }, { weight: 1, arbitrary: raw });
}

function queryNames(path: string): string[] {
  const operation = matchOperation("GET", path);
  if (!operation) throw new Error(`no operation for ${path}`);
  return operation.queryParameters;
}

const PATHS = [
  "/v1/events",
  "/v1/events/export",
  "/v1/targets/issue/ISS-1/events",
  "/v1/workspaces/ws_acme/events",
  "/v1/integrity",
  "/v1/events/stream",
];

describe("query parsing", () => {
  for (const path of PATHS) {
    it(`${path}: any query string gets a page or a documented 400, never a 500`, async () => {
      logger.errors.length = 0;
      await fc.assert(
        fc.asyncProperty(queryString(queryNames(path)), async (query) => {
          const result = await api.call("GET", `${path}?${query}`);
          expect([200, 400], `${path}?${query} → ${result.text.slice(0, 200)}`).toContain(
            result.status,
          );
          expect(result.violations, `${path}?${query}`).toEqual([]);
          if (result.status === 400) {
            expect(["invalid_parameter", "invalid_cursor"]).toContain(result.json.code);
          }
        }),
        { numRuns: path.endsWith("stream") ? 60 : 150 },
      );
      expect(logger.errors).toEqual([]);
    });
  }

  /** Path segments are untrusted too: any bytes, percent-encoded or raw-escaped. */
  const segment = fc.oneof(
    fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    fc.string({
      unit: fc.constantFrom("%", "F", "0", "E", "A", "a", ".", "_", "-", "~"),
      minLength: 1,
      maxLength: 9,
    }),
  );
  const templated = [
    (s: string) => `/v1/events/${s}`,
    (s: string) => `/v1/targets/${s}/issue/events`,
    (s: string) => `/v1/targets/issue/${s}/events`,
    (s: string) => `/v1/workspaces/${s}/events`,
  ];
  it("any path segment gets a documented answer (200, 400 or 404), never a 500", async () => {
    logger.errors.length = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templated), segment, async (make, value) => {
        const path = make(value);
        fc.pre(!value.startsWith(".") && matchOperation("GET", path) !== undefined);
        const result = await api.call("GET", path);
        expect([200, 400, 404], `${path} → ${result.text.slice(0, 200)}`).toContain(result.status);
        expect(result.violations, path).toEqual([]);
      }),
      { numRuns: 200 },
    );
    expect(logger.errors).toEqual([]);
  });
});
