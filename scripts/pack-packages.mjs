#!/usr/bin/env node
// The release's last step before `changeset publish`: builds @chronicle/sdk and
// @chronicle/server (the server with its docs site in dist/site and the built console in
// dist/console) and packs them with `pnpm pack`, which writes the tarballs npm would publish
// (workspace: versions resolved).
// Usage: node scripts/pack-packages.mjs [--out <dir>] [--skip-build | --if-stale]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGES = ["@chronicle/sdk", "@chronicle/server"];
const directories = { "@chronicle/sdk": "packages/sdk", "@chronicle/server": "packages/server" };

/** What each build reads and writes, to tell whether `dist/` is older than its sources. */
const BUILDS = {
  "@chronicle/sdk": {
    sources: ["packages/sdk/src", "packages/sdk/package.json", "packages/types/generated"],
    outputs: ["packages/sdk/dist/index.js", "packages/sdk/dist/index.cjs"],
  },
  "@chronicle/server": {
    sources: [
      "packages/server/src",
      "packages/server/package.json",
      "packages/types/generated",
      "docs",
      "scripts/docs",
      "scripts/build-docs.mjs",
      "packages/console/src",
      "packages/console/package.json",
    ],
    outputs: [
      "packages/server/dist/cli.js",
      "packages/server/dist/site/index.html",
      "packages/server/dist/console/index.html",
    ],
    // The server's build copies the console's (packages/console/dist) into its dist/console.
    alsoBuild: ["@chronicle/console"],
  },
};

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

/** True when an output is missing or older than any of its sources. */
export function isStale(name) {
  const { sources, outputs } = BUILDS[name];
  const paths = outputs.map((output) => join(root, output));
  if (!paths.every((path) => existsSync(path))) return true;
  const built = Math.min(...paths.map((path) => statSync(path).mtimeMs));
  return sources.some((source) => newest(join(root, source)) > built);
}

const pnpm = (args, cwd = root) =>
  execFileSync("pnpm", args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

/**
 * Builds and packs both packages into outDir; returns the tarballs. `build`: true (always),
 * false (pack what dist/ holds) or "if-stale" (build only when a source is newer).
 */
export function packPackages(outDir, { build = true } = {}) {
  mkdirSync(outDir, { recursive: true });
  const tarballs = {};
  for (const name of PACKAGES) {
    if (build === true || (build === "if-stale" && isStale(name))) {
      const filters = [...(BUILDS[name].alsoBuild ?? []), name].flatMap((n) => ["--filter", n]);
      pnpm([...filters, "run", "build"]);
    }
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
  const build = argv.includes("--skip-build")
    ? false
    : argv.includes("--if-stale")
      ? "if-stale"
      : true;
  const tarballs = packPackages(outDir, { build });
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name}: ${file}`);
}
