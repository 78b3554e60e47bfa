import type { StoreKind } from "@chronicle/test-kit";

/** Statuses the contract documents that no honest test can provoke; kept short. */
export const NOT_PROVOKED: { status: string; stores: StoreKind[]; reason: string }[] = [
  {
    status: "500",
    stores: ["pglite", "postgres"],
    reason: "internal_error means a bug; instead, any 500 observed anywhere fails the suite",
  },
  {
    status: "503",
    stores: ["pglite"],
    reason:
      "the embedded PGlite runs in-process and cannot become unreachable; on PostgreSQL the suite cuts the connection and provokes 503 for every operation",
  },
];
