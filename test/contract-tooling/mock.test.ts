import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chronicle } from "../../packages/sdk/src/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
}
interface MediaType {
  examples?: Record<string, { $ref: string }>;
}
interface Operation {
  operationId: string;
  parameters?: Array<{ $ref: string }>;
  responses: Record<string, { $ref?: string; content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const bundle = JSON.parse(
  readFileSync(join(root, "packages/types/generated/openapi.json"), "utf8"),
) as Document;

function resolveRef<T>(ref: string): T {
  let target: unknown = bundle;
  for (const key of ref.slice(2).split("/")) target = (target as Record<string, unknown>)[key];
  return target as T;
}

/** Each GET operation as a request prism can answer: path and required query filled from the examples. */
const getOperations = Object.entries(bundle.paths).flatMap(([path, item]) => {
  const operation = item.get;
  if (!operation) return [];
  const parameters = (operation.parameters ?? []).map((p) => resolveRef<Parameter>(p.$ref));
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of parameters) {
    if (parameter.in === "path") {
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(parameter.example)));
    } else if (parameter.in === "query" && parameter.required) {
      query.set(parameter.name, String(parameter.example));
    }
  }
  const ok = operation.responses["200"];
  const response = ok?.$ref ? resolveRef<{ content?: Record<string, MediaType> }>(ok.$ref) : ok;
  const search = query.size > 0 ? `?${query}` : "";
  const mediaTypes = Object.entries(response?.content ?? {});
  if (mediaTypes.length === 0) throw new Error(`${operation.operationId} has no 200 content`);
  return mediaTypes.map(([mediaType, content]) => {
    const firstExample = Object.values(content.examples ?? {})[0];
    if (!firstExample) throw new Error(`${operation.operationId} has no ${mediaType} example`);
    const example = resolveRef<{ value: unknown }>(firstExample.$ref).value;
    return { operationId: operation.operationId, url: `${url}${search}`, mediaType, example };
  });
});

/** Resolves once the mock prints its URL, which is when `pnpm mock` tells a person to use it. */
async function waitForUrlLine(child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the mock exited early:\n${log()}`);
    if (log().includes("Chronicle mock on http://")) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the mock printed no URL within 90 s:\n${log()}`);
}

describe("pnpm mock (Prism on the contract, behind a token check)", () => {
  let prism: ChildProcess;
  let base: string;
  let firstAnswer: Response;
  const auth = { Authorization: "Bearer chr_mock_key" };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    let output = "";
    // What `pnpm mock` runs, on a free port.
    prism = spawn(process.execPath, [join(root, "scripts/mock.mjs"), "--port", String(port)], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CHRONICLE_MOCK_KEY: "" },
    });
    prism.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    prism.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForUrlLine(prism, () => output);
    // The README's first request, sent as soon as the URL is printed: Prism answers it.
    firstAnswer = await fetch(`${base}/v1/events?limit=2`, { headers: auth });
  }, 120_000);

  afterAll(async () => {
    if (!prism || prism.exitCode !== null) return;
    const exited = new Promise((resolveExit) => prism.once("exit", resolveExit));
    prism.kill("SIGTERM");
    await exited;
  });

  it("when it prints its URL, then Prism already answers there (no 502 while it loads the contract)", async () => {
    expect(firstAnswer.status).toBe(200);
    expect(await firstAnswer.json()).toHaveProperty("data");
  });

  it("covers every GET operation of the contract", () => {
    const gets = Object.values(bundle.paths).flatMap((item) =>
      item.get ? [item.get.operationId] : [],
    );
    expect(gets.length).toBeGreaterThan(10);
    expect([...new Set(getOperations.map((o) => o.operationId))].sort()).toEqual(gets.sort());
  });

  it.each(getOperations)(
    "when $operationId is called with a token and accepts $mediaType, then it answers its documented example",
    async ({ url, mediaType, example }) => {
      const response = await fetch(`${base}${url}`, { headers: { ...auth, Accept: mediaType } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain(mediaType);
      expect(response.headers.get("request-id")).toMatch(/^req_/);
      if (mediaType === "application/json") expect(await response.json()).toEqual(example);
      else expect(await response.text()).toBe(example);
    },
  );

  it("when limit=500, then it answers 400 invalid_parameter as problem+json", async () => {
    const response = await fetch(`${base}/v1/events?limit=500`, { headers: auth });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 400, code: "invalid_parameter" });
  });

  it("when limit=0, then it rejects it too", async () => {
    const response = await fetch(`${base}/v1/events?limit=0`, { headers: auth });
    expect(response.status).toBe(400);
  });

  it("when the token is missing, then it answers 401 unauthorized", async () => {
    const response = await fetch(`${base}/v1/events`);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("when the health check has no token, then it still answers", async () => {
    const response = await fetch(`${base}/v1/health`);
    expect(response.status).toBe(200);
  });

  it("when an event body breaks the contract, then it answers 422 validation_failed", async () => {
    const response = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ action: "Not A Dotted Action", actor: { type: "robot", id: "x" } }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ status: 422, code: "validation_failed" });
  });

  it("when the token is not the mock key, then it answers 401 unauthorized", async () => {
    const response = await fetch(`${base}/v1/events`, {
      headers: { Authorization: "Bearer chr_wrong" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("when the SDK iterates a list, then the pagination ends after the example page", async () => {
    const chronicle = new Chronicle({ apiKey: "chr_mock_key", baseUrl: base, maxRetries: 0 });
    const seen: string[] = [];
    for await (const event of chronicle.events.list({ action: "issue.*" })) {
      seen.push(event.id);
      if (seen.length > 100) break;
    }
    const example = getOperations.find((o) => o.operationId === "listEvents")?.example as {
      data: { id: string }[];
    };
    expect(seen).toEqual(example.data.map((event) => event.id));
  });

  it("when asked with Prefer: code=404, then it answers the documented 404 problem", async () => {
    const response = await fetch(`${base}/v1/events/evt_01KMX4RB2C4D6E8F0G2H4J6K8M`, {
      headers: { ...auth, Prefer: "code=404" },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, code: "not_found" });
  });

  it("when asked with Prefer: example=Polling, then it answers that example", async () => {
    const response = await fetch(`${base}/v1/events?order=asc&include_total=true`, {
      headers: { ...auth, Prefer: "example=Polling" },
    });
    expect(response.status).toBe(200);
    const polling = resolveRef<{ value: unknown }>("#/components/examples/EventListPolling").value;
    expect(await response.json()).toEqual(polling);
  });
});
