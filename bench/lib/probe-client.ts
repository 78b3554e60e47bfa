import { Worker } from "node:worker_threads";

/** What one timed GET saw: its time in ms, its status, and the start of a failed answer's body. */
export interface TimedResponse {
  ms: number;
  status: number;
  text: string;
}

// The worker is plain JavaScript, run without the bench's `--import tsx`, so that its heap
// holds only `fetch` and what a request leaves behind.
const SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", async ({ id, url, headers }) => {
  try {
    const started = performance.now();
    const response = await fetch(url, { headers });
    const body = await response.arrayBuffer();
    const ms = performance.now() - started;
    const text = response.ok ? "" : Buffer.from(body).toString().slice(0, 300);
    parentPort.postMessage({ id, ms, status: response.status, text });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve: (response: TimedResponse) => void;
  reject: (error: Error) => void;
}

type Reply = { id: number; error: string } | ({ id: number; error?: undefined } & TimedResponse);

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

function probeWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(SOURCE, { eval: true, execArgv: [] });
  started.unref();
  started.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if (!waiting) return;
    if (reply.error !== undefined) waiting.reject(new Error(reply.error));
    else waiting.resolve({ ms: reply.ms, status: reply.status, text: reply.text });
  });
  // A worker that failed or stopped fails what it was asked; the next request starts another.
  const gone = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  started.on("error", gone);
  started.on("exit", (code) => gone(new Error(`the probe worker exited (${code})`)));
  worker = started;
  return started;
}

/**
 * A GET timed in a worker thread, from the request to its body read in full. The worker has
 * a V8 heap of its own, a few MB: timed on the bench's main thread, a request also paid for
 * the collections of its heap, ~60 MB of loaded modules, marked every second or so in steps
 * of up to 20 ms while the probes ran (bench/FINDINGS.md B53).
 */
export function timedGet(url: string, headers: Record<string, string>): Promise<TimedResponse> {
  const target = probeWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    if (pending.size === 0) target.ref();
    pending.set(id, { resolve, reject });
    target.postMessage({ id, url, headers });
  });
}
