import { ServiceError } from "../../domain/errors.js";
import { issueViewerToken, revokeViewerToken } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { hasScope } from "../middleware/principal.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

export function viewerTokenHandlers(_deps: HandlerDeps) {
  /** A key hands out at most what it holds: `activity:export` needs the key to have it. */
  const createViewerToken: Handler<"createViewerToken"> = async ({ store, principal, body }) => {
    const who = caller(principal);
    const request = body;
    for (const scope of request.scopes ?? []) {
      if (!hasScope(who, scope)) {
        throw new ServiceError("forbidden", `This key cannot grant ${scope} it does not hold`);
      }
    }
    const token = await issueViewerToken(store, who, request);
    return { status: 201, body: token };
  };

  /** Revoking a viewer token is recorded as `viewer_token.revoked`; its open streams end. */
  const revokeViewerTokenHandler: Handler<"revokeViewerToken"> = async ({
    store,
    principal,
    path,
  }) => {
    const who = caller(principal);
    const token = await revokeViewerToken(store, who.projectId, path.viewer_token_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: token };
  };

  return { createViewerToken, revokeViewerToken: revokeViewerTokenHandler };
}
