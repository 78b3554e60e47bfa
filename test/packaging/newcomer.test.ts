// The path a newcomer takes on a fresh clone: every command the README shows is a root
// script (or a pnpm built-in that does what the README says, not one that shadows a
// script), the quick start's TypeScript is the compiled file, `pnpm start` prints URLs that
// all answer and stops cleanly on Ctrl+C, and a taken port is reported before any seeding.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/**
 * pnpm commands that run instead of a script of the same name (pnpm's own, and the npm
 * commands it passes through, such as `docs`, which opens a browser on the registry).
 */
const SHADOWING = new Set(
  `access add adduser audit bin bugs cache cat-file cat-index config create dedupe deploy
  deprecate dist-tag dlx docs doctor edit env exec fetch find-hash help home import info init
  install install-test i licenses link list login logout ls outdated owner pack patch
  patch-commit patch-remove ping prefix profile prune publish rebuild recursive remove repo
  rm root run search self-update server set-script setup show star stars store team token
  unlink unpublish unstar update up version view whoami why`.split(/\s+/),
);
/** Built-ins the README uses for what they are: install the workspace; test and start run the scripts. */
const BUILT_INS_AS_MEANT: Record<string, (rest: string) => boolean> = {
  install: () => true,
  test: () => "test" in manifest.scripts,
  start: () => "start" in manifest.scripts,
};

