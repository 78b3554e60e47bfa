import { searchWordShares } from "../../store/event-search.js";
import type { Store } from "../../store/types.js";

/**
 * Which parts of a search the trigram index is asked for. pg_trgm looks up every trigram
 * of the text and the GIN scan decodes each one's whole posting list, so a word that most
 * events hold (`usr` in `usr_0042_3`: 91 % of a 1 M-event project) costs a full pass over
 * its posting lists for no narrowing: 4 of 11 trigrams, two thirds of the index time
 * (bench/FINDINGS.md B27). Such words are left to the row test: the index gets the other
 * words (runPieces), and the whole text is still tested on every row, so the rows are
 * exactly the plain search's.
 */

/** Newest events of the project sampled to tell how common a word is. */
const SAMPLE = 500;
/** A word held by at least this share of the sample is not looked up in the index. */
const COMMON_SHARE = 0.25;
/** Words shorter than this give at most two trigrams: always kept. */
const MIN_DROPPED_LENGTH = 3;
/** Fewer words than this left for the index: the whole text is looked up instead. */
const MIN_KEPT_WORDS = 2;
/**
 * Words of one search sampled at most: each is a LIKE over the sample's texts, so a
 * 200-character search of fresh words must not cost dozens of passes. Words past these are
 * asked of the index, as a rare word is.
 */
const MAX_SAMPLED_WORDS = 8;
const SHARE_TTL_MS = 60_000;
/** Shares kept per project; a project past it forgets its own, never another project's. */
const MAX_SHARES_PER_PROJECT = 512;
const MAX_PROJECTS = 4096;

const WORD = /[\p{L}\p{N}]+/gu;
const PLAIN_SEPARATOR = /^[\x20-\x7e]$/;

interface Token {
  word: string;
  start: number;
  end: number;
}

const sharesByProject = new Map<string, Map<string, { share: number; at: number }>>();

function projectShares(projectId: string): Map<string, { share: number; at: number }> {
  let shares = sharesByProject.get(projectId);
  if (!shares) {
    if (sharesByProject.size >= MAX_PROJECTS) sharesByProject.clear();
    shares = new Map();
    sharesByProject.set(projectId, shares);
  }
  return shares;
}

async function wordShares(
  store: Store,
  projectId: string,
  words: string[],
  now: number,
): Promise<Map<string, number>> {
  const shares = projectShares(projectId);
  const known = new Map<string, number>();
  const missing: string[] = [];
  for (const word of words) {
    const cached = shares.get(word);
    if (cached && now - cached.at < SHARE_TTL_MS) known.set(word, cached.share);
    else missing.push(word);
  }
  if (missing.length > 0) {
    const measured = await searchWordShares(store, projectId, missing, SAMPLE);
    if (shares.size + missing.length > MAX_SHARES_PER_PROJECT) shares.clear();
    missing.forEach((word, n) => {
      const share = measured[n] ?? 0;
      known.set(word, share);
      shares.set(word, { share, at: now });
    });
  }
  return known;
}

/**
 * The pieces of one run of kept tokens: each word of MIN_DROPPED_LENGTH characters or more
 * on its own, so the index gets its inner trigrams only. A word's boundary trigrams (`  0`,
 * ` 00` and `42 ` of `0042`) are those of every word that starts or ends alike, far
 * commoner than its inner ones: they lengthened the posting lists a rare search decodes and
 * narrowed little (a search of ten events in 5 M: 111–164 → 60–71 ms, bench/FINDINGS.md B62).
 * A shorter word has no inner trigram: it goes with the text up to the long word that
 * follows it in the run (or the one before it, at the run's end). A run of short words only
 * is asked as one piece with its separators (pieceOf).
 */
