import { createProject, type EventInput, ingestEvents, type Store } from "./server-source.js";

/** A project and its admin key (every scope), made the way `chronicle project create` makes them. */
export async function newProject(store: Store, name = "Test project") {
  const { project, adminKey } = await createProject(store, { name });
  return { projectId: project.id, key: adminKey.key, adminKey };
}

/** An event as a client sends it: Ada opens ISS-1 in ws_acme; `overrides` change any field. */
export function event(overrides: Record<string, unknown> = {}) {
  return {
    action: "issue.created",
    actor: { type: "user", id: "usr_1", name: "Ada", email: "ada@example.com" },
    target: { type: "issue", id: "ISS-1", name: "First issue" },
    workspace_id: "ws_acme",
    summary: "Ada opened ISS-1",
    metadata: { priority: "high" },
    ...overrides,
  };
}

/** The n-th of a series of events: three actors in turn, one issue each. */
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

/** Events 0…count−1 of the `issueEvent` series; `overrides(n)` changes fields of the n-th. */
export function issueEvents(
  count: number,
  overrides: (n: number) => Partial<EventInput> = () => ({}),
): EventInput[] {
  return Array.from({ length: count }, (_, n) => issueEvent(n, overrides(n)));
}

/** A new project (as `newProject`) holding `events`, ingested as the API ingests them. */
export async function newProjectWithEvents(store: Store, events: EventInput[]) {
  const project = await newProject(store);
  await ingestEvents(store, project.projectId, events);
  return project;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
