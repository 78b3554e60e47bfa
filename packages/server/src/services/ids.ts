import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/** A prefixed ULID (`evt_…`, `key_…`, `prj_…`); monotonic within this process. */
export function newId(prefix: "evt" | "key" | "prj" | "vtk"): string {
  return `${prefix}_${nextUlid()}`;
}
