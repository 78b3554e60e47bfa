import serverPackage from "../../../package.json" with { type: "json" };
import { ServiceError } from "../../domain/errors.js";
import { checkReadinessCached, databaseNow, pingStoreCached } from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { SUPPORTED_VERSIONS } from "../middleware/version.js";
import type { HandlerDeps } from "./deps.js";

const SERVER_VERSION = serverPackage.version;
const STARTED_AT = performance.now();

export function healthHandlers(_deps: HandlerDeps) {
  /**
   * No credential, no rate limit: 200 when the database answers, 503 otherwise; the ping's
   * outcome is reused for a second.
   */
  const getHealth: Handler<"getHealth"> = async ({ store }) => {
    try {
      await pingStoreCached(store);
    } catch {
      throw new ServiceError("unavailable", "The database cannot be reached");
    }
    return {
      status: 200,
      body: {
        status: "ok",
        version: SERVER_VERSION,
        api_versions: [...SUPPORTED_VERSIONS].reverse(),
        time: databaseNow().toISOString(),
      },
    };
  };

  /** The process is up and serving HTTP; the database is not consulted. */
  const getLiveness: Handler<"getLiveness"> = async () => ({
    status: 200,
    body: {
      status: "ok",
      version: SERVER_VERSION,
      uptime_seconds: Math.floor((performance.now() - STARTED_AT) / 1000),
    },
  });

  /**
   * Ready to serve: the database answers (within a bounded probe) and has this server's
   * migrations. `unavailable` (503, `Retry-After`) otherwise; outcomes reused for a second.
   */
  const getReadiness: Handler<"getReadiness"> = async ({ store }) => {
    const readiness = await checkReadinessCached(store);
    return {
      status: 200,
      body: { status: "ready", schema_version: readiness.schemaVersion },
    };
  };

  return { getHealth, getLiveness, getReadiness };
}
