/**
 * Domain shapes that are not wire shapes: who holds a credential, how a list is asked for
 * and pages through, what a rate-limit check decided. Wire shapes come from
 * `@chronicle/types`; the ones here that mirror part of the wire are derived from it.
 */
import type { EventList, ListEventsQuery } from "@chronicle/types";
import type { Scope } from "./scopes.js";

/** Who holds a credential; shaped like the HTTP layer's Principal. */
export interface Credential {
  kind: "api_key" | "viewer_token";
  /** The key id, or the viewer token's id (its rate-limit bucket). */
  id: string;
  projectId: string;
  scopes: Scope[];
  /** The workspace the credential is pinned to: viewer tokens, workspace read keys. */
  workspaceId: string | null;
  name: string | null;
  /** The key's own requests per minute, when it has one (else the server's default). */
  rateLimitPerMinute?: number;
  /**
   * An API key's secret presented, by its hash: a rotation replaces it, and the streams it
   * opened end when it stops (its overlap) though the key lives on.
   */
  secretHash?: string;
}

/** One page of any list: the contract's list envelope over another item type. */
export type Page<T> = { [K in keyof EventList]: K extends "data" ? T[] : EventList[K] };

/** The filters of the event lists, feeds, exports and tails (the list query minus paging). */
export type EventFilters = Omit<ListEventsQuery, "order" | "limit" | "cursor" | "include_total">;

/** Which endpoint a list belongs to; part of every cursor. */
export type ListScope =
  | { kind: "events" }
  | { kind: "target"; type: string; id: string }
  | { kind: "workspace"; id: string };

export interface ListOptions {
  order?: "asc" | "desc";
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string;
  includeTotal?: boolean;
  scope?: ListScope;
  /** The request's client went away: a read still waiting for its turn gives up its place. */
  signal?: AbortSignal;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** What one project's retention purge did (the CLI's report; not an API response). */
export interface PurgeReport {
  project_id: string;
  purged: number;
  checkpoint_seq: number | null;
}
