#!/usr/bin/env node
// `pnpm mock`: Prism serving the contract's examples, behind a small front that checks the
// bearer token like the real server does. Prism itself only checks that a token is
// present; the front answers 401 `unauthorized` to any token but the documented mock key.
//
//   node scripts/mock.mjs [--port 4010] [--host 127.0.0.1]
//   CHRONICLE_MOCK_KEY   the key the mock accepts (default chr_mock_key)
//
// Everything else (validation of parameters and bodies, the examples, `Prefer: code=…`,
// `Prefer: example=…`, `Prefer: dynamic=true`) is Prism's own behaviour.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import { createServer as createNetServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const MOCK_KEY = process.env.CHRONICLE_MOCK_KEY || "chr_mock_key";
/** Operations the contract leaves open (no credential): health and its probes. */
const OPEN_PATHS = /^\/v1\/health(\/|$)/;

function option(argv, name, fallback) {
  const index = argv.indexOf(name);
  return index === -1 ? fallback : argv[index + 1];
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function unauthorized(res) {
  const requestId = `req_mock${randomUUID().replaceAll("-", "").slice(0, 18)}`;
  res.writeHead(401, {
    "Content-Type": "application/problem+json",
    "Request-Id": requestId,
    "WWW-Authenticate": 'Bearer realm="chronicle"',
  });
  res.end(
    JSON.stringify({
      type: "https://chronicle.dev/problems/unauthorized",
      title: "Unauthorized",
      status: 401,
      code: "unauthorized",
      detail: `The mock accepts only its documented key: Authorization: Bearer ${MOCK_KEY}`,
      request_id: requestId,
    }),
  );
}

/** Passes a request to Prism unless it carries a token other than the mock key. */
function front(prismPort) {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const auth = req.headers.authorization;
    // A missing token is Prism's to answer (its 401 comes from the contract's own example).
    if (auth !== undefined && !OPEN_PATHS.test(path) && auth !== `Bearer ${MOCK_KEY}`) {
      req.resume();
      unauthorized(res);
      return;
    }
    const upstream = request(
      {
        host: "127.0.0.1",
        port: prismPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`prism is not answering: ${error.message}\n`);
    });
    req.pipe(upstream);
  });
}

/**
 * Resolves once Prism answers HTTP on its port (it takes seconds to load the contract), so
 * the front listens, and its URL is printed, only when a request would get Prism's answer.
 */
async function prismAnswers(prismPort, prism) {
  const exited = new Promise((_, reject) =>
    prism.once("exit", (code, signal) =>
      reject(new Error(`prism exited before it answered (${signal ?? `exit code ${code}`})`)),
    ),
  );
  exited.catch(() => {});
  for (;;) {
    const answered = await new Promise((resolveProbe) => {
      const probe = request({ host: "127.0.0.1", port: prismPort, path: "/v1/health" }, (res) => {
        res.resume();
        resolveProbe(true);
      });
      probe.once("error", () => resolveProbe(false));
      probe.end();
    });
    if (answered) return;
    await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  }
}

async function main(argv) {
  const port = Number(option(argv, "--port", process.env.PORT || "4010"));
  const host = option(argv, "--host", "127.0.0.1");
  const prismPort = await freePort();
  const prism = spawn(
    join(root, "node_modules/.bin/prism"),
    ["mock", "-p", String(prismPort), "--host", "127.0.0.1", join(root, "openapi/openapi.yaml")],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  let stopping = false;
  const stopEarly = () => {
    stopping = true;
    prism.kill("SIGTERM");
  };
  process.once("SIGINT", stopEarly);
  process.once("SIGTERM", stopEarly);
  try {
    await prismAnswers(prismPort, prism);
  } catch (error) {
    if (stopping) return;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  process.off("SIGINT", stopEarly);
  process.off("SIGTERM", stopEarly);
  const server = front(prismPort);
  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolveListen);
  });
  const address = server.address();
  process.stdout.write(
    `Chronicle mock on http://${host}:${address.port} (key: ${MOCK_KEY}); Ctrl+C to stop\n`,
  );
  const stop = () => {
    server.close();
    prism.kill("SIGTERM");
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  prism.once("exit", (code, signal) => {
    server.close();
    process.exitCode = signal === "SIGTERM" || code === 0 ? 0 : (code ?? 1);
  });
}

await main(process.argv.slice(2));
