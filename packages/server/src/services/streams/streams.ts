import type { components } from "@chronicle/types";
import { ChronicleError, notFound, validationFailed } from "../../domain/errors.js";
import type { ActorInput } from "../../domain/event.js";
import type { Page } from "../../domain/types.js";
import type { Queryable } from "../../store/types.js";
import { newId } from "../system/ids.js";
import { recordInTransaction } from "../system/system-events.js";
import { destinationUrlProblem } from "./address-guard.js";
import type { StreamsContext } from "./context.js";
import {
  type Credentials,
  newWebhookSecret,
  openCredentials,
  sealCredentials,
} from "./credentials.js";
import { listAttempts } from "./deliveries.js";
import { type DestinationInput, driverFor } from "./destinations/index.js";
import {
  DEFAULT_BATCHING,
  STREAM_COLUMNS,
  type Stream,
  type StreamBatching,
  type StreamDelivery,
  type StreamFilters,
  type StreamRecord,
  toRecord,
} from "./stream-row.js";
import { sendTestEvent } from "./test-event.js";

type StreamCreate = components["schemas"]["StreamCreate"];
type StreamUpdate = components["schemas"]["StreamUpdate"];
type StreamWithSecret = components["schemas"]["StreamWithSecret"];
type FiltersInput = components["schemas"]["StreamFiltersInput"];
type BatchingInput = components["schemas"]["StreamBatchingInput"];

export interface RecordAs {
  recordAs?: ActorInput;
}

function keyOf(context: StreamsContext): Buffer {
  if (!context.config.key) {
    throw new ChronicleError(
      "unavailable",
      "Log streams are not configured on this server (CHRONICLE_STREAMS_KEY is not set)",
    );
  }
  return context.config.key;
}

/** Credentials are bound to their stream: a sealed value copied to another row does not open. */
const boundTo = (projectId: string, streamId: string) => `${projectId}/${streamId}`;

function filtersOf(input: FiltersInput | undefined, current?: StreamFilters): StreamFilters {
  return {
    actions: input?.actions ?? current?.actions ?? [],
    workspace_id:
      input?.workspace_id !== undefined ? input.workspace_id : (current?.workspace_id ?? null),
    actor_types: input?.actor_types ?? current?.actor_types ?? [],
  };
}

function batchingOf(input: BatchingInput | undefined, current = DEFAULT_BATCHING): StreamBatching {
  return { ...current, ...input };
}

async function checkedDestination(context: StreamsContext, input: DestinationInput) {
  const driver = driverFor(input.type);
  const split = driver.split(input);
  const problem = await destinationUrlProblem(
    driver.urlOf(split.destination),
    context.config.allowPrivateNetworks,
    context.resolveAll,
  );
  if (problem) {
    throw validationFailed(
      [{ pointer: "/destination/url", detail: problem, code: "destination_not_allowed" }],
      "The destination is not allowed",
    );
  }
  return split;
}

async function lockedRecord(tx: Queryable, projectId: string, streamId: string) {
  const [row] = await tx.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 AND stream_id = $2 FOR UPDATE`,
    [projectId, streamId],
  );
  if (!row) throw notFound("Stream");
  return toRecord(row);
}

export async function createStream(
  context: StreamsContext,
  projectId: string,
  input: StreamCreate,
  options: RecordAs = {},
): Promise<StreamWithSecret> {
  const key = keyOf(context);
  const { destination, credentials } = await checkedDestination(context, input.destination);
  const streamId = newId("stm");
  return context.store.transaction(async (tx) => {
    const [project] = await tx.query<{ last_seq: number }>(
      "SELECT last_seq FROM projects WHERE project_id = $1",
      [projectId],
    );
    if (!project) throw notFound("Project");
    const cursor = input.from_seq !== undefined ? input.from_seq - 1 : Number(project.last_seq);
    const [row] = await tx.query(
      `INSERT INTO streams (project_id, stream_id, name, destination_type, destination, credentials,
         filters, batch, status, cursor_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9) RETURNING ${STREAM_COLUMNS}`,
      [
        projectId,
        streamId,
        input.name,
        destination.type,
        JSON.stringify(destination),
        sealCredentials(key, boundTo(projectId, streamId), credentials),
        JSON.stringify(filtersOf(input.filters)),
        JSON.stringify(batchingOf(input.batching)),
        cursor,
      ],
    );
    const { stream } = toRecord(row as Record<string, unknown>);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "stream.created",
      target: { type: "stream", id: stream.id, name: stream.name },
      summary: `Log stream "${stream.name}" created`,
      metadata: { destination_type: destination.type },
    });
    return { ...stream, secret: credentials.secret ?? null };
  });
}

export async function listStreams(
  context: StreamsContext,
  projectId: string,
): Promise<Page<Stream>> {
  const rows = await context.store.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 ORDER BY stream_id`,
    [projectId],
  );
  return {
    data: rows.map((row) => toRecord(row).stream),
    has_more: false,
    next_cursor: null,
    prev_cursor: null,
  };
}

