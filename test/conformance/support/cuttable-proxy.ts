import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of PostgreSQL whose cable can be cut: after `cut()`, open
 * connections are reset and new ones refused, exactly as when the database host goes away.
 */
export interface CuttableProxy {
  /** `target` with host and port rewritten to go through the proxy. */
  url: string;
  cut(): Promise<void>;
  close(): Promise<void>;
}

export async function cuttableProxy(targetUrl: string): Promise<CuttableProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("proxy did not bind");
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  let closed = false;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.resetAndDestroy();
      if (closed) return resolve();
      closed = true;
      server.close(() => resolve());
    });
  return { url: url.toString(), cut: close, close };
}
