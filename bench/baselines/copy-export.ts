/**
 * The export baseline as a server like Chronicle's: `COPY (SELECT …) TO STDOUT` (COPY_SQL)
 * streamed as the body of GET /export, from a child process pinned where Chronicle runs and
 * read by the bench over HTTP as Chronicle's export is, so both sides share CPU conditions.
 */
import { createServer } from "node:http";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";

const sql = process.env.COPY_SQL ?? "";
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });

const server = createServer(async (req, res) => {
  if (req.url === "/v1/health") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  if (req.url !== "/export" || !sql) {
    res.writeHead(404).end();
    return;
  }
  const client = await pool.connect();
  try {
    res.writeHead(200, { "content-type": "text/plain" });
    await pipeline(client.query(copyTo(sql)), res);
  } catch {
    res.destroy();
  } finally {
    client.release();
  }
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
