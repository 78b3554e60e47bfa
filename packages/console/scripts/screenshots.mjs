// Re-makes docs/images/console-*.png from the end-to-end flows: runs the browser test file
// (PGlite only) with CHRONICLE_SCREENSHOTS_DIR pointing at docs/images.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const images = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
mkdirSync(images, { recursive: true });
const env = { ...process.env, CHRONICLE_SCREENSHOTS_DIR: images };
delete env.DATABASE_URL;
const result = spawnSync("pnpm", ["vitest", "run", "packages/console/test/console.e2e.test.ts"], {
  cwd: repoRoot,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
