import {
  type AppRoleStore,
  cliEnv,
  createTestDatabase,
  openAppRoleStore,
  runCli,
  type Store,
  type TestDatabase,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const STACK_LINE = /^\s+at /m;

describe.skipIf(!process.env.DATABASE_URL)("chronicle removal-policy", () => {
  let database: TestDatabase;
  let owner: Store;
  let appRole: AppRoleStore;
  beforeAll(async () => {
    database = await createTestDatabase("postgres", { migrated: true });
    owner = await database.open({ poolSize: 2 });
    appRole = await openAppRoleStore(owner);
  });
  afterAll(async () => {
    await appRole?.close();
    await owner?.close();
    await database?.drop();
  });

  const asOwner = () => cliEnv({ DATABASE_URL: database.databaseUrl });
  const asApp = () => cliEnv({ DATABASE_URL: appRole.databaseUrl });

  it("when the owner lowers the grace floor, then the policy changes and the change is recorded; the app role can read it but not change it", async () => {
    const shown = await runCli(["removal-policy"], asApp());
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({ min_retention_days: 1, min_deletion_grace_days: 7 });

    const changed = await runCli(["removal-policy", "--min-deletion-grace-days", "0"], asOwner());
    expect(changed.code, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual({
      min_retention_days: 1,
      min_deletion_grace_days: 0,
    });
    const [record] = await owner.query<{ detail: { to: { min_deletion_grace_days: number } } }>(
      "SELECT detail FROM operator_log WHERE action = 'removal_policy.changed' ORDER BY seq DESC LIMIT 1",
    );
    expect(record?.detail.to.min_deletion_grace_days).toBe(0);

    const refused = await runCli(["removal-policy", "--min-retention-days", "30"], asApp());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs the schema's owner/);
    expect(refused.stderr).not.toMatch(STACK_LINE);
    const after = await runCli(["removal-policy"], asOwner());
    expect(JSON.parse(after.stdout)).toEqual({ min_retention_days: 1, min_deletion_grace_days: 0 });
  }, 180_000);

  it("when a floor is not a whole number of days, or the retention floor is 0, then it is a usage error", async () => {
    for (const args of [
      ["--min-retention-days", "0"],
      ["--min-deletion-grace-days", "-1"],
      ["--min-deletion-grace-days", "1.5"],
    ]) {
      const result = await runCli(["removal-policy", ...args], asOwner());
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/whole number of days/);
    }
  }, 180_000);
});
