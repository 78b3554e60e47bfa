import { Presets, SingleBar } from "cli-progress";

/** Progress of a long piece of work, on stderr so stdout stays the command's result. */
export interface Progress {
  /** How much there is to do, once known. */
  total(total: number): void;
  update(done: number, detail?: string): void;
  stop(summary?: string): void;
}

/**
 * A bar on a terminal (cli-progress); on a pipe or in CI, a plain line at most every
 * `everyMs`, so logs show the work moving without a line per step.
 */
export function createProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 2000,
): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} {detail}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    let started = false;
    let known = 0;
    return {
      total(total) {
        known = total;
        if (!started) bar.start(total, 0, { detail: "" });
        else bar.setTotal(total);
        started = true;
      },
      update(done, detail = "") {
        if (!started) {
          bar.start(Math.max(known, done), 0, { detail });
          started = true;
        }
        bar.update(done, { detail });
      },
      stop(summary) {
        if (started) bar.stop();
        if (summary) stream.write(`${summary}\n`);
      },
    };
  }
  let total: number | undefined;
  let last = 0;
  const line = (done: number, detail: string) =>
    stream.write(
      `${label}: ${done}${total === undefined ? "" : `/${total}`}${detail ? ` ${detail}` : ""}\n`,
    );
  return {
    total(value) {
      total = value;
    },
    update(done, detail = "") {
      const now = Date.now();
      if (now - last < everyMs && done !== total) return;
      last = now;
      line(done, detail);
    },
    stop(summary) {
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
