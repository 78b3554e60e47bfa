// Builds the package as `pnpm --filter @chronicle/sdk build` does and checks what would be
// published: both module formats load, the .d.ts is self-contained, the browser bundle
// needs no Node built-in, and its size is within budget (and in the README).
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { kilobytes, measure } from "../scripts/size.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const dist = (file: string) => `${packageDir}dist/${file}`;

beforeAll(async () => {
  await promisify(execFile)("pnpm", ["exec", "tsup"], { cwd: packageDir });
}, 180_000);

describe("the built package", () => {
  it("loads as ESM and as CommonJS with the same exports", async () => {
    const esm = await import(dist("index.js"));
    const cjs = createRequire(import.meta.url)(dist("index.cjs"));
    expect(typeof esm.Chronicle).toBe("function");
    expect(typeof cjs.Chronicle).toBe("function");
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    const client = new cjs.Chronicle({ apiKey: "k", baseUrl: "http://localhost" });
    expect(typeof client.events.list).toBe("function");
  });

  it("ships declarations that do not depend on the private types package", async () => {
    for (const file of ["index.d.ts", "index.d.cts"]) {
      const declarations = await readFile(dist(file), "utf8");
      expect(declarations).not.toContain("@chronicle/types");
      expect(declarations).toContain("interface components");
    }
    const manifest = JSON.parse(await readFile(`${packageDir}package.json`, "utf8"));
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("@chronicle/types");
    expect(manifest.exports["."].import.default).toBe("./dist/index.js");
    expect(manifest.exports["."].require.default).toBe("./dist/index.cjs");
  });

  it("exports exactly the inventoried public surface (public-api.txt; UPDATE_SDK_API=1 rewrites)", async () => {
    const declarations = await readFile(dist("index.d.ts"), "utf8");
    const exportLine = /^export \{ (.*) \};$/m.exec(declarations)?.[1] ?? "";
    const surface = `${exportLine
      .split(", ")
      .map((name) => name.trim())
      .sort((a, b) => a.replace(/^type /, "").localeCompare(b.replace(/^type /, "")))
      .join("\n")}\n`;
    const inventory = `${packageDir}public-api.txt`;
    if (process.env.UPDATE_SDK_API) await writeFile(inventory, surface);
    expect(surface).toBe(await readFile(inventory, "utf8"));
  });

  it("bundles for the browser without Node built-ins, within its size budget", async () => {
    const { code, gzipped } = await measure();
    expect(code).not.toMatch(/from\s*"node:|require\("node:|\bBuffer\./);
    expect(gzipped).toBeLessThan(14 * 1024);
    const readme = await readFile(`${packageDir}README.md`, "utf8");
    expect(readme, "README size line is stale: run `pnpm --filter @chronicle/sdk size`").toContain(
      `${kilobytes(gzipped)} minified + gzipped`,
    );
  });
});
