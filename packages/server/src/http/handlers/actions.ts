import { defineAction, listActionSchemas, listActions } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { caller, type HandlerDeps } from "./deps.js";

/** The project's action catalog: the actions events may name, with their metadata schemas. */
export function actionHandlers(_deps: HandlerDeps) {
  const listActionsHandler: Handler<"listActions"> = async ({ store, principal }) => {
    return { status: 200, body: await listActions(store, caller(principal).projectId) };
  };

  const defineActionHandler: Handler<"defineAction"> = async ({ store, principal, path, body }) => {
    const action = await defineAction(store, caller(principal).projectId, path.action, body);
    return { status: 200, body: action };
  };

  const listActionSchemasHandler: Handler<"listActionSchemas"> = async ({
    store,
    principal,
    path,
  }) => {
    const schemas = await listActionSchemas(store, caller(principal).projectId, path.action);
    return { status: 200, body: schemas };
  };

  return {
    listActions: listActionsHandler,
    defineAction: defineActionHandler,
    listActionSchemas: listActionSchemasHandler,
  };
}
