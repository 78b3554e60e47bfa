// What a user outside this repository gets: the SDK and server tarballs that
// `pnpm release:pack` makes, installed with npm into an empty directory (no workspace
// links), the server started from its installed bin on embedded PGlite, and the installed
// SDK recording and listing events against it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface PackScript {
  packPackages(
    outDir: string,
    options: { build: boolean | "if-stale" },
  ): Record<"@chronicle/sdk" | "@chronicle/server", string>;
}

/** Starts the installed `chronicle serve` and resolves with its URL once it listens. */
function startServer(
  app: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(join(app, "node_modules/.bin/chronicle"), ["serve"], {
    cwd: app,
    env: { ...process.env, PORT: "0", LOG_LEVEL: "warn", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no URL within 90 s:\n${output}`));
    }, 90_000);
    child.once("exit", (code) => reject(new Error(`chronicle serve exited ${code}:\n${output}`)));
    const append = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (!url) return;
      clearTimeout(timer);
      resolveStart({ child, url, output: () => output });
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
  });
}

describe("the packed packages, installed with npm outside the repository", () => {
  let work: string;
  let app: string;
  let tarballs: Record<string, string>;
  let server: { child: ChildProcess; url: string; output: () => string } | undefined;
  let apiKey: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "chronicle-install-"));
    app = join(work, "app");
    const script = pathToFileURL(join(root, "scripts/pack-packages.mjs")).href;
    const { packPackages } = (await import(script)) as PackScript;
    // Built here unless `pnpm build` already built them from the current sources (as CI does).
    tarballs = packPackages(join(work, "tarballs"), { build: "if-stale" });
    await run("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "uses-chronicle", private: true, type: "module" }),
    );
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        tarballs["@chronicle/server"] as string,
        tarballs["@chronicle/sdk"] as string,
      ],
      { cwd: app, timeout: 300_000 },
    );
    const created = await run(
      join(app, "node_modules/.bin/chronicle"),
      ["project", "create", "--name", "installed"],
      { cwd: app, env: { ...process.env, DATABASE_URL: "" } },
    );
    apiKey = (JSON.parse(created.stdout.trim().split("\n").at(-1) ?? "{}") as { api_key: string })
      .api_key;
    server = await startServer(app);
  }, 600_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGKILL");
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("when installed, then nothing links back to the workspace and no TypeScript loader is needed", () => {
    const manifest = JSON.parse(
      readFileSync(join(app, "node_modules/@chronicle/server/package.json"), "utf8"),
    ) as { private?: boolean; bin: Record<string, string>; dependencies: Record<string, string> };
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).not.toContain("@chronicle/types");
    expect(Object.values(manifest.dependencies).join(" ")).not.toContain("workspace:");
    expect(existsSync(join(app, "node_modules/@chronicle/types"))).toBe(false);
    expect(existsSync(join(app, "node_modules/tsx"))).toBe(false);
    const packed = join(app, "node_modules/@chronicle/server");
    expect(existsSync(join(packed, manifest.bin.chronicle as string))).toBe(true);
    expect(existsSync(join(packed, "dist/cli.js"))).toBe(true);
    expect(existsSync(join(packed, "src")), "TypeScript sources are not packed").toBe(false);
  });

  it("when installed, then each package carries the repository's LICENSE, word for word", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    for (const name of ["@chronicle/sdk", "@chronicle/server"]) {
      const packed = join(app, "node_modules", name, "LICENSE");
      expect(existsSync(packed), `${name} packs a LICENSE`).toBe(true);
      expect(readFileSync(packed, "utf8"), `${name}'s LICENSE is the repository's`).toBe(license);
    }
  });

  it("when the packed READMEs link, then every link is absolute", () => {
    for (const name of ["@chronicle/sdk", "@chronicle/server"]) {
      const readme = readFileSync(join(app, "node_modules", name, "README.md"), "utf8");
      const relative = [...readme.matchAll(/\]\((?!https:\/\/|#)([^)]+)\)/g)].map((m) => m[1]);
      expect(relative, name).toEqual([]);
    }
  });

  it("when the installed server runs, then it answers health, the /v1 index and its docs offline", async () => {
    const url = server?.url as string;
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    const index = (await (await fetch(`${url}/v1`)).json()) as { links: Record<string, string> };
    expect(index.links).toMatchObject({ docs: "/docs/", contract: "/openapi.json" });
    const docs = await fetch(`${url}/docs/`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain("Chronicle");
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
    expect((await fetch(`${url}/docs/reference/createEvent.html`)).status).toBe(200);
  });

  it("when the installed server is asked for its console, then it serves the built one", async () => {
    const url = server?.url as string;
    const packed = join(app, "node_modules/@chronicle/server/dist/console");
    expect(existsSync(join(packed, "index.html")), "dist/console is packed").toBe(true);
    const root = await fetch(`${url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console/");
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toContain("not built");
    // The page's own script is packed too, not only index.html.
    const script = /<script[^>]+src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, "index.html loads a bundled script").toBeDefined();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
  });

  it("when the installed SDK records and lists, then the server returns the event", async () => {
    writeFileSync(
      join(app, "record-and-list.mjs"),
      `import { Chronicle } from "@chronicle/sdk";
const chronicle = new Chronicle({ apiKey: process.env.KEY, baseUrl: process.env.URL });
const created = await chronicle.events.create({ action: "package.installed", actor: { type: "system", id: "npm" } });
const listed = await chronicle.events.list({ action: "package.*" }).toArray({ max: 10 });
console.log(JSON.stringify({ created: created.id, listed: listed.map((event) => event.id) }));
`,
    );
    const { stdout } = await run("node", ["record-and-list.mjs"], {
      cwd: app,
      env: { ...process.env, KEY: apiKey, URL: server?.url },
    });
    const result = JSON.parse(stdout) as { created: string; listed: string[] };
    expect(result.created).toMatch(/^evt_/);
    expect(result.listed).toEqual([result.created]);
  });

  it("when the installed SDK's types are compiled strictly (NodeNext), then they resolve", async () => {
    writeFileSync(
      join(app, "typed.ts"),
      `import { Chronicle, type Event } from "@chronicle/sdk";
const chronicle = new Chronicle({ apiKey: "key", baseUrl: "http://127.0.0.1:3000" });
export async function firstAction(): Promise<string | undefined> {
  const page = await chronicle.events.list({ limit: 1 });
  const first: Event | undefined = page.data[0];
  return first?.action;
}
`,
    );
    const tsc = join(root, "node_modules/.bin/tsc");
    const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext"];
    const result = await run(tsc, [...args, "--target", "es2022", "typed.ts"], {
      cwd: app,
    }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  }, 60_000);

  it("when the installed server gets SIGINT, then it shuts down and exits 0", async () => {
    const child = server?.child as ChildProcess;
    const exited = new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  }, 30_000);
});
