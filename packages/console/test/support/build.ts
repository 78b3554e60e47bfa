import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const CONSOLE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

/** Builds the console and the embed (as `pnpm build` does) unless dist already has both. */
export async function ensureBuilt(force = false): Promise<void> {
  const built = existsSync(`${DIST}index.html`) && existsSync(`${DIST}embed/chronicle-activity.js`);
  if (built && !force) return;
  await build({ root: CONSOLE_ROOT, configFile: `${CONSOLE_ROOT}vite.config.ts` });
  await build({ root: CONSOLE_ROOT, configFile: `${CONSOLE_ROOT}vite.embed.config.ts` });
}
