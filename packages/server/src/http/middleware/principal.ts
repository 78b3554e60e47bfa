import type { Response } from "express";
import type { Credential } from "../../domain/index.js";
import type { Scope } from "../../domain/scopes.js";

/** Who is calling: an API key, or a viewer token pinned to one workspace. */
export type Principal = Credential;

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error("principalOf called on an unauthenticated route");
  return principal;
}
