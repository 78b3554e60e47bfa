/**
 * The middleware-cost baselines: a bare Express 5 app answering GET /v1/health with the
 * same JSON body as Chronicle's (passed in HEALTH_BODY) and nothing else in the stack, and
 * the same under /db/v1/health after a `SELECT 1` on a pg Pool (Chronicle's health pings
 * its database), which separates the middleware from the database round trip.
 */
import express from "express";
import pg from "pg";

const body: unknown = JSON.parse(process.env.HEALTH_BODY ?? '{"status":"ok"}');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();
app.get("/v1/health", (_req, res) => {
  res.json(body);
});
app.get("/db/v1/health", async (_req, res) => {
  await pool.query("SELECT 1");
  res.json(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
