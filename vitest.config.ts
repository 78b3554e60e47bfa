import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * `pnpm test:unit`: tests of pure code, with no database, no server, no child process and
 * no build, so they run in seconds. Every other test file is in the "integration" project
 * (a new file lands there unless it is listed here).
 */
const UNIT = [
  "packages/types/test/**/*.test.ts",
  "bench/test/**/*.test.ts",
  ...[
    "checkpoint-origin",
    "client",
    "docs",
    "errors",
    "logger",
    "pagination",
    "retry",
    "streaming",
    "tail",
    "transport",
    "verify-chain",
  ].map((name) => `packages/sdk/test/${name}.test.ts`),
  "packages/server/test/ops/logger.test.ts",
  "packages/server/test/services/merkle.test.ts",
  "test/contract-tooling/layout.test.ts",
  "test/properties/canonical-json.test.ts",
  "test/properties/csv-neutralisation.test.ts",
  "test/properties/json-limits.test.ts",
  "test/properties/sse-resume.test.ts",
  "test/seeds/doc-rows.test.ts",
];

/** Tests that build and pack the packages. */
const PACKAGING = ["test/packaging/install.test.ts", "packages/sdk/test/packaging.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, so the
    // suite ran file after file. Most files mostly wait (on a database, a child process, a
    // browser), so one worker more than the cores keeps the cores busy.
    maxWorkers: availableParallelism() + 1,
    // One line per test file as it finishes, so a long run shows its progress.
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "unit", include: UNIT } },
      {
        // Both build into packages/sdk/dist: one after the other, never at once.
        extends: true,
        test: { name: "packaging", include: PACKAGING, fileParallelism: false },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "bench/test/**/*.test.ts"],
          exclude: [...UNIT, ...PACKAGING, "**/node_modules/**"],
        },
      },
    ],
  },
});
