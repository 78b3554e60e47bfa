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
  "outcome",
  "reason",
  "correlation_id",
  "api_version",
  "schema_version",
  "occurred_at",
  "created_at",
  "prev_hash",
  "hash",
] as const;

/**
 * A cell a spreadsheet would read as a formula (OWASP, "CSV Injection"): one that starts with
 * a tab or carriage return, or whose first character after any leading whitespace (line
 * feeds included, which spreadsheets skip) is `=`, `+`, `-`, `@` or its full-width form
 * (`＝`, `＋`, `－`, `＠`, which some spreadsheets fold to ASCII).
 */
const FORMULA_START = /^[\t\r]|^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function isFormula(text: string): boolean {
  return FORMULA_START.test(text);
}

/**
 * One CSV field (RFC 4180). A formula is neutralised as OWASP advises: prefixed with `'`,
 * its quotes doubled and the whole field quoted, so the `'` stays the first character a
 * spreadsheet sees.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (isFormula(text)) return `"'${text.replaceAll('"', '""')}"`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
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
