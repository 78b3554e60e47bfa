import type { ActorInput, EventInput } from "@chronicle/types";
import type { Queryable } from "../../store/types.js";
import { appendEvents } from "../events/event-append.js";
import { prepareEvents } from "../events/event-prepare.js";
import { databaseNow } from "./clock.js";

export interface RecordAs {
  /** When set, the change is itself recorded as an event by this actor. */
  recordAs?: ActorInput;
}

/** Records a change the server itself made (a key created, a project changed) in `tx`. */
export async function recordInTransaction(
  tx: Queryable,
  projectId: string,
  actor: ActorInput | undefined,
  event: Omit<EventInput, "actor">,
): Promise<void> {
  if (!actor) return;
  const prepared = prepareEvents([{ ...event, actor }], () => "", databaseNow());
  await appendEvents(tx, projectId, prepared);
}
