import serverPackage from "../../../package.json" with { type: "json" };
import { pingStoreCached } from "../../services/index.js";
import type { Handler } from "../handler-types.js";
import { HttpProblem } from "../problem.js";
import { SUPPORTED_VERSIONS } from "../version.js";
import type { HandlerDeps } from "./deps.js";

const SERVER_VERSION = serverPackage.version;

export function healthHandlers({ store }: HandlerDeps) {
  /**
   * No credential, no rate limit: 200 when the database answers, 503 otherwise; the ping's
   * outcome is reused for a second.
   */
  const getHealth: Handler<"getHealth"> = async () => {
    try {
      await pingStoreCached(store);
    } catch {
      throw new HttpProblem("unavailable", "The database cannot be reached");
    }
    return {
      status: 200,
      body: {
        status: "ok",
        version: SERVER_VERSION,
        api_versions: [...SUPPORTED_VERSIONS].reverse(),
        time: new Date().toISOString(),
      },
    };
  };
  return { getHealth };
}
