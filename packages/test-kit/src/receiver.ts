import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** What this receiver answered (null: it closed the connection or timed the sender out). */
  status: number | null;
  /** The sender's port: requests with the same one came on the same connection. */
  senderPort: number;
}

/** How the receiver answers the n-th request (0-based): a status, a delay, or a dropped connection. */
export type Behaviour = (
  index: number,
  request: Received,
) => {
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
  drop?: boolean;
  body?: string;
};

/** A local HTTP server standing in for a webhook endpoint, a Splunk HEC or a Datadog intake. */
export class Receiver {
  readonly requests: Received[] = [];
  private inFlight = 0;
  get inFlightNow() {
    return this.inFlight;
  }
  maxInFlight = 0;
  private server: Server | undefined;
  url = "";

  constructor(private behaviour: Behaviour = () => ({ status: 200 })) {}

  setBehaviour(behaviour: Behaviour) {
    this.behaviour = behaviour;
  }

  /** `keepAliveMs`: how long an idle connection is kept (Node's default, 5 s, when absent). */
  async start(options: { keepAliveMs?: number } = {}): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    if (options.keepAliveMs !== undefined) this.server.keepAliveTimeout = options.keepAliveMs;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const received: Received = {
        path: req.url ?? "",
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([key, value]) => [key, String(value)]),
        ),
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
        status: null,
        senderPort: req.socket.remotePort ?? 0,
      };
      const index = this.requests.length;
      this.requests.push(received);
      let open = true;
      // In flight until answered or until the sender gives up and closes the connection.
      const settle = () => {
        if (open) this.inFlight--;
        open = false;
      };
      res.on("close", settle);
      const answer = this.behaviour(index, received);
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (answer.drop) {
        settle();
        req.socket.destroy();
        return;
      }
      if (res.destroyed || req.socket.destroyed) return;
      settle();
      received.status = answer.status ?? 200;
      res.writeHead(received.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
