#!/usr/bin/env node
// The `chronicle` command: the CLI built to JavaScript by `pnpm --filter @chronicle/server build`.
await import("../dist/cli.js");
