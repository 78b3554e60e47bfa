import type { Event } from "@chronicle/sdk";
import { type Command, Option } from "commander";
import { clientFailure, clientFrom } from "../client.js";
import { filtersFrom, parsePositive, withClientOptions, withFilterOptions } from "../options.js";

interface TailOptions {
  url: string;
  key?: string;
  format?: "ndjson" | "text";
  lastEventId?: number;
  [filter: string]: unknown;
}

/** One line a person reads: time, seq, action, actor, target, summary. */
export function textLine(event: Event): string {
  const actor = event.actor.name ?? `${event.actor.type}:${event.actor.id}`;
  const target = event.target ? ` → ${event.target.type}:${event.target.id}` : "";
  const summary = event.summary ? `  ${event.summary}` : "";
  return `${event.created_at}  #${event.seq}  ${event.action}  ${actor}${target}${summary}\n`;
}

export function registerTail(program: Command): void {
  const command = program
    .command("tail")
    .description("print events as they are recorded, until Ctrl+C (a live tail through the SDK)")
    .addOption(
      new Option("--format <format>", "ndjson (one event per line) or text")
        .choices(["ndjson", "text"])
        .default(undefined, "text on a terminal, else ndjson"),
    )
    .option("--last-event-id <seq>", "resume after this seq instead of starting now", parsePositive)
    .action(async (options: TailOptions) => {
      const client = clientFrom(options, "tail");
      const format = options.format ?? (process.stdout.isTTY ? "text" : "ndjson");
      const stop = new AbortController();
      const abort = () => stop.abort();
      process.once("SIGINT", abort);
      process.once("SIGTERM", abort);
      // A reader that goes away (`| head`) ends the tail quietly.
      process.stdout.on("error", abort);
      try {
        // One read first: a wrong URL or key fails now rather than in reconnects, and the
        // tail starts right after the newest event at this moment.
        const filters = filtersFrom(options);
        const newest = await client.events.list({ limit: 1 }, { signal: stop.signal });
        const after = options.lastEventId ?? newest.data[0]?.seq ?? 0;
        const events = client.events.tail(filters, { signal: stop.signal, lastEventId: after });
        for await (const event of events) {
          process.stdout.write(format === "text" ? textLine(event) : `${JSON.stringify(event)}\n`);
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        throw clientFailure("tail", options.url, error);
      } finally {
        process.off("SIGINT", abort);
        process.off("SIGTERM", abort);
      }
    });
  withFilterOptions(withClientOptions(command));
}
