import { defineConfig } from "tsup";

// The server is shipped as plain JavaScript for Node (no TypeScript loader at run time).
// Runtime dependencies stay external (declared in package.json); the bundled contract and
// the package's own version are imported as JSON and inlined, so the package needs no
// @chronicle/types at run time.
export default defineConfig({
  entry: { cli: "src/cli.ts", index: "src/index.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  noExternal: ["@chronicle/types"],
  dts: { entry: { index: "src/index.ts" }, resolve: ["@chronicle/types"] },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});
