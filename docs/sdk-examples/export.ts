import { chronicle } from "./client.js";

// NDJSON: typed events, parsed as the bytes arrive (constant memory, any size).
for await (const event of chronicle.events.export({ format: "ndjson", action: "api_key.*" })) {
  console.log(event.occurred_at, event.actor.id, event.action, event.target?.id);
}

// CSV: one record per row, keyed by the header…
for await (const row of chronicle.events.export({ format: "csv", workspace_id: "ws_acme" })) {
  console.log(row.id, row.action, row.occurred_at);
}
// …or raw rows, the header first.
for await (const cells of chronicle.events.export({ format: "csv" }, { rows: "arrays" })) {
  console.log(cells.join(" | "));
}

// Verify an export offline, as it streams.
const check = await chronicle.integrity.verifyChain(chronicle.events.export({ format: "ndjson" }));
console.log(check.valid, check.checked, check.first_invalid_seq, check.reason);
