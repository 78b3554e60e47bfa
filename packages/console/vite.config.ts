import { defineConfig, mergeConfig } from "vite";
import { shared } from "./vite.shared.js";

/** The console app, served by the server at /console/. */
export default defineConfig(
  mergeConfig(shared, {
    base: "/console/",
    build: { outDir: "dist", emptyOutDir: true },
  }),
);