function runPieces(text: string, run: Token[]): string[] {
  // Characters, as pg_trgm counts them, not UTF-16 units: `𝔸𝔹` has no trigram of its own.
  const long = (token: Token) => [...token.word].length >= MIN_DROPPED_LENGTH;
  if (!run.some(long)) return [pieceOf(text, run)];
  const pieces: { start: number; end: number }[] = [];
  let shortFrom: number | undefined;
  for (const token of run) {
    if (!long(token)) {
      shortFrom ??= token.start;
      continue;
    }
    pieces.push({ start: shortFrom ?? token.start, end: token.end });
    shortFrom = undefined;
  }
  const last = pieces[pieces.length - 1] as { start: number; end: number };
  if (shortFrom !== undefined) last.end = (run[run.length - 1] as Token).end;
  return pieces.map((piece) => text.slice(piece.start, piece.end));
}

/** One run of kept tokens as a substring of `text`, with a plain separator on each side. */
function pieceOf(text: string, run: Token[]): string {
  const first = run[0] as Token;
  const last = run[run.length - 1] as Token;
  const before = text[first.start - 1];
  const after = text[last.end];
  const start =
    before !== undefined && PLAIN_SEPARATOR.test(before) ? first.start - 1 : first.start;
  const end = after !== undefined && PLAIN_SEPARATOR.test(after) ? last.end + 1 : last.end;
  return text.slice(start, end);
}

/** How a search is read. */
export interface SearchPlan {
  /**
   * The substrings of the search to look up in the trigram index, or undefined when the
   * whole text should be (no common word, or fewer than two other words).
   */
  pieces: string[] | undefined;
  /**
   * At most RARE_SHARE of the newest events hold the text: a page of it lies spread over
   * many events, so it is looked for bucket by bucket from the cursor on
   * (store/event-search.ts, readSearchBuckets). A commoner text is found by walking down seq.
   */
  rare: boolean;
}

/**
 * The share of the sample at or under which a search is rare (5 of 500 events). Near it both
 * reads cost about the same: at 5 M events, a page of a text held by 3 % of the events took
 * 6.5 ms bucket by bucket and 2.3 ms walked; one held by 0.06 %, 6 ms and 130 ms.
 */
const RARE_SHARE = 0.01;

/**
 * How many seqs a search the sample found common is walked through before it is read as a
 * rare one: a text held by more than RARE_SHARE of the events fills a page of `rows` within
 * them. The sample is the newest events only, so a text can be common there and rare in the
 * rest of the project (one person's burst of activity); a walk past this window would test
 * every event down to its next page (bench/FINDINGS.md B54).
 */
export function commonSearchWindow(rows: number): number {
  return Math.ceil(rows / RARE_SHARE);
}

export async function searchPlan(
  store: Store,
  projectId: string,
  search: string,
  now: number = Date.now(),
): Promise<SearchPlan> {
  const text = search.toLowerCase();
  const tokens: Token[] = [...text.matchAll(WORD)].map((match) => ({
    word: match[0],
    start: match.index,
    end: match.index + match[0].length,
  }));
  const candidates = [
    ...new Set(tokens.map((t) => t.word).filter((w) => w.length >= MIN_DROPPED_LENGTH)),
  ].slice(0, MAX_SAMPLED_WORDS - 1);
  const sampled = tokens.length < 2 ? [] : candidates;
  const known = await wordShares(store, projectId, [...new Set([text, ...sampled])], now);
  const rare = (known.get(text) ?? 0) <= RARE_SHARE;
  return { pieces: piecesOf(text, tokens, sampled.length === 0 ? undefined : known), rare };
}

function piecesOf(
  text: string,
  tokens: Token[],
  known: Map<string, number> | undefined,
): string[] | undefined {
  if (known === undefined) return undefined;
  const common = (token: Token) => (known.get(token.word) ?? 0) >= COMMON_SHARE;
  // One word left narrows too little: `usr_0042` asked as `_0042` finds every `*_0042*` id
  // and costs more rows to test than the common word's posting lists (2.2 × slower at 1 M).
  const kept = tokens.filter((token) => !common(token)).length;
  if (kept === tokens.length || kept < MIN_KEPT_WORDS) return undefined;
  const pieces: string[] = [];
  let run: Token[] = [];
  for (const token of [...tokens, null]) {
    if (token !== null && !common(token)) {
      run.push(token);
      continue;
    }
    if (run.length > 0) pieces.push(...runPieces(text, run));
    run = [];
  }
  return pieces;
}