/** Every `pnpm …` (or `npx -y pnpm@10 …`) command in the README's code, first word after pnpm. */
function readmeCommands(): string[] {
  const code = [
    ...[...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? ""),
    ...[...readme.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? ""),
  ].join("\n");
  const commands = [...code.matchAll(/(?:^|[\s&;|(])(?:npx -y )?pnpm(?:@10)? ([a-z][\w:-]*)/gm)];
  return [...new Set(commands.map((m) => m[1] as string))];
}

describe("the README's commands", () => {
  const commands = readmeCommands();

  it("names the commands a newcomer needs", () => {
    for (const command of ["install", "start", "test", "docs:build", "mock", "test:unit"]) {
      expect(commands).toContain(command);
    }
  });

  it.each(commands)("when the README says `pnpm %s`, then pnpm runs what it says", (command) => {
    const builtIn = BUILT_INS_AS_MEANT[command];
    if (builtIn) {
      expect(builtIn(command)).toBe(true);
      return;
    }
    expect(manifest.scripts, `no root script "${command}"`).toHaveProperty([command]);
    expect(SHADOWING.has(command), `pnpm ${command} runs pnpm's own command`).toBe(false);
  });

  it.each(commands)("when the README says `pnpm %s`, then CI or a test runs it", (command) => {
    const ci = readFileSync(join(root, ".ci/run"), "utf8");
    // Commands a test runs through the script they name (the test runs that file).
    const RUN_BY_TEST: Record<string, [test: string, runs: string]> = {
      start: ["test/packaging/newcomer.test.ts", '["start"]'],
      chronicle: ["test/packaging/newcomer.test.ts", '"chronicle", "--help"'],
      "docs:build": ["test/contract-tooling/docs.test.ts", "scripts/build-docs.mjs"],
      mock: ["test/contract-tooling/mock.test.ts", "scripts/mock.mjs"],
      "release:pack": ["test/packaging/install.test.ts", "scripts/pack-packages.mjs"],
      generate: ["packages/types/test/drift.test.ts", "generate("],
      "test:unit": ["vitest.config.ts", 'name: "unit"'],
    };
    // Release-time commands that write versions or ask questions: documented, not run.
    const RELEASE_ONLY = ["changeset", "release:version"];
    if (RELEASE_ONLY.includes(command)) return;
    const byTest = RUN_BY_TEST[command];
    if (byTest) {
      expect(readFileSync(join(root, byTest[0]), "utf8"), byTest[0]).toContain(byTest[1]);
      return;
    }
    expect(ci, `neither .ci/run nor a test runs pnpm ${command}`).toMatch(
      new RegExp(`^pnpm ${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "m"),
    );
  });

  it("when `pnpm chronicle --help` runs, then it lists the server's commands", async () => {
    const run = runScript(["-s", "chronicle", "--help"], {});
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/\bstart\b/);
    expect(run.output()).toMatch(/\bserve\b/);
  }, 60_000);

  it("when a root script is named like a pnpm built-in, then it is one pnpm lets through", () => {
    const shadowed = Object.keys(manifest.scripts).filter((name) => SHADOWING.has(name));
    expect(shadowed).toEqual([]);
  });

  it("when the root starts the server, then the shell hands over to it (Ctrl+C reaches it alone, exit 0)", () => {
    // No nested pnpm (ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL) and no shell left between pnpm
    // and the server to die of the signal (ELIFECYCLE).
    expect(manifest.scripts.start).toMatch(
      /(^|&& )exec node packages\/server\/bin\/chronicle\.mjs start$/,
    );
    expect(manifest.scripts.chronicle).toMatch(/^exec node packages\/server\/bin\/chronicle\.mjs$/);
  });
});

describe("the guides' TypeScript", () => {
  const examples = join(root, "docs/guide-examples");
  const MARKED = /<!-- example: ([\w.-]+\.ts) -->\n```ts\n([\s\S]*?)```/g;

  it("when a guide shows a marked block, then it is its compiled file exactly", () => {
    const guides = readdirSync(join(root, "docs/guides")).filter((file) => file.endsWith(".md"));
    let blocks = 0;
    for (const guide of guides) {
      const markdown = readFileSync(join(root, "docs/guides", guide), "utf8");
      for (const [, file, shown] of markdown.matchAll(MARKED)) {
        blocks++;
        const source = readFileSync(join(examples, file as string), "utf8").replaceAll(
          '"../../packages/sdk/src/index.js"',
          '"@chronicle/sdk"',
        );
        expect(shown, `${guide}: ${file}`).toBe(source);
      }
    }
    expect(blocks).toBeGreaterThan(0);
  });

  it("when the quick start shows TypeScript, then every block is a compiled file", () => {
    const quickStart = readFileSync(join(root, "docs/guides/quick-start.md"), "utf8");
    const all = quickStart.match(/```ts\n/g) ?? [];
    const marked = quickStart.match(/<!-- example: [\w.-]+\.ts -->\n```ts\n/g) ?? [];
    expect(all.length).toBeGreaterThan(0);
    expect(marked.length).toBe(all.length);
  });
});

/** Runs a root script as a newcomer would, in its own process group (as a terminal does). */
function runScript(args: string[], env: Record<string, string>) {
  // As a newcomer runs it: the embedded store, not the database the test run was given.
  const { DATABASE_URL: _given, ...inherited } = process.env;
  const child = spawn("pnpm", args, {
    cwd: root,
    env: { ...inherited, ...env, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code) => resolveExit(code)),
  );
  return { child, exited, output: () => output };
}

async function waitFor(predicate: () => boolean, what: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting:\n${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("pnpm start", () => {
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "chronicle-start-"));
    dataDirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group has already gone
      }
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("when started, then every URL it prints answers, and Ctrl+C stops it with exit 0", async () => {
    const run = runScript(["start"], { PORT: "0", CHRONICLE_DATA_DIR: dataDir() });
    children.push(run.child);
    await waitFor(() => run.output().includes("Ctrl+C"), run.output, 240_000);
    const printed = [...run.output().matchAll(/https?:\/\/[^\s"]+/g)].map((m) => m[0]);
    const key = /Demo key\s+(\S+)/.exec(run.output())?.[1] as string;
    expect(printed.length).toBeGreaterThanOrEqual(4);
    for (const url of printed) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
      expect(response.status, url).toBe(200);
    }
    // Streams work without setup too: the dev mode made their key in the data directory.
    const api = new URL(printed[0] as string).origin;
    const stream = await fetch(`${api}/v1/streams`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "SIEM",
        destination: { type: "webhook", url: "https://siem.example.com/hook" },
      }),
    });
    expect(stream.status, await stream.clone().text()).toBe(201);
    process.kill(-(run.child.pid as number), "SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toMatch(/ERR_PNPM|ELIFECYCLE/);
  }, 300_000);

  it("when the port is taken, then it says so at once, before seeding anything", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const dir = dataDir();
    try {
      const run = runScript(["start"], { PORT: String(port), CHRONICLE_DATA_DIR: dir });
      children.push(run.child);
      expect(await run.exited).not.toBe(0);
      expect(run.output()).toMatch(/in use/);
      expect(existsSync(join(dir, "demo.json"))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 120_000);
});
