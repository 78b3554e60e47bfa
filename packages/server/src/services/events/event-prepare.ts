import type {
  ActorRef,
  ActorRefInput,
  Context,
  Event,
  EventInput,
  ObjectRef,
  ObjectRefInput,
} from "@chronicle/types";
import { DEFAULT_VERSION } from "../../domain/api-versions.js";
import { canonicalJson } from "../../domain/canonical-json.js";
import { type FieldError, validationFailed } from "../../domain/errors.js";
import { unstorableText } from "../../domain/storable.js";
import { asStoredJson } from "./jsonb-order.js";
import { searchText } from "./search-text.js";

/** An event before the store gives it its id, seq, receipt time and chain link. */
export interface PreparedEvent {
  content: Omit<Event, "id" | "seq" | "created_at" | "prev_hash" | "hash">;
  /** Lower-cased text the `search` filter matches (trigram-indexed). */
  searchText: string;
  /** JSON `[type, id]` of the target and every one of targets: the target feed's keys. */
  targetKeys: string[];
}

export const METADATA_MAX_BYTES = 16 * 1024;

/** A JSON round trip: what is hashed and returned is exactly what the database returns. */
const plainJson = asStoredJson;

function principal(input: ActorRefInput): ActorRef {
  return { type: input.type, id: input.id, name: input.name ?? null, email: input.email ?? null };
}

function target(input: ObjectRefInput): ObjectRef {
  return { type: input.type, id: input.id, name: input.name ?? null };
}

function context(input: EventInput["context"]): Context | null {
  if (!input) return null;
  return {
    ip_address: input.ip_address ?? null,
    user_agent: input.user_agent ?? null,
    origin: input.origin ?? null,
    trace_id: input.trace_id ?? null,
    request_id: input.request_id ?? null,
  };
}

/** Sorted top-level keys whose value differs between before and after. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter(
      (key) =>
        Object.hasOwn(before, key) !== Object.hasOwn(after, key) ||
        canonicalJson(before[key]) !== canonicalJson(after[key]),
    )
    .sort();
}

/**
 * The rules JSON Schema cannot state. Inputs arrive validated against the contract (the HTTP
 * layer) or are built by the server itself (system events, the demo), so the contract's own
 * rules (the action's pattern, the actor's type) are not checked a second time here.
 */
function errorsOf(input: EventInput, at: string): FieldError[] {
  const errors: FieldError[] = [];
  // PostgreSQL refuses U+0000 and would store a lone surrogate as U+FFFD (no longer the
  // hashed text): the HTTP layer refuses both already; callers of the service get the same.
  errors.push(...unstorableText(input, at));
  if (input.metadata !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(input.metadata), "utf8");
    if (bytes > METADATA_MAX_BYTES) {
      errors.push({
        pointer: `${at}/metadata`,
        detail: `must be at most ${METADATA_MAX_BYTES} bytes serialised (got ${bytes})`,
        code: "maxSize",
      });
    }
  }
  if (input.occurred_at !== undefined && !isStorableTime(input.occurred_at)) {
    errors.push({
      pointer: `${at}/occurred_at`,
      detail: "must be an RFC 3339 date-time",
      code: "format",
    });
  }
  return errors;
}

/**
 * Normalises validated inputs to the stored shape (every member present, times in
 * millisecond UTC) or throws one 422 listing every problem of the batch. `apiVersion` is
 * the `Chronicle-Version` the events were written with; `schema_version` is left null for
 * the catalog's validation to set (services/catalog/actions.ts).
 */
export function prepareEvents(
  inputs: EventInput[],
  pointerPrefix: (index: number) => string,
  now: Date,
  apiVersion: string = DEFAULT_VERSION,
): PreparedEvent[] {
  const errors = inputs.flatMap((input, index) => errorsOf(input, pointerPrefix(index)));
  if (errors.length > 0) throw validationFailed(errors);
  return inputs.map((input) => {
    const changes = input.changes
      ? {
          before: plainJson(input.changes.before ?? {}),
          after: plainJson(input.changes.after ?? {}),
        }
      : null;
    const content: PreparedEvent["content"] = {
      action: input.action,
      actor: {
        ...principal(input.actor),
        on_behalf_of: input.actor.on_behalf_of ? principal(input.actor.on_behalf_of) : null,
      },
      target: input.target ? target(input.target) : null,
      targets: (input.targets ?? []).map(target),
      workspace_id: input.workspace_id ?? null,
      summary: input.summary ?? null,
      metadata: plainJson(input.metadata ?? {}),
      changes,
      changed_fields: changes ? changedFields(changes.before, changes.after) : [],
      context: context(input.context),
      outcome: input.outcome ?? null,
      reason: input.reason ?? null,
      correlation_id: input.correlation_id ?? null,
      api_version: apiVersion,
      schema_version: null,
      occurred_at: new Date(input.occurred_at ?? now).toISOString(),
    };
    const targets = content.target ? [content.target, ...content.targets] : content.targets;
    return {
      content,
      searchText: searchText(content),
      targetKeys: [...new Set(targets.map((item) => targetKey(item.type, item.id)))],
    };
  });
}

/** Parses, and fits the four-digit years that toISOString and PostgreSQL agree on. */
function isStorableTime(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && /^\d{4}-/.test(new Date(time).toISOString());
}

export function targetKey(type: string, id: string): string {
  return JSON.stringify([type, id]);
}
