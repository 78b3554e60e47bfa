import { createApiKey, listApiKeys, revokeApiKey } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

/** Creating and revoking keys are recorded as `api_key.created` / `api_key.revoked`. */
export function apiKeyHandlers({ store }: HandlerDeps) {
  const listApiKeysHandler: Handler<"listApiKeys"> = async ({ principal }) => {
    return { status: 200, body: await listApiKeys(store, caller(principal).projectId) };
  };

  const createApiKeyHandler: Handler<"createApiKey"> = async ({ principal, body }) => {
    const who = caller(principal);
    const key = await createApiKey(store, who.projectId, body, {
      recordAs: actorOf(who),
    });
    return { status: 201, body: key };
  };

  const revokeApiKeyHandler: Handler<"revokeApiKey"> = async ({ principal, path }) => {
    const who = caller(principal);
    const key = await revokeApiKey(store, who.projectId, path.api_key_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: key };
  };

  return {
    listApiKeys: listApiKeysHandler,
    createApiKey: createApiKeyHandler,
    revokeApiKey: revokeApiKeyHandler,
  };
}
