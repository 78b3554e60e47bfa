#!/usr/bin/env node
// The release's last step before `changeset publish`: builds @chronicle/sdk and
// @chronicle/server (the server with its docs site in dist/site) and packs them with
// `pnpm pack`, which writes the tarballs npm would publish (workspace: versions resolved).
// Usage: node scripts/pack-packages.mjs [--out <dir>] [--skip-build]
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGES = ["@chronicle/sdk", "@chronicle/server"];
const directories = { "@chronicle/sdk": "packages/sdk", "@chronicle/server": "packages/server" };

const pnpm = (args, cwd = root) =>
  execFileSync("pnpm", args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

/** Builds (unless told not to) and packs both packages into outDir; returns the tarballs. */
export function packPackages(outDir, { build = true } = {}) {
  mkdirSync(outDir, { recursive: true });
  const tarballs = {};
  for (const name of PACKAGES) {
    if (build) pnpm(["--filter", name, "run", "build"]);
    const before = new Set(readdirSync(outDir));
    pnpm(["pack", "--pack-destination", outDir], join(root, directories[name]));
    const made = readdirSync(outDir).find((file) => file.endsWith(".tgz") && !before.has(file));
    const slug = name.replace("@", "").replace("/", "-");
    tarballs[name] = join(outDir, made ?? readdirSync(outDir).find((f) => f.startsWith(slug)));
  }
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const index = argv.indexOf("--out");
  const outDir = resolve(index === -1 ? join(root, "dist-packages") : argv[index + 1]);
  const tarballs = packPackages(outDir, { build: !argv.includes("--skip-build") });
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name}: ${file}`);
}
