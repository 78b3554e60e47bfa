import { querySyntaxError } from "./syntax-error.js";

/** A lexical unit of a `q=` query; `at` is its index in the query. */
export type Token =
  | { kind: "(" | ")" | "OR" | "AND" | "NOT"; at: number }
  /** `key:value` (key set) or free text (key undefined); `valueAt` is where the value starts. */
  | { kind: "term"; at: number; key?: string; value: string; valueAt: number };

const KEY = /^[a-z][a-z_]*$/;
const KEYWORDS = new Set(["OR", "AND", "NOT"]);

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

function endsWord(char: string | undefined): boolean {
  return char === undefined || isSpace(char) || char === "(" || char === ")" || char === '"';
}

/** A `-` negates what follows it unless a space, a `)` or the end does (then it is text). */
function negates(next: string | undefined): boolean {
  return next !== undefined && !isSpace(next) && next !== ")";
}

/**
 * Splits a query into tokens: parentheses, `OR`/`AND`/`NOT` (upper case), `-` before a term
 * (a `NOT`), quoted phrases (`\"` and `\\` escape), and words, a word being `key:value`
 * when it has a lower-case key before its first colon (`key:"a value"` quotes the value).
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;

  const quoted = (open: number): { text: string; end: number } => {
    let text = "";
    let at = open + 1;
    while (at < query.length) {
      const char = query[at] as string;
      if (char === '"') return { text, end: at + 1 };
      if (char === "\\" && (query[at + 1] === '"' || query[at + 1] === "\\")) {
        text += query[at + 1];
        at += 2;
      } else {
        text += char;
        at += 1;
      }
    }
    throw querySyntaxError(query, open, "unclosed quote");
  };

  while (index < query.length) {
    const char = query[index] as string;
    if (isSpace(char)) {
      index += 1;
    } else if (char === "(" || char === ")") {
      tokens.push({ kind: char, at: index });
      index += 1;
    } else if (char === "-" && negates(query[index + 1])) {
      tokens.push({ kind: "NOT", at: index });
      index += 1;
    } else if (char === '"') {
      const phrase = quoted(index);
      tokens.push({ kind: "term", at: index, value: phrase.text, valueAt: index + 1 });
      index = phrase.end;
    } else {
      let end = index;
      while (!endsWord(query[end])) end += 1;
      const word = query.slice(index, end);
      const colon = word.indexOf(":");
      const key = colon > 0 ? word.slice(0, colon) : undefined;
      if (key !== undefined && KEY.test(key)) {
        const valueAt = index + colon + 1;
        if (valueAt === end && query[end] === '"') {
          const value = quoted(end);
          tokens.push({ kind: "term", at: index, key, value: value.text, valueAt: end + 1 });
          index = value.end;
          continue;
        }
        tokens.push({ kind: "term", at: index, key, value: word.slice(colon + 1), valueAt });
      } else if (KEYWORDS.has(word)) {
        tokens.push({ kind: word as "OR" | "AND" | "NOT", at: index });
      } else {
        tokens.push({ kind: "term", at: index, value: word, valueAt: index });
      }
      index = end;
    }
  }
  return tokens;
}
