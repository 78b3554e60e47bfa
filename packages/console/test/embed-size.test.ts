import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_ROOT } from "./support/build.js";

const BUDGET = 50 * 1024;
const require = createRequire(import.meta.url);
let outDir: string;
let bundle: Buffer;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "chronicle-embed-"));
  const vite = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  execFileSync(
    process.execPath,
    [vite, "build", "--config", "vite.embed.config.ts", "--outDir", outDir, "--emptyOutDir"],
    { cwd: CONSOLE_ROOT, env: { ...process.env, NODE_ENV: "production" }, stdio: "ignore" },
  );
  bundle = await readFile(join(outDir, "chronicle-activity.js"));
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe("the <chronicle-activity> bundle", () => {
  it("when built for production, then it is one module within 50 kB gzip", () => {
    const gzip = gzipSync(bundle, { level: 9 }).length;
    expect(gzip).toBeGreaterThan(5 * 1024);
    expect(gzip, `${(gzip / 1024).toFixed(1)} kB gzip`).toBeLessThanOrEqual(BUDGET);
  });

  it("when built, then it carries its dependencies (no bare imports) and no Lit dev mode", () => {
    const text = bundle.toString("utf8");
    expect(text).not.toMatch(/^\s*import\s.*from\s*["'][^./]/m);
    expect(text).not.toContain("Lit is in dev mode");
    expect(text).toContain("chronicle-activity");
  });
});
