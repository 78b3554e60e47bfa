#!/usr/bin/env node
// The `chronicle` command. The published package runs its built JavaScript (dist/cli.js).
// Inside the repository, where src/ exists (it is not packed), it runs the TypeScript
// source through tsx instead, so scripts and tests never run a stale build.
import { existsSync } from "node:fs";

const source = new URL("../src/cli.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("../dist/cli.js");
}
