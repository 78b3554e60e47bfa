import type { Store } from "../../store/types.js";
import { signPendingCheckpoints } from "./checkpoints.js";

interface ScheduleLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Signs a checkpoint for every project whose tree grew, every `intervalMs` (on top of the
 * on-demand signing of `GET /v1/integrity/checkpoint`). A tree storage no longer extends
 * is logged as an error each round: someone changed the database behind the server.
 * Returns the function that stops it.
 */
export function scheduleCheckpoints(
  store: Store,
  intervalMs: number,
  logger: ScheduleLogger,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    signPendingCheckpoints(store)
      .then(
        ({ signed, refused }) => {
          if (signed > 0) logger.info("checkpoints signed", { projects: signed });
          for (const { projectId, error } of refused) {
            logger.error("refused to sign a checkpoint over tampered storage", {
              project_id: projectId,
              error: String(error),
            });
          }
        },
        (error: unknown) => logger.error("checkpoint signing failed", { error: String(error) }),
      )
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
