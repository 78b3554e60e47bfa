import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  updateApiKey,
} from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

/**
 * Keys: each change is recorded (`api_key.created`, `.updated`, `.rotated`, `.revoked`)
 * and reaches every replica's credential cache within a second.
 */
export function apiKeyHandlers({ config }: HandlerDeps) {
  const limits = { maxRateLimitPerMinute: config.maxKeyRateLimitPerMinute };

  const listApiKeysHandler: Handler<"listApiKeys"> = async ({ store, principal }) => {
    return { status: 200, body: await listApiKeys(store, caller(principal).projectId) };
  };

  const createApiKeyHandler: Handler<"createApiKey"> = async ({ store, principal, body }) => {
    const who = caller(principal);
    const key = await createApiKey(store, who.projectId, body, {
      recordAs: actorOf(who),
      limits,
    });
    return { status: 201, body: key };
  };

  const updateApiKeyHandler: Handler<"updateApiKey"> = async ({ store, principal, path, body }) => {
    const who = caller(principal);
    const key = await updateApiKey(store, who.projectId, path.api_key_id, body, {
      recordAs: actorOf(who),
      limits,
    });
    return { status: 200, body: key };
  };

  const rotateApiKeyHandler: Handler<"rotateApiKey"> = async ({ store, principal, path, body }) => {
    const who = caller(principal);
    const key = await rotateApiKey(store, who.projectId, path.api_key_id, body ?? {}, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: key };
  };

  const revokeApiKeyHandler: Handler<"revokeApiKey"> = async ({ store, principal, path }) => {
    const who = caller(principal);
    const key = await revokeApiKey(store, who.projectId, path.api_key_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: key };
  };

  return {
    listApiKeys: listApiKeysHandler,
    createApiKey: createApiKeyHandler,
    updateApiKey: updateApiKeyHandler,
    rotateApiKey: rotateApiKeyHandler,
    revokeApiKey: revokeApiKeyHandler,
  };
}
