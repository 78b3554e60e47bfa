import type { Store } from "../../services/index.js";
import {
  createStream,
  createStreamsContext,
  deleteStream,
  getStream,
  listStreamDeliveries,
  listStreams,
  replayStream,
  rotateStreamSecret,
  type StreamsContext,
  testStream,
  updateStream,
} from "../../services/streams/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

/** Log streams (admin). Changes are recorded as `stream.*` events. */
export function streamsHandlers({ store: shared, config }: HandlerDeps) {
  const context = createStreamsContext(shared, config.streams);
  /** The services' context over the request's own store (traced under its span when traced). */
  const over = (store: Store): StreamsContext => ({ ...context, store });

  const listStreamsHandler: Handler<"listStreams"> = async ({ store, principal }) => ({
    status: 200,
    body: await listStreams(over(store), caller(principal).projectId),
  });

  const createStreamHandler: Handler<"createStream"> = async ({ store, principal, body }) => {
    const who = caller(principal);
    const stream = await createStream(over(store), who.projectId, body, { recordAs: actorOf(who) });
    return { status: 201, body: stream };
  };

  const getStreamHandler: Handler<"getStream"> = async ({ store, principal, path }) => ({
    status: 200,
    body: await getStream(over(store), caller(principal).projectId, path.stream_id),
  });

  const updateStreamHandler: Handler<"updateStream"> = async ({ store, principal, path, body }) => {
    const who = caller(principal);
    const stream = await updateStream(over(store), who.projectId, path.stream_id, body, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const deleteStreamHandler: Handler<"deleteStream"> = async ({ store, principal, path }) => {
    const who = caller(principal);
    await deleteStream(over(store), who.projectId, path.stream_id, { recordAs: actorOf(who) });
    return { status: 204, body: undefined };
  };

  const rotateStreamSecretHandler: Handler<"rotateStreamSecret"> = async ({
    store,
    principal,
    path,
  }) => {
    const who = caller(principal);
    const stream = await rotateStreamSecret(over(store), who.projectId, path.stream_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const testStreamHandler: Handler<"testStream"> = async ({ store, principal, path }) => ({
    status: 200,
    body: await testStream(over(store), caller(principal).projectId, path.stream_id),
  });

  const replayStreamHandler: Handler<"replayStream"> = async ({ store, principal, path, body }) => {
    const who = caller(principal);
    const stream = await replayStream(over(store), who.projectId, path.stream_id, body.from_seq, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const listStreamDeliveriesHandler: Handler<"listStreamDeliveries"> = async ({
    store,
    principal,
    path,
  }) => ({
    status: 200,
    body: await listStreamDeliveries(over(store), caller(principal).projectId, path.stream_id),
  });

  return {
    listStreams: listStreamsHandler,
    createStream: createStreamHandler,
    getStream: getStreamHandler,
    updateStream: updateStreamHandler,
    deleteStream: deleteStreamHandler,
    rotateStreamSecret: rotateStreamSecretHandler,
    testStream: testStreamHandler,
    replayStream: replayStreamHandler,
    listStreamDeliveries: listStreamDeliveriesHandler,
  };
}
