import type { components } from "@chronicle/types";
import { notFound, ServiceError, validationFailed } from "../../domain/errors.js";
import type { Page } from "../../domain/types.js";
import { projectLastSeq } from "../../store/events.js";
import {
  countStreamsLocked,
  deleteStreamRow,
  insertStream,
  lockStream,
  rewindStream,
  type StreamChanges,
  selectStream,
  selectStreams,
  updateStreamCredentials,
  updateStreamRow,
} from "../../store/streams.js";
import type { Queryable } from "../../store/types.js";
import { newId } from "../system/ids.js";
import { type RecordAs, recordInTransaction } from "../system/system-events.js";
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

function keyOf(context: StreamsContext): Buffer {
  if (!context.config.key) {
    throw new ServiceError(
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
  const row = await lockStream(tx, projectId, streamId);
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
    const lastSeq = await projectLastSeq(tx, projectId);
    if (lastSeq === undefined) throw notFound("Project");
    // Each active stream is a delivery loop that polls the database: their number is what
    // one tenant costs the others.
    const count = await countStreamsLocked(tx, projectId);
    const { maxPerProject } = context.config;
    if (count >= maxPerProject) {
      throw new ServiceError(
        "stream_limit_reached",
        `This project already has ${count} log streams (at most ${maxPerProject}); delete one first.`,
      );
    }
    const cursor = input.from_seq !== undefined ? input.from_seq - 1 : lastSeq;
    const row = await insertStream(tx, {
      projectId,
      streamId,
      name: input.name,
      destinationType: destination.type,
      destination: JSON.stringify(destination),
      credentials: sealCredentials(key, boundTo(projectId, streamId), credentials),
      filters: JSON.stringify(filtersOf(input.filters)),
      batch: JSON.stringify(batchingOf(input.batching)),
      cursorSeq: cursor,
    });
    const { stream } = toRecord(row);
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
  const rows = await selectStreams(context.store, projectId);
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
  const row = await selectStream(context.store, projectId, streamId);
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
    const changes: StreamChanges = {};
    if (input.name !== undefined) changes.name = input.name;
    const reshaped = input.filters !== undefined || input.batching !== undefined || replaced;
    if (input.filters !== undefined) {
      changes.filters = JSON.stringify(filtersOf(input.filters, current.stream.filters));
    }
    if (input.batching !== undefined) {
      changes.batch = JSON.stringify(batchingOf(input.batching, current.stream.batching));
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
      changes.destination = {
        type: replaced.destination.type,
        destination: JSON.stringify(replaced.destination),
        credentials: sealCredentials(key, boundTo(projectId, streamId), credentials),
      };
    }
    // The batch in flight was cut for the old filters, limits or destination: cut it again.
    if (reshaped) changes.unpin = true;
    if (input.status === "paused" && current.stream.status !== "paused") changes.status = "paused";
    if (input.status === "active" && current.stream.status !== "active") changes.status = "active";
    const row = await updateStreamRow(tx, projectId, streamId, changes);
    const { stream } = toRecord(row);
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
    await deleteStreamRow(tx, projectId, streamId);
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
      throw new ServiceError(
        "validation_failed",
        "Only webhook streams have a signing secret; change a token or API key with an update",
        { errors: [{ pointer: "/destination/type", detail: "must be webhook", code: "const" }] },
      );
    }
    const bound = boundTo(projectId, streamId);
    const previous = openCredentials(key, bound, current.sealedCredentials);
    const credentials: Credentials = {
      secret: newWebhookSecret(),
      previous_secret: previous.secret ?? "",
      previous_until: new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString(),
    };
    const row = await updateStreamCredentials(
      tx,
      projectId,
      streamId,
      sealCredentials(key, bound, credentials),
    );
    const { stream } = toRecord(row);
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
    const row = await rewindStream(tx, projectId, streamId, fromSeq - 1);
    const { stream } = toRecord(row);
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
