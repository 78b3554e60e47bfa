import {
  createStream,
  createStreamsContext,
  deleteStream,
  getStream,
  listStreamDeliveries,
  listStreams,
  replayStream,
  rotateStreamSecret,
  testStream,
  updateStream,
} from "../../services/streams/index.js";
import type { Handler } from "../contract/handler-types.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";

/** Log streams (admin). Changes are recorded as `stream.*` events. */
export function streamsHandlers({ store, config }: HandlerDeps) {
  const context = createStreamsContext(store, config.streams);

  const listStreamsHandler: Handler<"listStreams"> = async ({ principal }) => ({
    status: 200,
    body: await listStreams(context, caller(principal).projectId),
  });

  const createStreamHandler: Handler<"createStream"> = async ({ principal, body }) => {
    const who = caller(principal);
    const stream = await createStream(context, who.projectId, body, { recordAs: actorOf(who) });
    return { status: 201, body: stream };
  };

  const getStreamHandler: Handler<"getStream"> = async ({ principal, path }) => ({
    status: 200,
    body: await getStream(context, caller(principal).projectId, path.stream_id),
  });

  const updateStreamHandler: Handler<"updateStream"> = async ({ principal, path, body }) => {
    const who = caller(principal);
    const stream = await updateStream(context, who.projectId, path.stream_id, body, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const deleteStreamHandler: Handler<"deleteStream"> = async ({ principal, path }) => {
    const who = caller(principal);
    await deleteStream(context, who.projectId, path.stream_id, { recordAs: actorOf(who) });
    return { status: 204, body: undefined };
  };

  const rotateStreamSecretHandler: Handler<"rotateStreamSecret"> = async ({ principal, path }) => {
    const who = caller(principal);
    const stream = await rotateStreamSecret(context, who.projectId, path.stream_id, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const testStreamHandler: Handler<"testStream"> = async ({ principal, path }) => ({
    status: 200,
    body: await testStream(context, caller(principal).projectId, path.stream_id),
  });

  const replayStreamHandler: Handler<"replayStream"> = async ({ principal, path, body }) => {
    const who = caller(principal);
    const stream = await replayStream(context, who.projectId, path.stream_id, body.from_seq, {
      recordAs: actorOf(who),
    });
    return { status: 200, body: stream };
  };

  const listStreamDeliveriesHandler: Handler<"listStreamDeliveries"> = async ({
    principal,
    path,
  }) => ({
    status: 200,
    body: await listStreamDeliveries(context, caller(principal).projectId, path.stream_id),
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
