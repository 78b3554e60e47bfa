import { createServer } from "node:net";

/**
 * Rejects with the error `listen` would meet (EADDRINUSE, EACCES) before any slow start-up
 * work, such as seeding the demo project, so a taken port is reported at once.
 */
export function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
