// The console and the embeddable viewer in real Chromium (Debian's, driven by
// playwright-core) against the real server with real data, on PGlite and, when
// DATABASE_URL is set, PostgreSQL. One browser per file. With CHRONICLE_SCREENSHOTS_DIR set,
// the flows also save the screenshots used in the docs (scripts/screenshots.mjs).
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Chronicle, hashEvent } from "@chronicle/sdk";
import {
  generateSignerKey,
  newProject,
  parseSignerKey,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasChromium,
  launchBrowser,
  NO_CHROMIUM_MESSAGE,
  seriousViolations,
} from "./support/browser.js";
import { buildConsole } from "./support/build.js";
import { seedEvents } from "./support/seed.js";

const SHOTS = process.env.CHRONICLE_SCREENSHOTS_DIR;
const SEEDED = 1200;

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  buildConsole();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** The console sends a strict CSP; axe-core is injected as an inline script, so tests bypass it. */
async function newContext(options: { acceptDownloads?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...options,
    bypassCSP: true,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(10_000);
  return context;
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`) });
}

async function expectAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${view}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

const rows = (page: Page) => page.locator("chronicle-event-list [role=option]");

/** The seq of every row in the DOM (the virtualised window), top to bottom. */
function renderedSeqs(page: Page): Promise<number[]> {
  return rows(page).evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute("data-seq"))));
}

async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/`);
  await expect.poll(() => page.url()).toBe(`${base}/console/`);
  await page.getByLabel("API key or viewer token").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await rows(page).first().waitFor();
}

