// Builds the console unless dist/ is newer than every source file: `pnpm start` runs it so
// that /console works on a fresh clone without a separate `pnpm build`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const outputs = ["dist/index.html", "dist/embed/chronicle-activity.js"].map((f) => join(root, f));

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = ["src", "index.html", "vite.config.ts", "vite.embed.config.ts", "vite.shared.ts"]
  .map((f) => join(root, f))
  .concat(join(root, "../sdk/src"));
const built = outputs.every((f) => existsSync(f));
const stale = !built || Math.min(...outputs.map(newest)) < Math.max(...sources.map(newest));
if (stale) {
  const require = createRequire(import.meta.url);
  const vite = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  for (const config of ["vite.config.ts", "vite.embed.config.ts"]) {
    const result = spawnSync(process.execPath, [vite, "build", "--config", config], {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  console.log("console built (packages/console/dist)");
}
