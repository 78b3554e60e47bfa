import { Chronicle, ChronicleError } from "@chronicle/sdk";
import { CliFailure, causeOf, UsageError } from "./errors.js";

export interface ClientOptions {
  url: string;
  key?: string;
}

/** The SDK client for the user commands (tail, export). */
export function clientFrom(options: ClientOptions, command: string): Chronicle {
  if (!options.key) {
    throw new UsageError(`${command} needs an API key: --key KEY or CHRONICLE_API_KEY`);
  }
  try {
    new URL(options.url);
  } catch {
    throw new UsageError(`--url must be an absolute URL, got "${options.url}"`);
  }
  return new Chronicle({ apiKey: options.key, baseUrl: options.url.replace(/\/+$/, "") });
}

/** An SDK error as one line: status, code and what the server said, or why it was not reached. */
export function clientFailure(command: string, url: string, error: unknown): CliFailure {
  if (error instanceof ChronicleError && error.status !== undefined) {
    const code = error.code ? ` ${error.code}` : "";
    return new CliFailure(`${command} failed: ${error.status}${code}: ${error.message}`, 1, {
      cause: error,
    });
  }
  return new CliFailure(`${command} failed: cannot reach ${url}: ${causeOf(error)}`, 1, {
    cause: error,
  });
}
