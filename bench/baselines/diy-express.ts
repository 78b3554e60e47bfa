/** The do-it-yourself ingest endpoint on Express 5 + pg (see diy-insert.ts). */
import express from "express";
import { BadRequest, insertEvents, pool } from "./diy-insert.js";

const app = express();
app.use(express.json({ limit: "8mb" }));
app.get("/v1/health", (_req, res) => {
  res.json({ status: "ok" });
});
app.post("/:table/v1/events", async (req, res) => {
  const [event] = await insertEvents(req.params.table, [req.body], req.headers["x-project"]);
  res.status(201).json(event);
});
app.post("/:table/v1/events/batch", async (req, res) => {
  res.status(201).json({
    events: await insertEvents(req.params.table, req.body?.events, req.headers["x-project"]),
  });
});
app.use(
  (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error instanceof BadRequest ? 400 : 500).json({ error: String(error) });
  },
);
const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
