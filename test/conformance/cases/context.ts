import type { StoreKind } from "@chronicle/test-kit";
import type { CallResult, RecordingClient } from "../support/recording-client.js";

/** What every case can reach: clients on the servers under test and a few known ids. */
export interface ConformanceContext {
  kind: StoreKind;
  /** The reference server, project A, admin key. */
  api: RecordingClient;
  keys: { read: string; write: string; export: string; viewer: string };
  /** An event of project A, and one of project B (must look missing to A). */
  eventId: string;
  otherProjectEventId: string;
  /** The admin key of project B. */
  otherProjectKey: string;
  /** The admin key of a project of its own, named "Conformance deleted", for its deletion. */
  deletedProjectKey: string;
  /** A server over the same store allowing one request per minute, with its own key. */
  limited: RecordingClient;
  /** A server whose database connection was cut (PostgreSQL only). */
  down: RecordingClient | undefined;
}

export interface ConformanceCase {
  operationId: string;
  status: number;
  /** The problem `code` expected for an error status. */
  code?: string;
  when: string;
  /** Stores this case can run on (default: all). */
  stores?: StoreKind[];
  run(ctx: ConformanceContext): Promise<CallResult>;
  check?(result: CallResult, ctx: ConformanceContext): void;
}