export async function getStreamRecord(
  context: StreamsContext,
  projectId: string,
  streamId: string,
): Promise<StreamRecord> {
  const [row] = await context.store.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 AND stream_id = $2`,
    [projectId, streamId],
  );
  if (!row) throw notFound("Stream");
  return toRecord(row);
}

export async function getStream(context: StreamsContext, projectId: string, streamId: string) {
  return (await getStreamRecord(context, projectId, streamId)).stream;
}

export async function updateStream(
  context: StreamsContext,
  projectId: string,
  streamId: string,
  input: StreamUpdate,
  options: RecordAs = {},
): Promise<Stream> {
  const replaced = input.destination ? await checkedDestination(context, input.destination) : null;
  const key = replaced ? keyOf(context) : undefined;
  return context.store.transaction(async (tx) => {
    const current = await lockedRecord(tx, projectId, streamId);
    const sets: string[] = ["updated_at = now()"];
    const values: unknown[] = [projectId, streamId];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (input.name !== undefined) set("name", input.name);
    const reshaped = input.filters !== undefined || input.batching !== undefined || replaced;
    if (input.filters !== undefined) {
      set("filters", JSON.stringify(filtersOf(input.filters, current.stream.filters)));
    }
    if (input.batching !== undefined) {
      set("batch", JSON.stringify(batchingOf(input.batching, current.stream.batching)));
    }
    if (replaced && key) {
      let credentials: Credentials = replaced.credentials;
      // A webhook keeps its signing secret when only its URL changes.
      if (
        replaced.destination.type === "webhook" &&
        current.stream.destination.type === "webhook"
      ) {
        credentials = openCredentials(key, boundTo(projectId, streamId), current.sealedCredentials);
      }
      set("destination_type", replaced.destination.type);
      set("destination", JSON.stringify(replaced.destination));
      set("credentials", sealCredentials(key, boundTo(projectId, streamId), credentials));
    }
    // The batch in flight was cut for the old filters, limits or destination: cut it again.
    if (reshaped) sets.push("pending_id = NULL", "pending_last_seq = NULL");
    if (input.status === "paused" && current.stream.status !== "paused") {
      sets.push("status = 'paused'", "paused_reason = 'requested'", "paused_at = now()");
    }
    if (input.status === "active" && current.stream.status !== "active") {
      sets.push(
        "status = 'active'",
        "paused_reason = NULL",
        "paused_at = NULL",
        "attempts = 0",
        "failing_since = NULL",
        "next_attempt_at = NULL",
      );
    }
    const [row] = await tx.query(
      `UPDATE streams SET ${sets.join(", ")} WHERE project_id = $1 AND stream_id = $2
       RETURNING ${STREAM_COLUMNS}`,
      values,
    );
    const { stream } = toRecord(row as Record<string, unknown>);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "stream.updated",
      target: { type: "stream", id: stream.id, name: stream.name },
      summary: `Log stream "${stream.name}" updated`,
      metadata: { changed: Object.keys(input).sort(), status: stream.status },
    });
    return stream;
  });
}

export async function deleteStream(
  context: StreamsContext,
  projectId: string,
  streamId: string,
  options: RecordAs = {},
): Promise<void> {
  await context.store.transaction(async (tx) => {
    const current = await lockedRecord(tx, projectId, streamId);
    await tx.query("DELETE FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2", [
      projectId,
      streamId,
    ]);
    await tx.query("DELETE FROM streams WHERE project_id = $1 AND stream_id = $2", [
      projectId,
      streamId,
    ]);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "stream.deleted",
      target: { type: "stream", id: streamId, name: current.stream.name },
      summary: `Log stream "${current.stream.name}" deleted`,
    });
  });
}

/** How long the previous webhook secret keeps signing after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export async function rotateStreamSecret(
  context: StreamsContext,
  projectId: string,
  streamId: string,
  options: RecordAs = {},
): Promise<StreamWithSecret> {
  const key = keyOf(context);
  return context.store.transaction(async (tx) => {
    const current = await lockedRecord(tx, projectId, streamId);
    if (current.stream.destination.type !== "webhook") {
      throw new ChronicleError(
        "validation_failed",
        "Only webhook streams have a signing secret; change a token or API key with an update",
        [{ pointer: "/destination/type", detail: "must be webhook", code: "const" }],
      );
    }
    const bound = boundTo(projectId, streamId);
    const previous = openCredentials(key, bound, current.sealedCredentials);
    const credentials: Credentials = {
      secret: newWebhookSecret(),
      previous_secret: previous.secret ?? "",
      previous_until: new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString(),
    };
    const [row] = await tx.query(
      `UPDATE streams SET credentials = $3, updated_at = now() WHERE project_id = $1 AND stream_id = $2
       RETURNING ${STREAM_COLUMNS}`,
      [projectId, streamId, sealCredentials(key, bound, credentials)],
    );
    const { stream } = toRecord(row as Record<string, unknown>);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "stream.secret_rotated",
      target: { type: "stream", id: stream.id, name: stream.name },
      summary: `Log stream "${stream.name}" signing secret rotated`,
    });
    return { ...stream, secret: credentials.secret ?? null };
  });
}

export async function replayStream(
  context: StreamsContext,
  projectId: string,
  streamId: string,
  fromSeq: number,
  options: RecordAs = {},
): Promise<Stream> {
  return context.store.transaction(async (tx) => {
    await lockedRecord(tx, projectId, streamId);
    const [row] = await tx.query(
      `UPDATE streams SET cursor_seq = $3, pending_id = NULL, pending_last_seq = NULL, attempts = 0,
         failing_since = NULL, next_attempt_at = NULL, updated_at = now()
       WHERE project_id = $1 AND stream_id = $2 RETURNING ${STREAM_COLUMNS}`,
      [projectId, streamId, fromSeq - 1],
    );
    const { stream } = toRecord(row as Record<string, unknown>);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "stream.replayed",
      target: { type: "stream", id: stream.id, name: stream.name },
      summary: `Log stream "${stream.name}" replays from seq ${fromSeq}`,
      metadata: { from_seq: fromSeq },
    });
    return stream;
  });
}

export async function testStream(
  context: StreamsContext,
  projectId: string,
  streamId: string,
): Promise<StreamDelivery> {
  const key = keyOf(context);
  const record = await getStreamRecord(context, projectId, streamId);
  const credentials = openCredentials(key, boundTo(projectId, streamId), record.sealedCredentials);
  return sendTestEvent(context, record, credentials);
}

export async function listStreamDeliveries(
  context: StreamsContext,
  projectId: string,
  streamId: string,
): Promise<Page<StreamDelivery>> {
  await getStreamRecord(context, projectId, streamId);
  return listAttempts(context.store, projectId, streamId);
}

/** The worker's way to the credentials of a stream it holds. */
export function credentialsOf(context: StreamsContext, record: StreamRecord): Credentials {
  return openCredentials(
    keyOf(context),
    boundTo(record.projectId, record.stream.id),
    record.sealedCredentials,
  );
}
