// Preloaded into a server process (`--import`) to give it a clock that is off by
// CHRONICLE_TEST_CLOCK_SKEW_MS milliseconds, as a replica whose clock drifted would have.
// Only the process clock moves: the database keeps its own.
const skew = Number(process.env.CHRONICLE_TEST_CLOCK_SKEW_MS ?? 0);
const RealDate = globalThis.Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }

  static now() {
    return RealDate.now() + skew;
  }
}

globalThis.Date = SkewedDate;
