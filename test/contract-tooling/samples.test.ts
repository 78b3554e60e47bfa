// The code samples the docs site shows for every operation: the TypeScript ones compile
// under the repository's strict settings (docs/samples/ files and the raw-client ones
// generated for operations without a file), the Python ones compile, and the curl and
// Python samples of the core operations run against a real server and succeed.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { newProject, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * The Python samples run with `requests`, which `.ci/run` installs; on a machine whose
 * python3 lacks it (the README's "only Node and npm") they are skipped, saying why.
 */
const pythonRequests = spawnSync("python3", ["-c", "import requests"]).status === 0;
if (!pythonRequests) console.warn("python3 cannot import requests: the Python samples are not run");
const document = JSON.parse(
  readFileSync(join(root, "packages/types/generated/openapi.json"), "utf8"),
) as unknown;

interface Entry {
  operation: { operationId: string };
}
interface Sample {
  curl: string;
  typescript: string;
  python: string;
}
interface SampleScripts {
  BASE_URL: string;
  operationsOf(document: unknown): Entry[];
  samplesOf(document: unknown, samplesDir: string): Map<string, Sample>;
  typescriptSource(
    document: unknown,
    samplesDir: string,
    entry: Entry,
  ): { source: string; generated: boolean };
}

const scripts = (await import(
  pathToFileURL(join(root, "scripts/docs/samples.mjs")).href
)) as SampleScripts;
const samplesDir = join(root, "docs/samples");
const samples = scripts.samplesOf(document, samplesDir);

/** Operations whose samples are run: they succeed on a fresh project with the example bodies. */
const RUN = [
  "getHealth",
  "createEvent",
  "createEventBatch",
  "listEvents",
  "getProject",
  "listActions",
];

describe("the docs' code samples", () => {
  let scratch: string;

  beforeAll(() => {
    mkdirSync(join(root, ".docs-build"), { recursive: true });
    scratch = mkdtempSync(join(root, ".docs-build", "samples-"));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("when the TypeScript samples are compiled strictly, then none fails", async () => {
    // docs/samples/*.ts are part of `pnpm typecheck`; the generated ones are compiled here,
    // from the same depth in the tree so their import of the SDK resolves.
    const folder = scratch;
    const generated = scripts
      .operationsOf(document)
      .map((entry) => ({ entry, ...scripts.typescriptSource(document, samplesDir, entry) }))
      .filter(({ generated }) => generated);
    for (const { entry, source } of generated) {
      writeFileSync(join(folder, `${entry.operation.operationId}.ts`), source);
    }
    const files = [
      ...generated.map(({ entry }) => `${entry.operation.operationId}.ts`),
      `${join(samplesDir, "*.ts")}`,
    ];
    writeFileSync(
      join(folder, "tsconfig.json"),
      JSON.stringify({
        extends: "../../tsconfig.base.json",
        compilerOptions: { types: ["node"] },
        include: files,
      }),
    );
    const tsc = join(root, "node_modules/.bin/tsc");
    const result = await run(tsc, ["-p", folder], { cwd: root }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  }, 120_000);

  it("when the Python samples are compiled, then each is valid Python", async () => {
    const folder = join(scratch, "py");
    mkdirSync(folder);
    const files = [...samples].map(([operationId, sample]) => {
      const file = join(folder, `${operationId}.py`);
      writeFileSync(file, sample.python);
      return file;
    });
    await run("python3", ["-m", "py_compile", ...files]);
  });

  describe("run against a real server", () => {
    let ctx: TestContext;
    let base: string;
    let apiKey: string;

    beforeAll(async () => {
      ctx = await setUp("pglite");
      apiKey = (await newProject(ctx.store, "samples")).key;
      base = ctx.server.base;
    }, 60_000);

    afterAll(async () => {
      await ctx?.close();
    });

    const env = () => ({ ...process.env, CHRONICLE_API_KEY: apiKey });
    const pointed = (source: string) => source.replaceAll(scripts.BASE_URL, base);

    it.each(RUN)("when the curl sample of %s runs, then it succeeds", async (operationId) => {
      const sample = samples.get(operationId) as Sample;
      const { stdout } = await run(
        "sh",
        ["-c", pointed(sample.curl).replace(/^curl/, "curl -sf")],
        {
          env: env(),
        },
      );
      expect(JSON.parse(stdout)).toBeTypeOf("object");
    });

    (pythonRequests ? it : it.skip).each(RUN)(
      "when the Python sample of %s runs, then it succeeds",
      async (operationId) => {
        const sample = samples.get(operationId) as Sample;
        const { stdout } = await run("python3", ["-c", pointed(sample.python)], { env: env() });
        expect(stdout.trim()).toMatch(/^\{/);
      },
    );
  });
});
