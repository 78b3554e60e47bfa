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

export function csvRow(event: object): string {
  return `${CSV_COLUMNS.map((column) => csvCell((event as Record<string, unknown>)[column])).join(",")}\r\n`;
}
