import { timedGet } from "./probe-client.js";
import { type Summary, summarize } from "./stats.js";

/** A call that times itself, such as a `getter`'s GET timed in the probe worker: its ms. */
export type TimedCall = () => Promise<number>;

/**
 * Times `count` sequential calls of `fn` (after `warmup` untimed ones), in ms. A `TimedCall`'s
 * own time is taken; any other call is timed around it.
 */
export async function timeEach(
  fn: (() => Promise<unknown>) | TimedCall,
  count: number,
  warmup = 0,
): Promise<number[]> {
  for (let index = 0; index < warmup; index++) await fn();
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const measured = await fn();
    times.push(typeof measured === "number" ? measured : performance.now() - started);
  }
  return times;
}

/**
 * Runs every named probe in `rounds` rounds, `perRound` timed calls each, rotating the
 * order per round so that no probe always runs right after another; returns the samples.
 */
export async function interleave<K extends string>(
  probes: Record<K, () => Promise<unknown>>,
  options: { rounds: number; perRound: number; warmup: number },
): Promise<Record<K, Summary>> {
  const names = Object.keys(probes) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (const name of names) await timeEach(probes[name], 0, options.warmup);
  for (let round = 0; round < options.rounds; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length] as K);
    for (const name of order)
      samples[name]?.push(...(await timeEach(probes[name], options.perRound)));
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name] ?? [])])) as Record<
    K,
    Summary
  >;
}

/**
 * A GET that must answer 2xx, timed in the probe worker (lib/probe-client.ts) from the request
 * to its body read in full; resolves to that time in ms.
 */
export function getter(url: string, headers: Record<string, string>): TimedCall {
  return async () => {
    const { ms, status, text } = await timedGet(url, headers);
    if (status < 200 || status > 299) throw new Error(`GET ${url} → ${status}: ${text}`);
    return ms;
  };
}
