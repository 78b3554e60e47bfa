import { Chronicle } from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

// Per call: a signal, a timeout, a retry budget, extra headers.
const controller = new AbortController();
const project = await chronicle.project.get({
  signal: controller.signal,
  timeoutMs: 2_000,
  maxRetries: 0,
});

// A custom fetch: instrumentation, proxies, or tests (no global patching needed).
const traced = new Chronicle({
  apiKey: "chr_…",
  baseUrl: "https://chronicle.internal.example",
  fetch: async (request) => {
    const started = performance.now();
    const response = await fetch(request);
    console.log(request.method, request.url, response.status, performance.now() - started);
    return response;
  },
  version: "2026-11-01",
});
console.log(project.name, await traced.health.get());
