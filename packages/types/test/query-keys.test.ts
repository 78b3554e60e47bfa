import { describe, expect, it } from "vitest";
import { openapiDocument, QUERY_KEYS } from "../src/index.js";

const parameters = openapiDocument.components.parameters as Record<
  string,
  { name: string; description: string }
>;

describe("QUERY_KEYS", () => {
  it("when the contract's q parameter is read, then its table has exactly these keys, mapped to the same filters", () => {
    const rows = [
      ...(parameters.QQuery?.description ?? "").matchAll(/^\| `([a-z_]+)` \| (.+?) \|/gm),
    ];
    const table = Object.fromEntries(
      rows.map(([, key, filters]) => [
        key,
        [...(filters ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
      ]),
    );
    expect(table).toEqual(QUERY_KEYS);
  });

  it("when a key's filters are looked up, then each is a query parameter of listEvents", () => {
    const names = new Set(Object.values(parameters).map((parameter) => parameter.name));
    for (const filters of Object.values(QUERY_KEYS)) {
      for (const filter of filters) expect(names.has(filter), filter).toBe(true);
    }
  });
});
