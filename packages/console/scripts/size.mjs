// Reports the gzip size of the built embed and console bundles and fails when the embed
// (<chronicle-activity>, everything it needs included) is over its 50 kB budget.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const EMBED_BUDGET_BYTES = 50 * 1024;

export function gzipSize(file) {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const dist = fileURLToPath(new URL("../dist/", import.meta.url));
  const embed = gzipSize(join(dist, "embed", "chronicle-activity.js"));
  const consoleJs = readdirSync(join(dist, "assets"))
    .filter((name) => name.endsWith(".js"))
    .reduce((sum, name) => sum + gzipSize(join(dist, "assets", name)), 0);
  console.log(`embed   chronicle-activity.js  ${(embed / 1024).toFixed(1)} kB gzip (budget 50 kB)`);
  console.log(`console assets/*.js             ${(consoleJs / 1024).toFixed(1)} kB gzip`);
  if (embed > EMBED_BUDGET_BYTES) {
    console.error("The embed is over its budget.");
    process.exit(1);
  }
}
