import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type Browser,
  type BrowserContext,
  hasChromium,
  launchBrowser,
  NO_CHROMIUM_MESSAGE,
  type Page,
} from "../../packages/console/test/support/browser.js";
import { buildConsole } from "../../packages/console/test/support/build.js";
import { atMost } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import { getter } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

const CREDENTIAL_KEY = "chronicle.console.credential";
const ROW_HEIGHT = 44;

/** A fresh browser context signed in through sessionStorage, as the sign-in form leaves it. */
async function signedIn(browser: Browser, apiKey: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(
    ([key, value]) => sessionStorage.setItem(key as string, value as string),
    [CREDENTIAL_KEY, apiKey],
  );
  return context;
}

/** The JS heap after a full garbage collection (Chrome DevTools Protocol). */
async function heapAfterGc(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  await cdp.detach();
  return usedSize;
}

/**
 * Scrolls the feed by `stepPx` every animation frame until `rows` rows have gone by, the
 * list loading its pages on the way, and returns the time between frames.
 */
function scrollThrough(page: Page, rows: number, stepPx: number): Promise<number[]> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  return page.evaluate(`new Promise((resolve, reject) => {
    const view = document.querySelector("chronicle-console")
      ?.shadowRoot?.querySelector("chronicle-activity-view");
    const list = view?.shadowRoot?.querySelector("chronicle-event-list");
    const viewport = list?.shadowRoot?.querySelector(".viewport");
    if (!viewport) return reject(new Error("no feed viewport"));
    const target = ${rows} * ${ROW_HEIGHT};
    const deltas = [];
    let last = performance.now();
    const deadline = last + 300000;
    function frame(now) {
      deltas.push(now - last);
      last = now;
      viewport.scrollTop = Math.min(viewport.scrollTop + ${stepPx}, target);
      if (viewport.scrollTop >= target - viewport.clientHeight) resolve(deltas.slice(1));
      else if (now > deadline) reject(new Error("scrolled " + viewport.scrollTop + "px of " + target));
      else requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  })`);
}

/**
 * Builds the console when its dist/ is missing. The server looks for the build when it starts,
 * so this runs before the bench starts its server.
 */
export function ensureConsoleBuilt(repoRoot: string, log: (message: string) => void): void {
  if (existsSync(join(repoRoot, "packages/console/dist/index.html"))) return;
  log("console: building packages/console (the server serves its dist)");
  buildConsole();
}

/** The console in Chromium against the bench server and its large project. */
export const consoleWorkload: Workload = {
  id: "console",
  title: "Console",
  measure:
    "first rows of /console in a fresh Chromium context; frames while scrolling 10 k rows; heap after scrolling",
  baseline:
    "the same first page fetched by Node (load); 60 Hz frame budget (scroll); heap after the first page (memory)",
  goal: "first rows ≤ 1 s; every frame ≤ 50 ms; heap ≤ 1.5× the first page's",
  datasets: ["large"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    if (!hasChromium) throw new Error(NO_CHROMIUM_MESSAGE);
    const sizes = context.sizes.console;
    const apiKey = context.large.api_key;
    const url = `${context.server.url}/console/`;
    const browser = await launchBrowser();
    try {
      const firstRows: number[] = [];
      const apiPage: number[] = [];
      const wallTimes: number[] = [];
      const fetchFirstPage = getter(
        `${context.server.url}/v1/events?order=desc&limit=100`,
        bearer(context.large),
      );
      // Warm-up: one load (server caches, Chromium's code cache for the bundle is per context).
      for (let round = 0; round <= sizes.loadRounds; round++) {
        const browserContext = await signedIn(browser, apiKey);
        const page = await browserContext.newPage();
        const started = performance.now();
        await page.goto(url);
        await page
          .locator("chronicle-event-list [role=option]")
          .first()
          .waitFor({ timeout: 30_000 });
        wallTimes.push(performance.now() - started);
        // The page's own clock: navigation start to the rows rendered (the list's mark).
        const elapsed = await page.evaluate(
          () => performance.getEntriesByName("chronicle:first-rows")[0]?.startTime ?? Number.NaN,
        );
        await browserContext.close();
        const apiElapsed = await fetchFirstPage();
        if (round > 0) {
          firstRows.push(elapsed);
          apiPage.push(apiElapsed);
        }
      }

      const browserContext = await signedIn(browser, apiKey);
      const page = await browserContext.newPage();
      await page.goto(url);
      await page.locator("chronicle-event-list [role=option]").first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
      const heapFirst = await heapAfterGc(page);
      // 30 rows a frame (1 800 rows a second at 60 Hz), loading 100-row pages on the way.
      const deltas = await scrollThrough(page, sizes.scrollRows, 30 * ROW_HEIGHT);
      const domRows = await page.locator("chronicle-event-list [role=option]").count();
      const heapAfter = await heapAfterGc(page);
      await browserContext.close();

      const load = summarize(firstRows);
      const api = summarize(apiPage);
      const frames = summarize(deltas);
      const heapRatio = heapAfter / heapFirst;
      const mb = (bytes: number) => bytes / 1024 / 1024;
      return {
        sizes: `${formatCount(context.sizes.largeRows)}-event project; scroll through ${formatCount(sizes.scrollRows)} rows`,
        warmup: "one page load before the measured ones",
        repetitions: `${sizes.loadRounds} page loads, each in a fresh browser context; one scroll`,
        rows: [
          {
            name: "first rows of /console",
            measured: { label: "console", unit: "ms", summary: load },
            baseline: { label: "first page by fetch", unit: "ms", summary: api },
            ratio: { value: load.median / api.median, label: "console / fetch" },
            goals: [atMost(load.p95, 1000, "≤ 1 s", `p95 ${load.p95.toFixed(0)} ms`)],
          },
          {
            name: `frames scrolling ${formatCount(sizes.scrollRows)} rows`,
            measured: { label: "frame interval", unit: "ms", summary: frames },
            goals: [
              atMost(frames.max, 50, "every frame ≤ 50 ms", `max ${frames.max.toFixed(1)} ms`),
            ],
          },
          {
            name: `JS heap after ${formatCount(sizes.scrollRows)} rows`,
            measured: {
              label: "heap after scrolling",
              unit: "MB",
              summary: summarize([mb(heapAfter)]),
            },
            baseline: {
              label: "heap after the first page",
              unit: "MB",
              summary: summarize([mb(heapFirst)]),
            },
            ratio: { value: heapRatio, label: "after / first page" },
            goals: [atMost(heapRatio, 1.5)],
          },
        ],
        notes: [
          `First rows by the page's clock (navigation start to the list's \`chronicle:first-rows\` mark); from the harness's \`page.goto\` to the row being found: median ${summarize(wallTimes.slice(1)).median.toFixed(0)} ms.`,
          `${deltas.length} frames measured; ${domRows} rows in the DOM at the end (virtualised).`,
        ],
      };
    } finally {
      await browser.close();
    }
  },
};
