#!/usr/bin/env node
// Runs SDK test suites through `prism proxy --errors` in front of the reference server, so
// that any request the SDK sends or response the server returns that breaks the contract
// fails the run.
//
//   node scripts/prism-proxy.mjs            # the SDK's integration test + test/conformance/sdk-via-prism
//   node scripts/prism-proxy.mjs FILE…      # other vitest files that read CHRONICLE_TEST_BASE_URL
//
// For each suite in turn it starts `chronicle serve` on a free port over a fresh PGlite
// directory (after `chronicle project create --name "SDK integration"` for a key, so a
// suite can count on an empty project), Prism in front of it, and
// a thin recording hop in front of Prism that keeps every answer Prism generated itself
// (`https://stoplight.io/prism/errors#…`): a request violation (422) or a response
// violation (500, with the violations in the body and in `sl-violations`). The tests get
//   CHRONICLE_TEST_BASE_URL   the recording hop (→ Prism → server)
//   CHRONICLE_TEST_API_KEY    the project's admin key
//   CHRONICLE_TEST_VIA_PRISM  "1" (Prism buffers bodies: SSE tails cannot pass through)
// Exit status: non-zero when a test fails or Prism reported any violation.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const contract = join(root, "packages/types/generated/openapi.json");
const cli = join(root, "packages/server/bin/chronicle.mjs");
const prismBin = join(root, "node_modules/.bin/prism");
const SDK_INTEGRATION = "packages/sdk/test/integration.test.ts";
const OWN_SUITE = "test/conformance/sdk-via-prism.test.ts";

const children = [];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function run(command, args, options) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], ...options });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolveRun(out)
        : reject(new Error(`${command} ${args.join(" ")} exited ${code}`)),
    );
  });
}

/** Starts a long-running child; resolves once `ready` matches its output. */
function start(name, command, args, options, ready) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      ...options,
    });
    children.push(child);
    let log = "";
    const onData = (chunk) => {
      log += chunk;
      if (ready.test(log)) resolveStart({ child, log: () => log });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`)),
    );
    setTimeout(() => reject(new Error(`${name} not ready after 60 s:\n${log}`)), 60_000).unref();
  });
}

/** A pass-through hop that records every answer Prism generated itself. */
function recordingHop(targetPort, violations) {
  return createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks = [];
        const fromPrism = answer.headers["content-type"]?.includes("problem+json");
        answer.on("data", (chunk) => fromPrism && chunks.push(chunk));
        answer.on("end", () => {
          if (!fromPrism) return;
          const body = Buffer.concat(chunks).toString("utf8");
          if (body.includes("stoplight.io/prism/errors")) {
            violations.push({ method: req.method, path: req.url, status: answer.statusCode, body });
          }
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502).end(String(error));
    });
    req.pipe(upstream);
  });
}

/** Proves the chain detects a violation: a request breaking the contract must be caught. */
async function canary(port, key, violations) {
  const response = await fetch(`http://127.0.0.1:${port}/v1/events?limit=0`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  await response.text();
  if (response.status !== 422 || violations.length !== 1) {
    throw new Error(
      `the canary request (limit=0) was not caught by Prism (status ${response.status})`,
    );
  }
  violations.length = 0;
}

/**
 * One fresh stack for one suite: `chronicle serve` over a new PGlite directory with one
 * project ("SDK integration"), Prism in front, the recording hop in front of Prism. Each
 * suite gets its own, so that a suite can count on an empty project.
 */
async function runSuite(suite) {
  const dataDir = await mkdtemp(join(tmpdir(), "chronicle-prism-"));
  const env = { ...process.env, CHRONICLE_DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  const started = children.length;
  try {
    const created = JSON.parse(
      await run(process.execPath, [cli, "project", "create", "--name", "SDK integration"], { env }),
    );
    const [serverPort, prismPort, hopPort] = [await freePort(), await freePort(), await freePort()];
    await start(
      "chronicle serve",
      process.execPath,
      [cli, "serve"],
      {
        env: {
          ...env,
          PORT: String(serverPort),
          HOST: "127.0.0.1",
          CHRONICLE_RATE_LIMIT_PER_MINUTE: "100000",
          CHRONICLE_HEARTBEAT_MS: "200",
          LOG_LEVEL: "info",
        },
      },
      /listening/i,
    );
    const prism = await start(
      "prism proxy",
      prismBin,
      [
        "proxy",
        "--errors",
        "-h",
        "127.0.0.1",
        "-p",
        String(prismPort),
        contract,
        `http://127.0.0.1:${serverPort}`,
      ],
      { env: { ...process.env, FORCE_COLOR: "0" } },
      /Prism is listening/,
    );
    const violations = [];
    const hop = recordingHop(prismPort, violations);
    await new Promise((ready) => hop.listen(hopPort, "127.0.0.1", ready));
    await canary(hopPort, created.api_key, violations);
    await new Promise((settle) => setTimeout(settle, 200));
    const logStart = prism.log().length;

    const testEnv = {
      ...process.env,
      CHRONICLE_TEST_BASE_URL: `http://127.0.0.1:${hopPort}`,
      CHRONICLE_TEST_API_KEY: created.api_key,
      CHRONICLE_TEST_VIA_PRISM: "1",
    };
    delete testEnv.DATABASE_URL;
    const tests = await new Promise((done) => {
      const vitest = spawn("pnpm", ["exec", "vitest", "run", suite], {
        cwd: root,
        env: testEnv,
        stdio: "inherit",
      });
      vitest.once("exit", (code) => done(code ?? 1));
    });
    await new Promise((closed) => hop.close(closed));

    const prismErrors = prism
      .log()
      .slice(logStart)
      .split("\n")
      .filter((line) => /✖\s+error/.test(line) || /Violation:/.test(line));
    for (const v of violations) {
      process.stderr.write(`prism violation: ${v.method} ${v.path} → ${v.status}\n  ${v.body}\n`);
    }
    for (const line of prismErrors) process.stderr.write(`prism log: ${line}\n`);
    process.stdout.write(
      `prism-proxy: ${suite}: tests ${tests === 0 ? "passed" : "FAILED"}, ${violations.length} contract violation(s) reported by Prism\n`,
    );
    return tests === 0 && violations.length === 0 && prismErrors.length === 0;
  } finally {
    for (const child of children.splice(started)) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await new Promise((settle) => setTimeout(settle, 500));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const files = process.argv.slice(2);
  const suites = files.length > 0 ? files : [OWN_SUITE];
  if (files.length === 0) {
    const sdkTest = await readFile(join(root, SDK_INTEGRATION), "utf8").catch(() => "");
    if (sdkTest.includes("CHRONICLE_TEST_BASE_URL")) suites.unshift(SDK_INTEGRATION);
    else {
      process.stderr.write(
        `prism-proxy: ${SDK_INTEGRATION} does not read CHRONICLE_TEST_BASE_URL yet, so it cannot run through the proxy; running ${OWN_SUITE} only (see test/conformance/FINDINGS.md)\n`,
      );
    }
  }
  let clean = true;
  for (const suite of suites) clean = (await runSuite(suite)) && clean;
  process.exitCode = clean ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`prism-proxy: ${error.stack ?? error}\n`);
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  process.exit(1);
});
