/** CSV rendering of events: one header row, nested values as JSON, formulas neutralised. */

export const CSV_COLUMNS = [
  "id",
  "seq",
  "action",
  "actor",
  "target",
  "targets",
  "workspace_id",
  "summary",
  "metadata",
  "changes",
  "changed_fields",
  "context",
  "occurred_at",
  "created_at",
  "prev_hash",
  "hash",
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell a spreadsheet would run as a formula gets a leading `'` (OWASP's advice). */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = neutraliseFormula(typeof value === "object" ? JSON.stringify(value) : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

/** The columns holding an object or array (or null): JSON text, never a formula. */
const NESTED = new Set<string>([
  "actor",
  "target",
  "targets",
  "metadata",
  "changes",
  "changed_fields",
  "context",
]);

/**
 * JSON of an object or array starts with `{` or `[`, so it is never a formula, and it holds
 * no raw line break; it is quoted when it holds a quote or a comma, as csvCell would. An
 * export spends most of its CSV time here (bench/FINDINGS.md B6).
 */
function jsonCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const json = JSON.stringify(value);
  if (json.includes('"')) return `"${json.replace(/"/g, '""')}"`;
  return json.includes(",") ? `"${json}"` : json;
}

function cellOf(event: Record<string, unknown>, column: string): string {
  const value = event[column];
  return NESTED.has(column) && typeof value === "object" ? jsonCell(value) : csvCell(value);
}

export function csvRow(event: object): string {
  const record = event as Record<string, unknown>;
  let row = cellOf(record, CSV_COLUMNS[0]);
  for (let index = 1; index < CSV_COLUMNS.length; index++) {
    row += `,${cellOf(record, CSV_COLUMNS[index] as string)}`;
  }
  return `${row}\r\n`;
}
