import { defineConfig } from "vitest/config";

/** The bench's own unit tests: `pnpm vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  test: { include: ["bench/test/**/*.test.ts"], root: "." },
});
