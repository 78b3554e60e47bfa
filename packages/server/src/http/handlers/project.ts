import { getProject, requestProjectDeletion, updateProject } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

export function projectHandlers({ config }: HandlerDeps) {
  const getProjectHandler: Handler<"getProject"> = async ({ store, principal }) => {
    const project = await getProject(store, caller(principal).projectId);
    return { status: 200, body: project };
  };

  /** The change is recorded as `project.updated` by the calling key, in the same transaction. */
  const updateProjectHandler: Handler<"updateProject"> = async ({ store, principal, body }) => {
    const who = caller(principal);
    const project = await updateProject(store, who.projectId, body, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: project };
  };

  /** Scheduled for removal after the configured grace period; the keys stop at once. */
  const deleteProjectHandler: Handler<"deleteProject"> = async ({ store, principal, query }) => {
    const who = caller(principal);
    const graceDays = config.projects?.deletionGraceDays;
    const deletion = await requestProjectDeletion(store, who.projectId, query.confirm, {
      requestedBy: actorOf(who),
      ...(graceDays === undefined ? {} : { graceDays }),
    });
    return { status: 202, body: deletion };
  };

  return {
    getProject: getProjectHandler,
    updateProject: updateProjectHandler,
    deleteProject: deleteProjectHandler,
  };
}
