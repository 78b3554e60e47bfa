import { readFile, writeFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { clientFailure, clientFrom } from "../client.js";
import type { ConfigOptions } from "../context.js";
import { CliFailure, UsageError } from "../errors.js";
import { withClientOptions, withStoreOptions } from "../options.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A checkpoint file holds the signed note, or the JSON the API answers (with its `note`). */
async function readCheckpoint(path: string): Promise<string> {
  const text = await readFile(path, "utf8");
  if (text.trimStart().startsWith("{")) {
    const note = (JSON.parse(text) as { note?: unknown }).note;
    if (typeof note !== "string") throw new UsageError(`${path} has no "note"`);
    return note;
  }
  return text;
}

async function readKeys(keys: string[], files: string[]): Promise<string[]> {
  const fromFiles = await Promise.all(files.map((file) => readFile(file, "utf8")));
  const all = [...keys, ...fromFiles.flatMap((text) => text.split(/\s+/u))].filter(Boolean);
  if (all.length === 0)
    throw new UsageError("verify needs a pinned key: --verifier-key or --verifier-keys-file");
  return all;
}

/** `chronicle verify FILE`: an NDJSON export, offline, against a signed checkpoint. */
function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("check an NDJSON export offline against a signed checkpoint and pinned keys")
    .argument("<file>", "the NDJSON export (GET /v1/events/export?format=ndjson, unfiltered)")
    .requiredOption("--checkpoint <file>", "the signed checkpoint: its note, or the API's JSON")
    .option("--verifier-key <key>", "a pinned verifier key (repeatable)", collect, [])
    .option("--verifier-keys-file <file>", "a file of verifier keys, one per line", collect, [])
    .action(
      async (
        file: string,
        options: { checkpoint: string; verifierKey: string[]; verifierKeysFile: string[] },
      ) => {
        const { verifyExportFile } = await import(
          "../../services/integrity/export-verification.js"
        );
        const keys = await readKeys(options.verifierKey, options.verifierKeysFile);
        const report = await verifyExportFile(file, await readCheckpoint(options.checkpoint), keys);
        process.stdout.write(`${JSON.stringify(report)}\n`);
        if (!report.valid) throw new CliFailure(`${file} does not verify: ${report.reason}`);
      },
    );
}

/** `chronicle checkpoint`: the latest signed checkpoint, printed, saved or published. */
function registerCheckpoint(program: Command): void {
  const command = program
    .command("checkpoint")
    .description(
      "print the latest signed checkpoint, or save or publish it to be witnessed elsewhere",
    )
    .option("--out <file>", "write the signed note to this file")
    .addOption(new Option("--publish <url>", "PUT the signed note (text/plain) to this HTTPS URL"))
    .option("--json", "print the API's JSON instead of the note")
    .action(
      async (options: {
        url: string;
        key?: string;
        out?: string;
        publish?: string;
        json?: boolean;
      }) => {
        const client = clientFrom(options, "checkpoint");
        let checkpoint: Awaited<ReturnType<typeof client.integrity.checkpoint>>;
        try {
          checkpoint = await client.integrity.checkpoint();
        } catch (error) {
          throw clientFailure("checkpoint", options.url, error);
        }
        if (options.out) await writeFile(options.out, checkpoint.note);
        if (options.publish) await publish(options.publish, checkpoint.note);
        process.stdout.write(options.json ? `${JSON.stringify(checkpoint)}\n` : checkpoint.note);
      },
    );
  withClientOptions(command);
}

async function publish(target: string, note: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`--publish must be an absolute URL, got "${target}"`);
  }
  const local = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new UsageError("--publish needs an https:// URL");
  }
  const response = await fetch(url, {
    method: "PUT",
    headers: { "Content-Type": "text/plain; charset=utf-8" },
    body: note,
  }).catch((error: unknown) => {
    throw new CliFailure(`publishing to ${url.origin} failed: ${String(error)}`);
  });
  if (!response.ok) throw new CliFailure(`publishing to ${url.origin} failed: ${response.status}`);
}

/** `chronicle grant-app-role ROLE`: least privilege for the role the server runs as. */
function registerGrantAppRole(program: Command): void {
  const command = program
    .command("grant-app-role")
    .description(
      "as the schema's owner: migrate, then let ROLE run the server without changing or deleting events",
    )
    .argument("<role>", "the PostgreSQL role the server connects as")
    .action(async (role: string, _options: ConfigOptions, self: Command) => {
      const { configFrom, openMigratedStore } = await import("../context.js");
      const { grantAppRole } = await import("../../store/app-role.js");
      const config = configFrom(self.optsWithGlobals());
      if (!config.databaseUrl)
        throw new UsageError("grant-app-role needs PostgreSQL (--database-url)");
      const store = await openMigratedStore(config);
      try {
        await grantAppRole(store, role);
      } finally {
        await store.close();
      }
      process.stdout.write(`granted least privilege to ${role}\n`);
    });
  withStoreOptions(command);
}

export function registerIntegrity(program: Command): void {
  registerVerify(program);
  registerCheckpoint(program);
  registerGrantAppRole(program);
}
