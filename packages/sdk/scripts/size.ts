// `pnpm --filter @chronicle/sdk size`: bundles the SDK for the browser, minified with every
// dependency inlined, and prints its gzipped size. esbuild fails the bundle if the browser
// path imports a Node built-in.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface BundleSize {
  code: string;
  minified: number;
  gzipped: number;
}

export async function measure(): Promise<BundleSize> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no output");
  return {
    code: output.text,
    minified: output.contents.byteLength,
    gzipped: gzipSync(output.contents, { level: 9 }).byteLength,
  };
}

export const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped } = await measure();
  console.log(
    `@chronicle/sdk browser bundle, all dependencies included: ${kilobytes(minified)} minified, ${kilobytes(gzipped)} minified + gzipped`,
  );
}
