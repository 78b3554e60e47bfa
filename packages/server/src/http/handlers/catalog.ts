import type { ViewerTokenCreate } from "@chronicle/types";
import {
  defineAction,
  issueViewerToken,
  listActions,
  verifyIntegrity,
} from "../../services/index.js";
import type { Handler } from "../handler-types.js";
import { hasScope } from "../principal.js";
import { HttpProblem } from "../problem.js";
import { caller, type HandlerDeps } from "./deps.js";

/** Issue 4: action catalog, integrity verification and viewer tokens. */
export function catalogHandlers({ store }: HandlerDeps) {
  const listActionsHandler: Handler<"listActions"> = async ({ principal }) => {
    return { status: 200, body: await listActions(store, caller(principal).projectId) };
  };

  const defineActionHandler: Handler<"defineAction"> = async ({ principal, path, body }) => {
    const action = await defineAction(store, caller(principal).projectId, path.action, body);
    return { status: 200, body: action };
  };

  const verifyIntegrityHandler: Handler<"verifyIntegrity"> = async ({ principal, query }) => {
    const { from_seq, to_seq } = query;
    const range: { fromSeq?: number; toSeq?: number } = {};
    if (from_seq !== undefined) range.fromSeq = from_seq;
    if (to_seq !== undefined) range.toSeq = to_seq;
    return { status: 200, body: await verifyIntegrity(store, caller(principal).projectId, range) };
  };

  /** A key hands out at most what it holds: `activity:export` needs the key to have it. */
  const createViewerToken: Handler<"createViewerToken"> = async ({ principal, body }) => {
    const who = caller(principal);
    const request: ViewerTokenCreate = body;
    for (const scope of request.scopes ?? []) {
      if (!hasScope(who, scope)) {
        throw new HttpProblem("forbidden", `This key cannot grant ${scope} it does not hold`);
      }
    }
    const token = await issueViewerToken(store, who.projectId, who.id, request);
    return { status: 201, body: token };
  };

  return {
    listActions: listActionsHandler,
    defineAction: defineActionHandler,
    verifyIntegrity: verifyIntegrityHandler,
    createViewerToken,
  };
}