describe.skipIf(!hasChromium).each(STORE_KINDS)("console in Chromium (%s)", (kind) => {
  let ctx: TestContext;
  let base: string;
  let adminKey: string;
  let sdk: Chronicle;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ctx = await setUp(kind);
    base = ctx.server.base;
    ({ key: adminKey } = await newProject(ctx.store, "Console"));
    sdk = new Chronicle({ apiKey: adminKey, baseUrl: base });
    await seedEvents(sdk, SEEDED);
    // Another project's events must never show up anywhere.
    const other = await newProject(ctx.store, "Someone else");
    await new Chronicle({ apiKey: other.key, baseUrl: base }).events.create({
      action: "secret.viewed",
      actor: { type: "user", id: "usr_intruder" },
      workspace_id: "ws_acme",
      summary: "another project's event",
    });
    context = await newContext({ acceptDownloads: true });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await ctx?.close();
  });

  it("when an admin signs in, then the newest events show and the sign-in page passes axe", async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toBe(`${base}/console/`);
    await page.getByLabel("API key or viewer token").waitFor();
    await expectAccessible(page, "sign-in");
    await shot(page, "sign-in");
    await signIn(page, base, adminKey);
    const seqs = await renderedSeqs(page);
    expect(seqs[0]).toBe(SEEDED);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    // The key is kept for this tab only.
    const stored = await page.evaluate(() => ({
      session: sessionStorage.length,
      local: localStorage.length,
    }));
    expect(stored).toEqual({ session: 1, local: 0 });
    await expect.poll(() => page.locator(".badge.verified").count(), { timeout: 10_000 }).toBe(1);
    await expectAccessible(page, "activity");
    await shot(page, "activity");
  });

  it("when a filter is applied, then the URL carries it and only matching rows show", async () => {
    await page.getByLabel("Action", { exact: true }).fill("issue.updated");
    await page.getByLabel("Action", { exact: true }).press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.get("action")).toBe("issue.updated");
    await page.getByLabel("Actor type").selectOption("service");
    await expect.poll(() => new URL(page.url()).searchParams.get("actor_type")).toBe("service");
    await expect
      .poll(async () => [...new Set(await rows(page).locator(".action").allTextContents())])
      .toEqual(["issue.updated"]);
    const actors = await rows(page).locator(".actor").allTextContents();
    expect(new Set(actors)).toEqual(new Set(["Billing"]));
    // The URL is the view: loading it again shows the same filters.
    await page.reload();
    await expect(page.getByLabel("Action", { exact: true }).inputValue()).resolves.toBe(
      "issue.updated",
    );
    await rows(page).first().waitFor();
    await page.getByLabel("Order").selectOption("asc");
    await expect.poll(() => new URL(page.url()).searchParams.get("order")).toBe("asc");
    await expect.poll(async () => (await renderedSeqs(page))[0]).toBeLessThan(10);
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Order").selectOption("desc");
    await expect.poll(() => new URL(page.url()).search).toBe("");
  });

  it("when the feed is scrolled through 1000 events, then they load page by page and the DOM stays small", async () => {
    await expect.poll(async () => (await renderedSeqs(page))[0]).toBe(SEEDED);
    const viewport = page.locator("chronicle-event-list .viewport");
    for (let i = 0; i < 60; i++) {
      await viewport.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      const seqs = await renderedSeqs(page);
      if (Math.min(...seqs) <= SEEDED - 1000) break;
      await page.waitForTimeout(100);
    }
    const seqs = await renderedSeqs(page);
    expect(Math.min(...seqs)).toBeLessThanOrEqual(SEEDED - 1000);
    expect(seqs.length).toBeLessThan(80);
    const posinset = await rows(page).last().getAttribute("aria-posinset");
    expect(Number(posinset)).toBeGreaterThanOrEqual(1000);
    // Pages far from the screen were dropped; scrolling back fetches them again, identical.
    await viewport.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await expect
      .poll(async () => {
        const middle = await renderedSeqs(page);
        return (
          middle.length > 5 && middle.every((seq, i) => i === 0 || seq === (middle[i - 1] ?? 0) - 1)
        );
      })
      .toBe(true);
    await viewport.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect.poll(async () => (await renderedSeqs(page))[0]).toBe(SEEDED);
  });

  it("when live tail is on and an event is recorded, then it appears on top within 2 s", async () => {
    await page.goto(`${base}/console/`);
    await rows(page).first().waitFor();
    await page.getByRole("button", { name: "Live tail" }).click();
    await expect(
      page.getByRole("button", { name: "● Live" }).getAttribute("aria-pressed"),
    ).resolves.toBe("true");
    await page.waitForTimeout(300);
    const recorded = await sdk.events.create({
      action: "issue.commented",
      actor: { type: "user", id: "usr_ada", name: "Ada Lovelace" },
      workspace_id: "ws_acme",
      summary: "A live comment",
    });
    const first = rows(page).first();
    await expect
      .poll(() => first.getAttribute("data-seq"), { timeout: 2000, interval: 50 })
      .toBe(String(recorded.seq));
    await expect(first.locator(".summary").textContent()).resolves.toBe("A live comment");
    await page.getByRole("button", { name: "● Live" }).click();
  });

  it("when an event is opened with the keyboard, then the drawer shows its actor, context and diff", async () => {
    await page.goto(`${base}/console/?changed_field=status`);
    await rows(page).first().waitFor();
    const list = page.getByRole("listbox", { name: "Events" });
    await list.focus();
    await page.keyboard.press("ArrowDown");
    const active = rows(page).nth(1);
    await expect(active.getAttribute("aria-selected")).resolves.toBe("true");
    const seq = Number(await active.getAttribute("data-seq"));
    await page.keyboard.press("Enter");
    const drawer = page.getByRole("dialog");
    await drawer.waitFor();
    const event = (await sdk.events.list({ changed_field: "status", limit: 2 })).data[1];
    expect(event?.seq).toBe(seq);
    await expect(drawer.getByRole("heading", { level: 2 }).textContent()).resolves.toBe(
      "issue.updated",
    );
    const diff = drawer.locator("table.diff tbody tr");
    const status = diff.filter({ has: page.locator("th", { hasText: "status" }) });
    const before = event?.changes?.before as { status: string };
    const after = event?.changes?.after as { status: string };
    await expect(status.locator("td").nth(0).textContent()).resolves.toContain(
      `"${before.status}"`,
    );
    await expect(status.locator("td").nth(1).textContent()).resolves.toContain(`"${after.status}"`);
    await expect(status.getAttribute("data-kind")).resolves.toBe("changed");
    await expect(drawer.textContent()).resolves.toContain("203.0.113.7");
    await expect(drawer.textContent()).resolves.toContain(event?.actor.id ?? "?");
    await expectAccessible(page, "drawer");
    await shot(page, "drawer");
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
    const focused = await page.evaluate(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el?.getAttribute("role");
    });
    expect(focused).toBe("listbox");
  });

  it("when the filtered feed is exported as NDJSON and CSV, then the files hold exactly its events", async () => {
    await page.goto(`${base}/console/?workspace_id=ws_globex&action=issue.closed`);
    await rows(page).first().waitFor();
    const expected = await sdk.events
      .list({ workspace_id: "ws_globex", action: "issue.closed", order: "asc", limit: 200 })
      .toArray({ max: 10_000 });
    expect(expected.length).toBeGreaterThan(100);

    await page.getByLabel("Export as").selectOption("ndjson");
    const [ndjson] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export", exact: true }).click(),
    ]);
    const lines = (await readFile(await ndjson.path(), "utf8")).trim().split("\n");
    const exported = lines.map((line) => JSON.parse(line) as { id: string; hash: string });
    expect(exported.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    // Lines are the events as recorded: each one's hash still matches its content.
    for (const line of lines.slice(0, 20)) {
      const event = JSON.parse(line) as Parameters<typeof hashEvent>[0];
      expect(await hashEvent(event)).toBe(event.hash);
    }

    await page.getByLabel("Export as").selectOption("csv");
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export", exact: true }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const csvLines = (await readFile(await csv.path(), "utf8")).trim().split("\r\n");
    expect(csvLines[0]).toMatch(/^id,seq,action,/);
    expect(csvLines.length - 1).toBe(expected.length);
    expect(csvLines[1]?.startsWith(`${expected[0]?.id},`)).toBe(true);
  });

  it("when admins use the catalog, keys and viewer-token pages, then each works and passes axe", async () => {
    await page.goto(`${base}/console/`);
    await rows(page).first().waitFor();
    await page.getByRole("link", { name: "Actions" }).click();
    await page.getByRole("table", { name: "Actions" }).waitFor();
    await expect(
      page.getByRole("row", { name: /issue\.updated/ }).textContent(),
    ).resolves.toContain("400");
    await expectAccessible(page, "actions");
    await shot(page, "actions");

    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name").fill("CI reader");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByTestId("new-key").textContent();
    expect(secret).toMatch(/^chr_/);
    const reader = new Chronicle({ apiKey: secret ?? "", baseUrl: base });
    await expect(reader.events.list({ limit: 1 })).resolves.toMatchObject({ has_more: true });
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Revoke CI reader" }).click();
    await expect
      .poll(() => page.getByRole("row", { name: /CI reader/ }).textContent())
      .toContain("Revoked");
    await expect(reader.events.list({ limit: 1 })).rejects.toMatchObject({ status: 401 });
    await expectAccessible(page, "api-keys");
    await shot(page, "api-keys");

    await page.getByRole("link", { name: "Viewer tokens" }).click();
    await page.getByLabel("Workspace id").fill("ws_acme");
    await page.getByRole("button", { name: "Make token" }).click();
    const snippet = await page.getByTestId("embed-snippet").textContent();
    expect(snippet).toContain("<chronicle-activity");
    expect(snippet).toMatch(/token="chv_/);
    await expectAccessible(page, "viewer-tokens");
    await shot(page, "viewer-tokens");
  });

  it("when a viewer-token link is opened, then only its workspace shows and admin pages stay closed", async () => {
    const { token } = await sdk.viewerTokens.create({
      workspace_id: "ws_acme",
      scopes: ["activity:read", "activity:export"],
    });
    const viewerContext = await newContext();
    try {
      const viewer = await viewerContext.newPage();
      await viewer.goto(`${base}/console/#token=${token}`);
      await rows(viewer).first().waitFor();
      expect(new URL(viewer.url()).hash).toBe("");
      const ids = (await renderedSeqs(viewer)).length;
      expect(ids).toBeGreaterThan(5);
      await rows(viewer).first().click();
      await expect(viewer.getByRole("dialog").textContent()).resolves.toContain("ws_acme");
      await viewer.keyboard.press("Escape");
      const nav = await viewer.getByRole("navigation").getByRole("link").allTextContents();
      expect(nav).toEqual(["Activity"]);
      // Every row is in the pinned workspace, asking for another one is refused.
      const workspaces = await viewer.evaluate(async () => {
        const host = document.querySelector("chronicle-console");
        const view = host?.shadowRoot?.querySelector("chronicle-activity-view") as unknown as {
          renderRoot: ShadowRoot;
        };
        const list = view.renderRoot.querySelector("chronicle-event-list") as unknown as {
          rows: { loadedRows(): { workspace_id: string }[] };
        };
        return [...new Set(list.rows.loadedRows().map((r) => r.workspace_id))];
      });
      expect(workspaces).toEqual(["ws_acme"]);
      expect(await viewer.getByLabel("Workspace", { exact: true }).count()).toBe(0);
      await expect
        .poll(() => viewer.locator(".badge.verified").count(), { timeout: 10_000 })
        .toBe(1);
      await expectAccessible(viewer, "viewer activity");
      await viewer.goto(`${base}/console/api-keys`);
      await viewer.getByRole("alert").waitFor();
      await expect(viewer.getByRole("alert").textContent()).resolves.toContain(
        "needs an admin API key",
      );
      expect(await viewer.locator("chronicle-api-keys-view").count()).toBe(0);
      const asViewer = new Chronicle({ apiKey: token, baseUrl: base, maxRetries: 0 });
      await expect(asViewer.apiKeys.list()).rejects.toMatchObject({ status: 403 });
      await expect(asViewer.events.list({ workspace_id: "ws_globex" })).rejects.toMatchObject({
        status: 403,
      });
    } finally {
      await viewerContext.close();
    }
  });

  it("when <chronicle-activity> is embedded in a page of another origin, then it shows that workspace without leaking styles", async () => {
    const { token } = await sdk.viewerTokens.create({ workspace_id: "ws_globex" });
    const hostPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme settings</title>
<style>body { font-family: Georgia, serif; color: rgb(10, 20, 30); margin: 24px; }
chronicle-activity { --chronicle-accent: #6d28d9; --chronicle-height: 520px; }</style></head>
<body><main><h1>Acme settings: audit log</h1>
<p class="outside">Text of the host page.</p>
<chronicle-activity heading="Workspace activity" base-url="${base}" token="${token}"></chronicle-activity>
</main>
<script type="module" src="${base}/console/embed/chronicle-activity.js"></script></body></html>`;
    const { url: hostUrl, close } = await serveHostPage(hostPage);
    const embedContext = await newContext();
    try {
      const embed = await embedContext.newPage();
      await embed.goto(hostUrl);
      expect(new URL(hostUrl).origin).not.toBe(new URL(base).origin);
      await rows(embed).first().waitFor();
      const summary = await embed.evaluate(() => {
        const el = document.querySelector("chronicle-activity");
        const outside = document.querySelector(".outside") as HTMLElement;
        return {
          shadow: el?.shadowRoot !== null,
          headStyles: document.head.querySelectorAll("style, link[rel=stylesheet]").length,
          documentSheets: document.styleSheets.length,
          adopted: document.adoptedStyleSheets.length,
          outsideFont: getComputedStyle(outside).fontFamily,
          outsideColor: getComputedStyle(outside).color,
        };
      });
      expect(summary).toEqual({
        shadow: true,
        headStyles: 1,
        documentSheets: 1,
        adopted: 0,
        outsideFont: "Georgia, serif",
        outsideColor: "rgb(10, 20, 30)",
      });
      const accent = await embed
        .locator("chronicle-activity button.primary")
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(accent).toBe("rgb(109, 40, 217)");
      // The viewer proves what it shows: hashes, inclusion proofs, the signed checkpoint.
      await expect
        .poll(() => embed.locator(".badge").first().textContent(), { timeout: 10_000 })
        .toMatch(/✓ [1-9]\d* events proven/);
      await rows(embed).first().click();
      await expect(embed.getByRole("dialog").textContent()).resolves.toContain("ws_globex");
      await expectAccessible(embed, "embed drawer");
      await embed.keyboard.press("Escape");
      await expectAccessible(embed, "embed");
      await shot(embed, "embed");
    } finally {
      await embedContext.close();
      await close();
    }
  });

  it("when <chronicle-activity> pins verifier keys and the log's origin, then it proves with them and refuses another log's or another key's checkpoint", async () => {
    const { token } = await sdk.viewerTokens.create({ workspace_id: "ws_globex" });
    const [key] = (await sdk.integrity.verifierKeys()).data;
    const { origin } = await sdk.integrity.checkpoint();
    const other = await newProject(ctx.store, "Same deployment, same key");
    const otherOrigin = (
      await new Chronicle({ apiKey: other.key, baseUrl: base }).integrity.checkpoint()
    ).origin;
    expect(otherOrigin).not.toBe(origin);
    const badge = async (attributes: string): Promise<{ text: string; title: string }> => {
      const { url, close } = await serveHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pinned</title></head><body>
<chronicle-activity base-url="${base}" token="${token}" ${attributes}></chronicle-activity>
<script type="module" src="${base}/console/embed/chronicle-activity.js"></script></body></html>`);
      const embedContext = await newContext();
      try {
        const embed = await embedContext.newPage();
        await embed.goto(url);
        await rows(embed).first().waitFor();
        const first = embed.locator("chronicle-activity .badge").first();
        await expect.poll(() => first.textContent(), { timeout: 10_000 }).toMatch(/✓|✗/);
        return {
          text: (await first.textContent()) ?? "",
          title: (await first.getAttribute("title")) ?? "",
        };
      } finally {
        await embedContext.close();
        await close();
      }
    };
    const verifierKey = key?.verifier_key ?? "";
    const pinned = await badge(`verifier-keys="${verifierKey}" verifier-origin="${origin}"`);
    expect(pinned.text).toMatch(/✓ [1-9]\d* events proven/);
    expect(pinned.title).toContain("pinned key");
    const anotherLog = await badge(
      `verifier-keys="${verifierKey}" verifier-origin="${otherOrigin}"`,
    );
    expect(anotherLog.text).toContain("✗ Checkpoint refused");
    expect(anotherLog.title).toContain(otherOrigin);
    // A real key of the same name that did not sign: the server's own checkpoint is refused.
    const [keyName = ""] = verifierKey.split("+");
    const { verifierKey: anotherKey } = parseSignerKey(generateSignerKey(keyName));
    const unknownKey = await badge(`verifier-keys="${anotherKey}" verifier-origin="${origin}"`);
    expect(unknownKey.text).toContain("✗ Checkpoint refused");
  });
});

/** Serves `html` from an origin other than the server's (localhost vs 127.0.0.1). */
async function serveHostPage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const host: Server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  const address = host.address();
  const url = `http://localhost:${typeof address === "object" && address ? address.port : 0}/`;
  return { url, close: () => new Promise<void>((resolve) => host.close(() => resolve())) };
}
