import type { Response } from "express";
import type { Scope } from "./contract.js";

/** Who is calling: an API key, or a viewer token pinned to one workspace. */
export interface Principal {
  kind: "api_key" | "viewer_token";
  /** The key's or the token's id (the rate-limit bucket). */
  id: string;
  projectId: string;
  scopes: Scope[];
  /** Set for viewer tokens: the only workspace they may see. */
  workspaceId: string | null;
  name: string | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error("principalOf called on an unauthenticated route");
  return principal;
}
