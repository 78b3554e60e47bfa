import { type Command, InvalidArgumentError, Option } from "commander";

export function parsePort(value: string): string {
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError("must be an integer between 0 and 65535");
  }
  return String(port);
}

export function parsePositive(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new InvalidArgumentError("must be a non-negative integer");
  }
  return number;
}

/** Where the server's data lives: PostgreSQL, or PGlite in a directory. */
export function withStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--database-url <url>", "PostgreSQL connection string").env("DATABASE_URL"),
    )
    .addOption(
      new Option("--data-dir <dir>", "PGlite data directory when there is no database URL").env(
        "CHRONICLE_DATA_DIR",
      ),
    );
}

/** Where the server listens. */
export function withListenOptions(command: Command): Command {
  return command
    .addOption(
      new Option("-p, --port <port>", "port to listen on").env("PORT").argParser(parsePort),
    )
    .addOption(new Option("--host <host>", "address to listen on").env("HOST"))
    .addOption(
      new Option("--metrics-port <port>", "serve Prometheus metrics on this port")
        .env("CHRONICLE_METRICS_PORT")
        .argParser(parsePort),
    );
}

/** Where the API is and which credential to use, for the client commands (tail, export). */
export function withClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--url <url>", "the server's base URL")
        .env("CHRONICLE_URL")
        .default("http://127.0.0.1:3000"),
    )
    .addOption(new Option("--key <key>", "API key or viewer token").env("CHRONICLE_API_KEY"));
}

/** The list filters shared by tail and export, as the API names them. */
export const FILTER_OPTIONS = [
  ["action", "--action <action>", "only this action (or a prefix with .*)"],
  ["actor_id", "--actor-id <id>", "only this actor"],
  ["actor_type", "--actor-type <type>", "only this actor type"],
  ["target_type", "--target-type <type>", "only this target type"],
  ["target_id", "--target-id <id>", "only this target id (with --target-type)"],
  ["workspace_id", "--workspace-id <id>", "only this workspace"],
  ["search", "--search <text>", "full-text search"],
] as const;

export function withFilterOptions(command: Command): Command {
  for (const [, flags, description] of FILTER_OPTIONS) command.option(flags, description);
  return command;
}

export function filtersFrom(options: Record<string, unknown>): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [name] of FILTER_OPTIONS) {
    const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = options[key];
    if (typeof value === "string") filters[name] = value;
  }
  return filters;
}
