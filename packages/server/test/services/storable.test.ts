import { describe, expect, it } from "vitest";
import { unsafeIntegers, unstorableText } from "../../src/domain/storable.js";

const pointers = (value: unknown, prefix?: string) =>
  unstorableText(value, prefix).map((error) => error.pointer);

describe("text PostgreSQL cannot store", () => {
  it("when strings hold emoji, accents or CJK (paired surrogates), then nothing is refused", () => {
    expect(pointers({ a: "😀 é 日本", b: ["\ud83d\ude00"], "\ud83d\ude00": "x" })).toEqual([]);
  });

  it("when a NUL or a lone surrogate sits anywhere, then its exact pointer is reported", () => {
    const value = {
      summary: "bad\u0000",
      metadata: { "a/b": ["fine", { "~k": "high \ud800 alone" }], low: "\udc00 first" },
      targets: [{ id: "ok" }, { id: "end \ud83d" }],
    };
    expect(pointers(value, "/events/3")).toEqual([
      "/events/3/summary",
      "/events/3/metadata/a~1b/1/~0k",
      "/events/3/metadata/low",
      "/events/3/targets/1/id",
    ]);
  });

  it("when an object key holds a NUL, then the key is reported and its value is not walked", () => {
    expect(pointers({ metadata: { "k\u0000": { inner: "\u0000" } } })).toEqual([
      "/metadata/k\u0000",
    ]);
  });

  it("when a value holds more than twenty bad strings, then twenty are reported", () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, n) => [`k${n}`, "\u0000"]));
    expect(pointers(many)).toHaveLength(20);
  });
});

describe("parameters the database binding cannot take", () => {
  it("when a coerced parameter is ±Infinity or beyond 2^53, then it is refused; safe integers pass", () => {
    const refused = unsafeIntegers(
      {
        a: Number.POSITIVE_INFINITY,
        b: Number.NEGATIVE_INFINITY,
        c: 2 ** 53,
        d: 2 ** 53 - 1,
        e: "x",
        f: 0.5,
      },
      "/query",
    ).map((error) => [error.pointer, error.code]);
    expect(refused).toEqual([
      ["/query/a", "maximum"],
      ["/query/b", "minimum"],
      ["/query/c", "maximum"],
    ]);
  });
});
