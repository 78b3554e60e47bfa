import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of PostgreSQL that a test controls: the server under test connects
 * through it, and the test makes the database unreachable without touching the shared cluster.
 */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /**
   * Makes the database unreachable. `"refuse"`: open connections are reset and new ones are
   * closed at once (a stopped database). `"blackhole"`: open connections are reset, new ones
   * are accepted and never answered. `"partition"`: open connections stay open but carry
   * nothing more, and new ones are never answered (a network partition, where no reset ever
   * arrives: the worst case for timeouts).
   */
  cut(mode?: "refuse" | "blackhole" | "partition"): void;
  /** Forwards again; connections made while cut stay dead. */
  restore(): void;
  /** Connections currently forwarded. */
  readonly openConnections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: "open" | "refuse" | "blackhole" | "partition" = "open";
  /** Client socket → its upstream socket, for connections being forwarded. */
  const forwarded = new Map<Socket, Socket>();
  const held = new Set<Socket>();

  const drop = (socket: Socket) => {
    socket.on("error", () => undefined);
    socket.resetAndDestroy();
  };

  const server: Server = createServer((client) => {
    client.on("error", () => undefined);
    if (mode === "refuse") {
      drop(client);
      return;
    }
    if (mode === "blackhole" || mode === "partition") {
      held.add(client);
      client.on("close", () => held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("close", () => {
      upstream.destroy();
      forwarded.delete(client);
    });
    upstream.on("close", () => client.destroy());
    forwarded.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    port,
    rewrite(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    cut(cutMode = "refuse") {
      mode = cutMode;
      for (const [client, upstream] of forwarded) {
        if (cutMode === "partition") {
          client.unpipe(upstream);
          upstream.unpipe(client);
          client.pause();
          upstream.pause();
          held.add(client);
          held.add(upstream);
        } else {
          drop(client);
          drop(upstream);
        }
      }
      forwarded.clear();
    },
    restore() {
      mode = "open";
      for (const socket of held) drop(socket);
      held.clear();
    },
    get openConnections() {
      return forwarded.size;
    },
    async close() {
      for (const socket of [...forwarded.keys(), ...forwarded.values(), ...held]) drop(socket);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
