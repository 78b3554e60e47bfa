import { ServiceError } from "../../domain/errors.js";
import { exportEvents, ingestEvents, newId } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { streamExport } from "../streaming/export-stream.js";
import { clientGoneSignal } from "./client-gone.js";
import { actorOf, caller, type HandlerDeps } from "./deps.js";
import { filtersOf, pinWorkspace } from "./event-query.js";

export function eventExportHandlers({ logger, streams }: HandlerDeps) {
  /**
   * Records `events.exported` first (so it is not in its own snapshot), then streams the
   * matching events in seq order with backpressure. Counts as one of the credential's open
   * streams, and stops with a final line when the credential is revoked or expires.
   */
  const exportEventsHandler: Handler<"exportEvents"> = async ({
    store,
    principal,
    query,
    res,
    requestId,
  }) => {
    const who = caller(principal);
    const { format, ...rest } = query;
    const filters = pinWorkspace(who, filtersOf(rest));
    const exportId = newId("exp");
    const lease = streams.acquire(who);
    try {
      // The first read fixes the snapshot bound, so the export's own event stays out of it.
      const iterator = exportEvents(store, who.projectId, filters, {
        signal: clientGoneSignal(res),
      });
      const first = await iterator.next();
      try {
        await ingestEvents(
          store,
          who.projectId,
          [
            {
              action: "events.exported",
              actor: actorOf(who),
              target: { type: "export", id: exportId, name: `events.${format}` },
              ...(who.workspaceId !== null ? { workspace_id: who.workspaceId } : {}),
              summary: `Events exported as ${format.toUpperCase()}`,
              metadata: { format, filters },
              context: { origin: "api", request_id: requestId },
            },
          ],
          { recordedByServer: true },
        );
      } catch (error) {
        await iterator.return();
        throw error;
      }
      async function* rows() {
        if (first.done) return;
        yield first.value;
        yield* { [Symbol.asyncIterator]: () => iterator };
      }
      await streamExport(res, rows(), format, `chronicle-${exportId}`, {
        signal: lease.signal,
        requestId,
        onError: (error) =>
          logger[error instanceof ServiceError ? "warn" : "error"](
            "export ended by a failed read",
            {
              error: String(error),
            },
          ),
      });
    } finally {
      lease.release();
    }
    return undefined;
  };

  return { exportEvents: exportEventsHandler };
}
