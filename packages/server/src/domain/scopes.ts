import { type components, SCOPES } from "@chronicle/types";

export { SCOPES };

/** A permission an API key or viewer token holds; `admin` implies every other. */
export type Scope = components["schemas"]["Scope"];

/** What an operation's `x-required-scope` may say: a scope, or `none` for open operations. */
export type RequiredScope = Scope | "none";

export function isScope(value: unknown): value is Scope {
  return (SCOPES as readonly unknown[]).includes(value);
}

export function isRequiredScope(value: unknown): value is RequiredScope {
  return value === "none" || isScope(value);
}
