import { type Command, InvalidArgumentError } from "commander";
import type { RemovalPolicy } from "../../store/retention.js";
import type { ConfigOptions } from "../context.js";
import { CliFailure } from "../errors.js";
import { withStoreOptions } from "../options.js";

function days(minimum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`must be a whole number of days, at least ${minimum}`);
    }
    return parsed;
  };
}

/** PostgreSQL's insufficient_privilege: the connection's role is not the schema's owner. */
function isPermissionDenied(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "42501";
}

/**
 * `chronicle removal-policy`: prints, or as the schema's owner changes, the floors under
 * every project's retention and deletion grace period (docs/security.md).
 */
export function registerRemovalPolicy(program: Command): void {
  const command = program
    .command("removal-policy")
    .description(
      "print the database's floors under retention and the deletion grace period; as the schema's owner, change them",
    )
    .option("--min-retention-days <days>", "no project keeps events for less (≥ 1)", days(1))
    .option(
      "--min-deletion-grace-days <days>",
      "no deleted project goes sooner (CHRONICLE_DELETION_GRACE_DAYS below it waits for it)",
      days(0),
    )
    .action(
      async (
        options: ConfigOptions & { minRetentionDays?: number; minDeletionGraceDays?: number },
        self: Command,
      ) => {
        const { configFrom, openMigratedStore } = await import("../context.js");
        const { selectRemovalPolicy, updateRemovalPolicy } = await import(
          "../../store/retention.js"
        );
        const config = configFrom(self.optsWithGlobals());
        const store = await openMigratedStore(config);
        try {
          const change: Partial<RemovalPolicy> = {
            ...(options.minRetentionDays === undefined
              ? {}
              : { min_retention_days: options.minRetentionDays }),
            ...(options.minDeletionGraceDays === undefined
              ? {}
              : { min_deletion_grace_days: options.minDeletionGraceDays }),
          };
          const policy =
            Object.keys(change).length === 0
              ? await selectRemovalPolicy(store)
              : await updateRemovalPolicy(store, change).catch((error: unknown) => {
                  if (!isPermissionDenied(error)) throw error;
                  throw new CliFailure(
                    "changing the removal policy needs the schema's owner: connect as the role that ran chronicle migrate",
                    1,
                    { cause: error },
                  );
                });
          process.stdout.write(`${JSON.stringify(policy)}\n`);
        } finally {
          await store.close();
        }
      },
    );
  withStoreOptions(command);
}
