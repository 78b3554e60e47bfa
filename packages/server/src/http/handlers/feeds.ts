import { ServiceError } from "../../domain/errors.js";
import { listEvents } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { clientGoneSignal } from "./client-gone.js";
import { caller, type HandlerDeps } from "./deps.js";
import { filtersOf, listOptionsOf, pinWorkspace } from "./event-query.js";

/** The feed of one object and the feed of one end-customer workspace. */
export function feedHandlers(_deps: HandlerDeps) {
  const listTargetEvents: Handler<"listTargetEvents"> = async ({
    store,
    principal,
    path,
    query,
    res,
  }) => {
    const who = caller(principal);
    const { target_type, target_id } = path;
    // A pinned credential reads the object's feed inside its own workspace only.
    const filters = pinWorkspace(who, filtersOf(query));
    const page = await listEvents(store, who.projectId, filters, {
      ...listOptionsOf(query),
      scope: { kind: "target", type: target_type, id: target_id },
      signal: clientGoneSignal(res),
    });
    return { status: 200, body: page };
  };

  const listWorkspaceEvents: Handler<"listWorkspaceEvents"> = async ({
    store,
    principal,
    path,
    query,
    res,
  }) => {
    const who = caller(principal);
    const { workspace_id } = path;
    if (who.workspaceId !== null && who.workspaceId !== workspace_id) {
      throw new ServiceError("forbidden", "This credential is pinned to another workspace");
    }
    const filters = pinWorkspace(who, filtersOf(query));
    const page = await listEvents(store, who.projectId, filters, {
      ...listOptionsOf(query),
      scope: { kind: "workspace", id: workspace_id },
      signal: clientGoneSignal(res),
    });
    return { status: 200, body: page };
  };

  return { listTargetEvents, listWorkspaceEvents };
}
