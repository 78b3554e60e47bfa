import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvParser } from "../../packages/sdk/src/streaming/csv.js";
import { CSV_COLUMNS, csvCell, csvRow } from "../../packages/server/src/http/streaming/csv.js";

/**
 * CSV export neutralises formulas as OWASP's "CSV Injection" page advises: a field a
 * spreadsheet would evaluate (first character `=`, `+`, `-`, `@`, tab or carriage return,
 * also after leading whitespace and line feeds, also the full-width `＝＋－＠`) is written
 * as `"'…"`; every other field comes back from a CSV parser exactly as it went in.
 */

const TRIGGERS = ["=", "+", "-", "@", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"];
const LEADING_WHITESPACE = [" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\f", "\v"];

/** The oracle, written apart from the implementation: what a spreadsheet would run. */
function runsAsFormula(text: string): boolean {
  if (text.startsWith("\t") || text.startsWith("\r")) return true;
  let index = 0;
  while (index < text.length && /\s/.test(text[index] as string)) index++;
  return TRIGGERS.includes(text[index] ?? "");
}

function parseField(field: string): string {
  const parser = new CsvParser();
  const rows = [...parser.push(`${field}\r\n`), ...parser.end()];
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveLength(1);
  return rows[0]?.[0] as string;
}

const whitespace = fc
  .array(fc.constantFrom(...LEADING_WHITESPACE), { maxLength: 4 })
  .map((c) => c.join(""));
const formula = fc
  .tuple(whitespace, fc.constantFrom(...TRIGGERS), fc.string({ unit: "grapheme", maxLength: 30 }))
  .map(([space, trigger, rest]) => `${space}${trigger}${rest}`);
const anyText = fc.oneof(
  formula,
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(...TRIGGERS, ...LEADING_WHITESPACE, '"', ",", "a", "'"),
    maxLength: 12,
  }),
);

describe("CSV formula neutralisation (OWASP)", () => {
  it("when a text would run as a formula, then its field reads back as ' + the text, quoted", () => {
    fc.assert(
      fc.property(formula, (text) => {
        const field = csvCell(text);
        expect(field.startsWith(`"'`)).toBe(true);
        expect(parseField(field)).toBe(`'${text}`);
      }),
      { numRuns: 500 },
    );
  });

  it("when any text is written, then it reads back unchanged unless it is a formula", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const read = parseField(csvCell(text));
        expect(read).toBe(runsAsFormula(text) ? `'${text}` : text);
        // Whatever went in, what a spreadsheet sees first is never a formula.
        expect(runsAsFormula(read)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("when a whole event row is written, then every text column reads back neutralised", () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, (summary, workspace, action) => {
        const row = csvRow({
          id: "evt_1",
          seq: 1,
          action,
          summary,
          workspace_id: workspace,
          metadata: { summary },
        });
        const parser = new CsvParser();
        const [fields] = [...parser.push(row), ...parser.end()];
        expect(fields).toHaveLength(CSV_COLUMNS.length);
        const cell = (column: string) => fields?.[CSV_COLUMNS.indexOf(column as never)] as string;
        for (const [column, text] of [
          ["summary", summary],
          ["workspace_id", workspace],
          ["action", action],
        ] as const) {
          expect(cell(column)).toBe(runsAsFormula(text) ? `'${text}` : text);
        }
        expect(JSON.parse(cell("metadata"))).toEqual({ summary });
      }),
      { numRuns: 300 },
    );
  });
});
