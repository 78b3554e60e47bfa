import { fileURLToPath } from "node:url";
import type { UserConfig } from "vite";

/**
 * The SDK is compiled from its sources into the bundles, so the console never depends on
 * the SDK's own build being fresh and the bundler tree-shakes what the browser does not use.
 */
export const shared: UserConfig = {
  resolve: {
    alias: {
      "@chronicle/sdk": fileURLToPath(new URL("../sdk/src/index.ts", import.meta.url)),
    },
  },
  build: { target: "es2022", sourcemap: true, reportCompressedSize: false },
  logLevel: "warn",
};
