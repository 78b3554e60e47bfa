#!/usr/bin/env node
/**
 * Fails on a block of six or more lines repeated across `packages/` (jscpd, configured in
 * `.jscpd.json`) unless the pair of files is listed in `scripts/deliberate-duplicates.json`
 * with the reason the repetition is deliberate.
 *
 *   node scripts/check-duplicates.mjs
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";

const root = resolve(import.meta.dirname, "..");
const deliberateFile = join(root, "scripts/deliberate-duplicates.json");

/** @type {{ files: [string, string], reason: string }[]} */
const deliberate = JSON.parse(readFileSync(deliberateFile, "utf8"));
for (const entry of deliberate) {
  if (!Array.isArray(entry.files) || entry.files.length !== 2 || !entry.reason?.trim()) {
    throw new Error(`${deliberateFile}: each entry needs two files and a reason`);
  }
}
const pairKey = (a, b) => [a, b].sort().join("\n");
const allowed = new Map(deliberate.map((entry) => [pairKey(...entry.files), entry]));

const output = mkdtempSync(join(tmpdir(), "jscpd-"));
let clones;
try {
  execFileSync(
    join(root, "node_modules/.bin/jscpd"),
    ["--config", ".jscpd.json", "--reporters", "json", "--output", output, "--absolute"],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  clones = JSON.parse(readFileSync(join(output, "jscpd-report.json"), "utf8")).duplicates;
} finally {
  rmSync(output, { recursive: true, force: true });
}

const repoPath = (absolute) => relative(root, absolute).split(sep).join("/");
const where = (file) => `${repoPath(file.name)}:${file.start}-${file.end}`;
const used = new Set();
const unexplained = [];
for (const clone of clones) {
  const key = pairKey(repoPath(clone.firstFile.name), repoPath(clone.secondFile.name));
  if (allowed.has(key)) used.add(key);
  else unexplained.push(clone);
}

let failed = false;
for (const clone of unexplained) {
  console.error(`${where(clone.firstFile)}  ≡  ${where(clone.secondFile)}  (${clone.lines} lines)`);
}
if (unexplained.length > 0) {
  console.error(
    `\n✖ ${unexplained.length} repeated blocks: share the code, or list the pair with its reason in scripts/deliberate-duplicates.json`,
  );
  failed = true;
}
for (const [key, entry] of allowed) {
  if (used.has(key)) continue;
  console.error(`✖ listed as deliberate but no longer repeated: ${entry.files.join(" ≡ ")}`);
  failed = true;
}
if (failed) process.exit(1);
console.log(`✔ no unexplained repeated blocks (${clones.length} deliberate)`);
