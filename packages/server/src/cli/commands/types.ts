import type { Command } from "commander";

/** One `chronicle` command: adds itself (and its subcommands) to the program. */
export type RegisterCommand = (program: Command) => void;
