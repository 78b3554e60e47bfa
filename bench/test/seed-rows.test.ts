import { describe, expect, it } from "vitest";
import { seedChunks } from "../lib/seed-rows.js";

const COLUMNS = [
  "project_id",
  "seq",
  "id",
  "search_text",
  "target_keys",
  "changed_fields",
  "hash",
  "prev_hash",
];

function fromCopyText(field: string): string | null {
  if (field === "\\N") return null;
  return field.replace(/\\(.)/g, (_, char: string) =>
    char === "t" ? "\t" : char === "n" ? "\n" : char === "r" ? "\r" : char,
  );
}

describe("seeded rows", () => {
  const lines = [...seedChunks("prj_test", 500, 7, COLUMNS, () => undefined, 100)]
    .join("")
    .split("\n")
    .filter(Boolean);

  it("when seeded, then there is one COPY line per event, each with every column", () => {
    expect(lines).toHaveLength(500);
    for (const line of lines) expect(line.split("\t")).toHaveLength(COLUMNS.length);
  });

  it("when seeded, then seq runs 1…n and prev_hash chains to the previous hash", () => {
    const rows = lines.map((line) => line.split("\t").map(fromCopyText));
    rows.forEach((row, index) => {
      expect(row[1]).toBe(String(index + 1));
      expect(row[7]).toBe(index === 0 ? null : rows[index - 1]?.[6]);
    });
  });

  it("when the same seed is used twice, then the rows are the same but for the ids", () => {
    const again = [...seedChunks("prj_test", 500, 7, COLUMNS, () => undefined, 100)].join("");
    const withoutIds = (text: string) => text.replace(/evt_[0-9A-Z]{26}/g, "evt_");
    expect(withoutIds(again)).toBe(withoutIds(`${lines.join("\n")}\n`));
  });

  it("when a target key is written, then it is a PostgreSQL array literal of JSON [type, id]", () => {
    const keys = fromCopyText(lines[0]?.split("\t")[4] ?? "") ?? "";
    expect(keys).toMatch(/^\{"\[\\"[a-z_]+\\",\\"[a-z]+_[0-9a-z_]+\\"\]"/);
  });
});
