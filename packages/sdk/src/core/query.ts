/** The contract's `action` filter is a list; the SDK also takes one string. */
export type WithActionList<P> = P extends { action?: unknown }
  ? Omit<P, "action"> & { action?: string[] }
  : P;

/** The contract's query from the SDK's parameters: a single `action` becomes a one-item list. */
export function toQuery<P extends object>(params: P): WithActionList<P> {
  const { action } = params as { action?: unknown };
  return (
    typeof action === "string" ? { ...params, action: [action] } : params
  ) as WithActionList<P>;
}
