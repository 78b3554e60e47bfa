import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  target: "es2022",
  platform: "neutral",
  // The contract's generated types are inlined so the package needs no @chronicle/types.
  dts: { resolve: ["@chronicle/types"] },
  // eventsource-parser ships ESM only; bundling its ~2 kB keeps the CJS build requirable.
  noExternal: ["eventsource-parser"],
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
});
