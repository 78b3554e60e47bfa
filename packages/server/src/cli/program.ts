import { Command, CommanderError, Option } from "commander";
import { COMMANDS } from "./commands/index.js";

const ENVIRONMENT = `
Configuration also comes from the environment (flags win): PORT, HOST, DATABASE_URL,
CHRONICLE_DATA_DIR, LOG_LEVEL, LOG_FORMAT, CHRONICLE_METRICS_PORT, CHRONICLE_METRICS_TOKEN,
OTEL_EXPORTER_OTLP_ENDPOINT, CHRONICLE_URL, CHRONICLE_API_KEY and the others listed in
packages/server/README.md. Run "chronicle <command> --help" for a command's options.`;

/**
 * The `chronicle` program. Mistakes in how it is called (unknown command or flag, a missing
 * value) are one line on stderr and exit code 2; `--help` on any command prints its help and
 * touches nothing.
 */
export function buildProgram(): Command {
  const program = new Command("chronicle")
    .description("Chronicle: an activity and audit-log API server, and a client for it")
    .addOption(new Option("--verbose", "print stack traces of failures"))
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["debug", "info", "warn", "error", "silent"])
        .env("LOG_LEVEL"),
    )
    .addOption(
      new Option(
        "--log-format <format>",
        "log lines as JSON or for people (default: pretty on a terminal)",
      )
        .choices(["json", "pretty"])
        .env("LOG_FORMAT"),
    )
    .showSuggestionAfterError(true)
    .addHelpText("after", ENVIRONMENT);
  for (const register of COMMANDS) register(program);
  configureAll(program);
  return program;
}

/** Every command: errors as `chronicle: …` on one line, and thrown rather than exiting. */
function configureAll(command: Command): void {
  command.exitOverride().configureOutput({
    outputError: (message, write) =>
      write(
        `chronicle: ${message
          .replace(/^error: /, "")
          .trim()
          .replace(/\s*\n\s*/g, " ")}\n`,
      ),
  });
  command.allowExcessArguments(false);
  for (const sub of command.commands) configureAll(sub);
}

export { CommanderError };
