import type { Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { Project, ProjectUpdate } from "../types.js";

export class ProjectResource {
  constructor(private readonly api: Requests) {}

  /** The key's project with its counts and retention (`GET /v1/project`). */
  get(options?: RequestOptions): Promise<Project> {
    return this.api.get("/v1/project", {}, options);
  }

  /** Changes the name or retention (`PATCH /v1/project`). */
  update(update: ProjectUpdate, options?: RequestOptions): Promise<Project> {
    return this.api.send("patch", "/v1/project", { body: update }, options);
  }
}
