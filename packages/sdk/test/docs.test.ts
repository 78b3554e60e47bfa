// docs/sdk.md embeds the files of docs/sdk-examples/, which `pnpm typecheck` compiles.
// This test fails when a block and its file differ, when a ```ts block has no file, or
// when a file is not shown. UPDATE_SDK_DOCS=1 rewrites the blocks from the files.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const docsDir = fileURLToPath(new URL("../../../docs/", import.meta.url));
const guidePath = `${docsDir}sdk.md`;
const examplesDir = `${docsDir}sdk-examples/`;
const MARKER = /<!-- example: ([\w.-]+\.ts) -->\n```ts\n([\s\S]*?)```/g;

/** What readers see: the package name instead of the in-repo path the typecheck needs. */
function asShown(source: string): string {
  return source.replaceAll('"../../packages/sdk/src/index.js"', '"@chronicle/sdk"');
}

describe("docs/sdk.md", () => {
  it("shows every example file, exactly as compiled", async () => {
    const guide = await readFile(guidePath, "utf8");
    const files = (await readdir(examplesDir)).filter((file) => file.endsWith(".ts")).sort();
    const embedded = new Set<string>();
    const stale: string[] = [];
    let updated = guide;
    for (const match of guide.matchAll(MARKER)) {
      const [block, file, shown] = match as unknown as [string, string, string];
      embedded.add(file);
      const expected = asShown(await readFile(`${examplesDir}${file}`, "utf8"));
      if (shown !== expected) {
        stale.push(file);
        updated = updated.replace(block, `<!-- example: ${file} -->\n\`\`\`ts\n${expected}\`\`\``);
      }
    }
    if (process.env.UPDATE_SDK_DOCS && updated !== guide) await writeFile(guidePath, updated);
    else expect(stale, "blocks that differ from their file").toEqual([]);
    expect([...embedded].sort()).toEqual(files);
  });

  it("has no TypeScript block that is not an example file", async () => {
    const guide = await readFile(guidePath, "utf8");
    const blocks = guide.match(/```ts\n/g) ?? [];
    const markers = guide.match(/<!-- example: [\w.-]+\.ts -->\n```ts\n/g) ?? [];
    expect(blocks.length).toBeGreaterThan(5);
    expect(markers.length).toBe(blocks.length);
  });
});
