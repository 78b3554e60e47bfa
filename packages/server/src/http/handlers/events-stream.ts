import { ServiceError } from "../../domain/errors.js";
import { newestEventSeq, tailReader } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { serveTail } from "../streaming/sse.js";
import { clientGoneSignal } from "./client-gone.js";
import { caller, type HandlerDeps } from "./deps.js";
import { filtersOf, pinWorkspace } from "./event-query.js";

export function eventStreamHandlers({ config, logger, tails, streams }: HandlerDeps) {
  /**
   * Live tail over SSE. Resumes after `Last-Event-ID`; without it, starts after the
   * project's newest event at the time of the request. Ends with `event: error` when the
   * credential is revoked or expires (checked by the stream guard).
   */
  const streamEvents: Handler<"streamEvents"> = async ({
    store,
    principal,
    query,
    header,
    res,
    requestId,
  }) => {
    const who = caller(principal);
    const readAfter = tailReader(store, who.projectId, pinWorkspace(who, filtersOf(query)), {
      signal: clientGoneSignal(res),
    });
    const lastEventId = header["Last-Event-ID"];
    let after: number;
    if (typeof lastEventId === "string") {
      after = Number(lastEventId);
      if (!Number.isSafeInteger(after)) {
        throw new ServiceError("invalid_parameter", "Last-Event-ID is larger than any seq", {
          errors: [{ pointer: "/header/Last-Event-ID", detail: "must be a seq", code: "maximum" }],
        });
      }
    } else {
      after = await newestEventSeq(store, who.projectId);
    }
    const lease = streams.acquire(who);
    try {
      await serveTail(
        res,
        {
          readAfter,
          subscribe: (onChange) => tails.subscribe(who.projectId, onChange),
        },
        {
          after,
          heartbeatMs: config.heartbeatMs,
          onError: (error) => logger.error("live tail failed", { error: String(error) }),
          signal: lease.signal,
          requestId,
        },
      );
    } finally {
      lease.release();
    }
    return undefined;
  };

  return { streamEvents };
}
