import { CliFailure, UsageError } from "./cli/errors.js";
import { buildProgram, CommanderError } from "./cli/program.js";

const USAGE_EXIT = 2;

/**
 * The `chronicle` command. Exit codes: 0 done (or help shown), 1 the work failed,
 * 2 the command was called wrongly.
 */
async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const verbose = argv.includes("--verbose");
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return;
    }
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      process.exit(error.exitCode === 0 ? 0 : USAGE_EXIT);
    }
    if (error instanceof UsageError) {
      process.stderr.write(`chronicle: ${error.message}\n`);
      process.exit(USAGE_EXIT);
    }
    report(error, verbose);
  }
}

function report(error: unknown, verbose: boolean): never {
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    const address = (error as { address?: string; port?: number }) ?? {};
    process.stderr.write(
      `chronicle: ${address.address ?? ""}:${address.port ?? ""} is already in use; choose another with --port (or PORT)\n`,
    );
  } else if (error instanceof CliFailure) {
    process.stderr.write(`chronicle: ${error.message}\n`);
  } else {
    process.stderr.write(`chronicle: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (verbose && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ""}\n`);
    if (error.cause instanceof Error)
      process.stderr.write(`caused by: ${error.cause.stack ?? ""}\n`);
  } else if (!(error instanceof CliFailure)) {
    process.stderr.write("(run with --verbose for the stack trace)\n");
  }
  process.exit(error instanceof CliFailure ? error.exitCode : 1);
}

void main(process.argv);
