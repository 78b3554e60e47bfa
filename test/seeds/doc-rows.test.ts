// docs/guides/coming-from.md and test/seeds/ stay matched: every table row linked to a seed's
// test file names a test of that file, and every test of a seed file is a row of its table.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const guide = readFileSync(resolve(here, "../../docs/guides/coming-from.md"), "utf8");
const seedFiles = readdirSync(here).filter((file) => /^\d{3}-.+\.test\.ts$/.test(file));

/** The first cells of the table rows linked to seed `seed` (`| [row name][000] |`). */
function rowsLinkedTo(seed: string): string[] {
  const pattern = new RegExp(`^\\| \\[(.+?)\\]\\[${seed}\\] +\\|`, "gm");
  return [...guide.matchAll(pattern)].map((match) => match[1] ?? "");
}

/** The names of the `it(…)` tests of a seed file. */
function testNames(file: string): string[] {
  const source = readFileSync(join(here, file), "utf8");
  return [...source.matchAll(/^\s*it\((["'`])(.+?)\1,/gm)].map((match) => match[2] ?? "");
}

describe("the coming-from guide and the seed tests", () => {
  it("when the suites are listed, then there is one per seed, each linked from the guide", () => {
    expect(seedFiles.map((file) => file.slice(0, 3))).toEqual(["000", "001", "002", "003", "004"]);
    for (const file of seedFiles) {
      expect(guide).toContain(
        `[${file.slice(0, 3)}]: https://github.com/chronicle-dev/chronicle/blob/main/test/seeds/${file}`,
      );
    }
  });

  it.each(seedFiles)(
    "when %s is read, then its tests are exactly its table's linked rows",
    (file) => {
      const rows = rowsLinkedTo(file.slice(0, 3));
      expect(rows.length).toBeGreaterThan(10);
      expect([...testNames(file)].sort()).toEqual([...rows].sort());
    },
  );
});
