import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { Project, ProjectUpdate } from "../types.js";

export class ProjectResource {
  constructor(private readonly context: ClientContext) {}

  /** The key's project with its counts and retention (`GET /v1/project`). */
  get(options?: RequestOptions): Promise<Project> {
    return unwrap(this.context.raw.GET("/v1/project", callInit(this.context, options)));
  }

  /** Changes the name or retention (`PATCH /v1/project`). */
  update(update: ProjectUpdate, options?: RequestOptions): Promise<Project> {
    return unwrap(
      this.context.raw.PATCH("/v1/project", { body: update, ...callInit(this.context, options) }),
    );
  }
}
