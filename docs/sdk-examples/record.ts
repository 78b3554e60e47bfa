import { chronicle } from "./client.js";

const event = await chronicle.events.create({
  action: "issue.created",
  actor: { type: "user", id: "usr_8f2k1", name: "Ada Lovelace" },
  target: { type: "issue", id: "ISS-1042", name: "Checkout fails on Safari" },
  workspace_id: "ws_acme",
  metadata: { priority: "high" },
});
console.log(event.id, event.seq, event.hash);

// Up to 1000 events in one request, all or nothing.
const { data } = await chronicle.events.batch({
  events: [
    { action: "issue.assigned", actor: { type: "agent", id: "agt_triage" } },
    {
      action: "issue.updated",
      actor: { type: "user", id: "usr_8f2k1" },
      changes: { before: { status: "open" }, after: { status: "in_progress" } },
    },
  ],
});
console.log(data.map((recorded) => recorded.changed_fields));

// Your own idempotency key, e.g. the id of the job that produces the event.
await chronicle.events.create(
  { action: "invoice.paid", actor: { type: "system", id: "billing" } },
  { idempotencyKey: "invoice-7781-paid" },
);
