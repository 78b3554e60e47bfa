/** The do-it-yourself ingest endpoint on Fastify + pg (see diy-insert.ts). */
import Fastify from "fastify";
import { BadRequest, insertEvents, pool } from "./diy-insert.js";

const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
app.get("/v1/health", async () => ({ status: "ok" }));
app.post<{ Params: { table: string } }>("/:table/v1/events", async (req, reply) => {
  const [event] = await insertEvents(req.params.table, [req.body], req.headers["x-project"]);
  return reply.code(201).send(event);
});
app.post<{ Params: { table: string }; Body: { events?: unknown } }>(
  "/:table/v1/events/batch",
  async (req, reply) => {
    return reply.code(201).send({
      events: await insertEvents(req.params.table, req.body?.events, req.headers["x-project"]),
    });
  },
);
app.setErrorHandler((error, _req, reply) => {
  reply.code(error instanceof BadRequest ? 400 : 500).send({ error: String(error) });
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? "127.0.0.1" });
const stop = () => app.close().then(() => pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
