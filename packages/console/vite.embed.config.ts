import { defineConfig, mergeConfig } from "vite";
import { shared } from "./vite.shared.js";

/** `<chronicle-activity>` as one self-contained ES module: dist/embed/chronicle-activity.js. */
export default defineConfig(
  mergeConfig(shared, {
    build: {
      outDir: "dist/embed",
      emptyOutDir: true,
      // Library mode keeps whitespace by default; the embed is shipped to browsers as is.
      minify: true,
      lib: {
        entry: "src/embed.ts",
        formats: ["es"],
        fileName: () => "chronicle-activity.js",
      },
    },
  }),
);
