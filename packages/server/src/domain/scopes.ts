import type { components } from "@chronicle/types";

/** A permission an API key or viewer token holds; `admin` implies every other. */
export type Scope = components["schemas"]["Scope"];

/** What an operation's `x-required-scope` may say: a scope, or `none` for open operations. */
export type RequiredScope = Scope | "none";

/** The contract's scopes in its order (test/contract/wire-types.test.ts holds it to the enum). */
export const SCOPES = [
  "activity:read",
  "activity:write",
  "activity:export",
  "admin",
] as const satisfies readonly Scope[];

export function isScope(value: unknown): value is Scope {
  return (SCOPES as readonly unknown[]).includes(value);
}

export function isRequiredScope(value: unknown): value is RequiredScope {
  return value === "none" || isScope(value);
}
