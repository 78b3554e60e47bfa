import type { Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { Project, ProjectDeletion, ProjectUpdate } from "../types.js";

export class ProjectResource {
  constructor(private readonly api: Requests) {}

  /** The key's project with its counts and retention (`GET /v1/project`). */
  get(options?: RequestOptions): Promise<Project> {
    return this.api.get("/v1/project", {}, options);
  }

  /** Changes the name, slug, catalog mode or retention (`PATCH /v1/project`). */
  update(update: ProjectUpdate, options?: RequestOptions): Promise<Project> {
    return this.api.send("patch", "/v1/project", { body: update }, options);
  }

  /**
   * Schedules the project's deletion, confirmed by its exact name (`DELETE /v1/project`):
   * its keys stop working at once, its rows are removed after the grace period.
   */
  delete(confirmName: string, options?: RequestOptions): Promise<ProjectDeletion> {
    const init = { params: { query: { confirm: confirmName } } };
    return this.api.send("delete", "/v1/project", init, options);
  }
}
