/** Sample requests of the log stream operations (merged into SAMPLES) and the key each lacks. */
export const UNKNOWN_STREAM_ID = "stm_01KMX4Q2R7B9C3D5E6F8G0H1J2";

/** A destination that refuses connections at once: a test event fails fast, as a 200. */
export const CLOSED_PORT_URL = "http://127.0.0.1:9/hook";

const byId = (suffix = "") => `/v1/streams/${UNKNOWN_STREAM_ID}${suffix}`;

export const STREAM_SAMPLES = {
  listStreams: () => ({ method: "GET", path: "/v1/streams" }),
  createStream: () => ({
    method: "POST",
    path: "/v1/streams",
    options: {
      body: {
        name: "Conformance",
        destination: { type: "webhook", url: CLOSED_PORT_URL },
        filters: { actions: ["issue.*"] },
      },
    },
  }),
  getStream: () => ({ method: "GET", path: byId() }),
  updateStream: () => ({ method: "PATCH", path: byId(), options: { body: { status: "paused" } } }),
  deleteStream: () => ({ method: "DELETE", path: byId() }),
  rotateStreamSecret: () => ({ method: "POST", path: byId("/rotate-secret") }),
  testStream: () => ({ method: "POST", path: byId("/test") }),
  replayStream: () => ({
    method: "POST",
    path: byId("/replay"),
    options: { body: { from_seq: 1 } },
  }),
  listStreamDeliveries: () => ({ method: "GET", path: byId("/deliveries") }),
};

/** Every stream operation needs `admin`. */
export const STREAM_FORBIDDEN_WITH = Object.fromEntries(
  Object.keys(STREAM_SAMPLES).map((operationId) => [operationId, "export"]),
) as Record<keyof typeof STREAM_SAMPLES, "export">;
