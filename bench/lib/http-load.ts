import autocannon from "autocannon";

export interface LoadOptions {
  /** One server, or several: connections are spread over them round-robin. */
  url: string | string[];
  connections: number;
  durationSeconds: number;
  /**
   * Stop after this many requests instead of after the duration: for requests so long that a
   * fixed window would complete only a handful of them (and count none of those in flight).
   */
  amount?: number;
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** Builds each request's body (and extra headers) so every request can differ. */
  nextRequest?: () => { body: string; headers?: Record<string, string> };
  /** Called with every response's status and latency (ms), as it arrives. */
  onResponse?: (status: number, latencyMs: number) => void;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  /** Every completed request's latency in ms. */
  latencies: number[];
  errors: number;
  non2xx: number;
  /** How many answers of each status outside 2xx. */
  non2xxByStatus: Record<number, number>;
}

/**
 * Throws, naming `what` and each status ("1 non-2xx (503 × 1), 0 errors"), unless every
 * request of the load was answered 2xx.
 */
export function expectAllAnswered(result: LoadResult, what: string): void {
  if (result.non2xx === 0 && result.errors === 0) return;
  const statuses = Object.entries(result.non2xxByStatus)
    .map(([status, count]) => `${status} × ${count}`)
    .join(", ");
  throw new Error(
    `${what}: ${result.non2xx} non-2xx${statuses ? ` (${statuses})` : ""}, ${result.errors} errors`,
  );
}

/**
 * A closed-loop HTTP load (autocannon: `connections` keep-alive connections, one request in
 * flight on each) for a fixed duration; every 2xx latency is recorded for exact percentiles.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const non2xxByStatus: Record<number, number> = {};
  const started = performance.now();
  let lastResponseAt = started;
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    const request: autocannon.Request = {
      method: options.method ?? "GET",
      path: options.path,
      headers,
    };
    if (options.nextRequest) {
      const next = options.nextRequest;
      request.setupRequest = (raw) => {
        const built = next();
        return { ...raw, body: built.body, headers: { ...headers, ...built.headers } };
      };
    }
    const instance = autocannon(
      {
        // autocannon spreads connections over an array of URLs (its types say string).
        url: options.url as string,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSeconds,
        ...(options.amount ? { amount: options.amount } : {}),
        requests: [request],
        timeout: 30,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        // autocannon ends (and reports its duration) on a whole-second tick: a fixed amount
        // is timed here instead, to its last response.
        const elapsed = (lastResponseAt - started) / 1000;
        const seconds = options.amount || !(result.duration > 0) ? elapsed : result.duration;
        resolve({
          requests: latencies.length,
          requestsPerSecond: latencies.length / seconds,
          latencies,
          errors: result.errors + result.timeouts,
          non2xx,
          non2xxByStatus,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      options.onResponse?.(statusCode, responseTime);
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else {
        non2xx += 1;
        non2xxByStatus[statusCode] = (non2xxByStatus[statusCode] ?? 0) + 1;
      }
    });
  });
}
