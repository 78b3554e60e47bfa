import { rssOf } from "./processes.js";

export interface RssTrace {
  before: number;
  peak: number;
  samples: { atMs: number; bytes: number }[];
}

/** Samples a process's RSS every `intervalMs` while `work` runs. */
export async function withRssSampling<T>(
  pid: number,
  work: () => Promise<T>,
  intervalMs = 50,
): Promise<{ result: T; trace: RssTrace }> {
  const started = performance.now();
  const before = rssOf(pid);
  const samples: RssTrace["samples"] = [{ atMs: 0, bytes: before }];
  const timer = setInterval(() => {
    samples.push({ atMs: performance.now() - started, bytes: rssOf(pid) });
  }, intervalMs);
  try {
    const result = await work();
    samples.push({ atMs: performance.now() - started, bytes: rssOf(pid) });
    const peak = Math.max(...samples.map((sample) => sample.bytes));
    return { result, trace: { before, peak, samples } };
  } finally {
    clearInterval(timer);
  }
}

export const MB = 1024 * 1024;
