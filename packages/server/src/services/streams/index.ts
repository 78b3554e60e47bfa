export { isForbiddenAddress, type LookupAll } from "./address-guard.js";
export { createStreamsContext, type StreamsContext } from "./context.js";
export type { Stream, StreamDelivery } from "./stream-row.js";
export {
  createStream,
  deleteStream,
  getStream,
  listStreamDeliveries,
  listStreams,
  replayStream,
  rotateStreamSecret,
  testStream,
  updateStream,
} from "./streams.js";
export { StreamWorker } from "./worker.js";
