import { getProject, updateProject } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

export function projectHandlers({ store }: HandlerDeps) {
  const getProjectHandler: Handler<"getProject"> = async ({ principal }) => {
    const project = await getProject(store, caller(principal).projectId);
    return { status: 200, body: project };
  };

  /** The change is recorded as `project.updated` by the calling key, in the same transaction. */
  const updateProjectHandler: Handler<"updateProject"> = async ({ principal, body }) => {
    const who = caller(principal);
    const project = await updateProject(store, who.projectId, body, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: project };
  };

  return { getProject: getProjectHandler, updateProject: updateProjectHandler };
}
