import { revokeViewerToken } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

/** Revoking a viewer token is recorded as `viewer_token.revoked`; its open streams end. */
export function viewerTokenHandlers({ store }: HandlerDeps) {
  const revokeViewerTokenHandler: Handler<"revokeViewerToken"> = async ({ principal, path }) => {
    const who = caller(principal);
    const token = await revokeViewerToken(store, who.projectId, path.viewer_token_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: token };
  };

  return { revokeViewerToken: revokeViewerTokenHandler };
}
