import type { EventInput } from "@chronicle/types";
import { createProject } from "../../src/services/index.js";
import type { Store } from "../../src/store/index.js";

export async function newProject(store: Store, name = "Test project") {
  const { project, adminKey } = await createProject(store, { name });
  return { projectId: project.id, adminKey };
}

export function issueEvent(n: number, overrides: Partial<EventInput> = {}): EventInput {
  return {
    action: "issue.created",
    actor: { type: "user", id: `user_${n % 3}`, name: `User ${n % 3}` },
    target: { type: "issue", id: `ISS-${n}` },
    summary: `Issue ${n} created`,
    metadata: { n },
    ...overrides,
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
