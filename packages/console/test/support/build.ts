import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CONSOLE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

const require = createRequire(import.meta.url);

/** Runs the package's `vite build`s (as `pnpm build` does) in a child with NODE_ENV=production. */
export function buildConsole(): void {
  const vite = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  const env = { ...process.env, NODE_ENV: "production" };
  for (const config of ["vite.config.ts", "vite.embed.config.ts"]) {
    execFileSync(process.execPath, [vite, "build", "--config", config], {
      cwd: CONSOLE_ROOT,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
}
