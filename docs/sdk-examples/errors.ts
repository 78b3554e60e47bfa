import {
  ChronicleError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

try {
  await chronicle.events.get("evt_01KMX4Q9N3P5R7S9T1V3W5X7Y9");
} catch (error) {
  if (error instanceof NotFoundError) {
    console.log("no such event in this project");
  } else if (error instanceof ValidationError) {
    for (const problem of error.problem?.errors ?? []) console.log(problem.pointer, problem.detail);
  } else if (error instanceof RateLimitError) {
    console.log(`retry in ${error.retryAfterMs} ms`);
  } else if (error instanceof TimeoutError || error instanceof ConnectionError) {
    console.log("no response", error.cause);
  } else if (error instanceof ChronicleError) {
    console.log(error.status, error.code, error.requestId, error.problem?.detail);
  } else {
    throw error;
  }
}
