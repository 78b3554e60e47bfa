import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(packageDir, "../..");
const committed = join(packageDir, "generated");
const GENERATED_FILES = ["openapi.json", "schema.d.ts"] as const;

interface GenerateModule {
  generate(outDir: string): Promise<{ openapi: string; types: string }>;
}

describe("packages/types/generated", () => {
  let fresh: string;

  beforeAll(async () => {
    fresh = mkdtempSync(join(tmpdir(), "chronicle-drift-"));
    const script = pathToFileURL(join(root, "scripts", "generate.mjs")).href;
    const { generate } = (await import(script)) as GenerateModule;
    await generate(fresh);
  }, 120_000);

  afterAll(() => {
    rmSync(fresh, { recursive: true, force: true });
  });

  it.each(GENERATED_FILES)(
    "when %s is regenerated from openapi/, then it equals the committed file",
    (file) => {
      const expected = readFileSync(join(fresh, file), "utf8");
      const actual = readFileSync(join(committed, file), "utf8");
      expect(
        actual === expected,
        `packages/types/generated/${file} differs from a fresh generation: run \`pnpm generate\``,
      ).toBe(true);
    },
  );
});
