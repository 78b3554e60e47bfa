import { expect } from "vitest";
import type { ConformanceCase, ConformanceContext } from "./context.js";
import { UNKNOWN_VIEWER_TOKEN_ID } from "./credential-samples.js";

async function newViewerToken(ctx: ConformanceContext) {
  const created = await ctx.api.call("POST", "/v1/viewer-tokens", {
    body: { workspace_id: "ws_acme", ttl_seconds: 600 },
  });
  expect(created.status).toBe(201);
  return created.json as { id: string; token: string };
}

/** Viewer-token revocation, and the answers of streams over a credential's cap. */
export const CREDENTIAL_CASES: ConformanceCase[] = [
  {
    operationId: "revokeViewerToken",
    status: 200,
    when: "a viewer token of the project; the token is refused from then on",
    run: async (ctx) => {
      const token = await newViewerToken(ctx);
      const revoked = await ctx.api.call("DELETE", `/v1/viewer-tokens/${token.id}`);
      const after = await ctx.api.call("GET", "/v1/events", { key: token.token });
      expect(after.status).toBe(401);
      return revoked;
    },
    check: (r) => expect(r.json.revoked_at).toEqual(expect.any(String)),
  },
  {
    operationId: "revokeViewerToken",
    status: 400,
    code: "invalid_parameter",
    when: "an id that is not a viewer token id",
    run: (ctx) => ctx.api.call("DELETE", "/v1/viewer-tokens/chv_secret"),
  },
  {
    operationId: "revokeViewerToken",
    status: 404,
    code: "not_found",
    when: "an unknown viewer token id",
    run: (ctx) => ctx.api.call("DELETE", `/v1/viewer-tokens/${UNKNOWN_VIEWER_TOKEN_ID}`),
  },
  {
    operationId: "revokeViewerToken",
    status: 403,
    code: "forbidden",
    when: "a viewer token revoking itself",
    run: async (ctx) => {
      const token = await newViewerToken(ctx);
      return ctx.api.call("DELETE", `/v1/viewer-tokens/${token.id}`, { key: token.token });
    },
  },
];
