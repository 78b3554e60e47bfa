/** Counts one failed authentication of `address` in the shared window: still allowed? */
export type CountAuthFailure = (
  address: string,
) => Promise<{ allowed: boolean; resetSeconds: number }>;

/** Addresses remembered as blocked; beyond this many, expired ones are swept first. */
const MAX_REMEMBERED = 10_000;

/**
 * Throttles failed authentication per client address. Failures are counted in the
 * database (one-minute windows, shared by every replica); an address over the limit is
 * remembered here until its window ends, so it is refused without a query while a valid
 * request from any other address costs nothing extra.
 */
export class AuthThrottle {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly countFailure: CountAuthFailure,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds left before `address` may try again; 0 when it is not blocked. */
  retryAfter(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const left = Math.ceil((until - this.now()) / 1000);
    if (left > 0) return left;
    this.blockedUntil.delete(address);
    return 0;
  }

  /**
   * Records a failure of `address`; blocks it once over the limit. Never throws: with the
   * database away the count is skipped, and the caller still gets its own answer (401).
   */
  async failed(address: string): Promise<void> {
    let decision: { allowed: boolean; resetSeconds: number };
    try {
      decision = await this.countFailure(address);
    } catch {
      return;
    }
    const { allowed, resetSeconds } = decision;
    if (allowed) return;
    if (this.blockedUntil.size >= MAX_REMEMBERED) this.sweep();
    this.blockedUntil.set(address, this.now() + resetSeconds * 1000);
  }

  private sweep(): void {
    const now = this.now();
    for (const [address, until] of this.blockedUntil) {
      if (until <= now) this.blockedUntil.delete(address);
    }
    // Still full (a flood of distinct addresses): forget the oldest half.
    if (this.blockedUntil.size >= MAX_REMEMBERED) {
      let drop = this.blockedUntil.size / 2;
      for (const address of this.blockedUntil.keys()) {
        if (drop-- <= 0) break;
        this.blockedUntil.delete(address);
      }
    }
  }
}
