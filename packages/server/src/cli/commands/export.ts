import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { type Command, Option } from "commander";
import { clientFailure, clientFrom } from "../client.js";
import { CliFailure } from "../errors.js";
import { filtersFrom, withClientOptions, withFilterOptions } from "../options.js";
import { createProgress } from "../progress.js";

interface ExportOptions {
  url: string;
  key?: string;
  out: string;
  format: "ndjson" | "csv";
  [filter: string]: unknown;
}

const NEWLINE = 0x0a;

/** True when the export's last line is the problem the server ended it with (export-stream.ts). */
export function endedWithProblem(lastLine: string, format: "ndjson" | "csv"): boolean {
  if (format === "csv") return lastLine.startsWith("#error,");
  if (!lastLine.startsWith("{")) return false;
  try {
    const line = JSON.parse(lastLine) as Record<string, unknown>;
    return line.seq === undefined && typeof line.code === "string";
  } catch {
    return false;
  }
}

function countLines(chunk: Uint8Array): number {
  let lines = 0;
  let at = chunk.indexOf(NEWLINE);
  while (at !== -1) {
    lines += 1;
    at = chunk.indexOf(NEWLINE, at + 1);
  }
  return lines;
}

export function registerExport(program: Command): void {
  const command = program
    .command("export")
    .description("download every matching event to a file (NDJSON or CSV), with progress")
    .requiredOption("-o, --out <file>", "where to write the export")
    .addOption(
      new Option("--format <format>", "file format").choices(["ndjson", "csv"]).default("ndjson"),
    )
    .action(async (options: ExportOptions) => {
      const client = clientFrom(options, "export");
      const filters = filtersFrom(options);
      const progress = createProgress(`exporting to ${options.out}`);
      const partial = `${options.out}.partial`;
      let events = 0;
      try {
        // The count first: the export itself is a stream of unknown length.
        const page = await client.events.list({ ...filters, limit: 1, include_total: true });
        if (typeof page.total === "number") progress.total(page.total);
        const { data, error, response } = await client.raw.GET("/v1/events/export", {
          params: { query: { format: options.format, ...filters } },
          parseAs: "stream",
        });
        if (error || !data) {
          const problem = error as { code?: string; detail?: string; title?: string } | undefined;
          throw new CliFailure(
            `export failed: ${response.status} ${problem?.code ?? ""}: ${problem?.detail ?? problem?.title ?? ""}`.trim(),
          );
        }
        const file = createWriteStream(partial);
        let header = options.format === "csv";
        const decoder = new TextDecoder();
        let tail = "";
        for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) {
          let lines = countLines(chunk);
          if (header && lines > 0) {
            lines -= 1;
            header = false;
          }
          tail = (tail + decoder.decode(chunk, { stream: true })).slice(-65_536);
          events += lines;
          progress.update(events);
          if (!file.write(chunk)) await once(file, "drain");
        }
        file.end();
        await once(file, "close");
        const lastLine = tail.trimEnd().split("\n").pop() ?? "";
        if (endedWithProblem(lastLine, options.format)) {
          throw new CliFailure(`export stopped by the server: ${lastLine}`);
        }
        await rename(partial, options.out);
      } catch (error) {
        progress.stop();
        await rm(partial, { force: true });
        if (error instanceof CliFailure) throw error;
        throw clientFailure("export", options.url, error);
      }
      progress.stop(`exported ${events} events to ${options.out}`);
    });
  withFilterOptions(withClientOptions(command));
}
