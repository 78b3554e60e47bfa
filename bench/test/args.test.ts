import { describe, expect, it } from "vitest";
import { parseArgs } from "../lib/args.js";

describe("bench arguments", () => {
  it("when the full run has every workload, then it writes the docs page", () => {
    expect(parseArgs([]).docs).toBe(true);
  });

  it("when the run is quick or partial, then the docs page is left alone", () => {
    expect(parseArgs(["--quick"]).docs).toBe(false);
    expect(parseArgs(["--only", "console"]).docs).toBe(false);
    expect(parseArgs(["--only", "console,streams"]).only).toEqual(["console", "streams"]);
  });

  it("when a partial run asks for the docs, then it is refused", () => {
    expect(() => parseArgs(["--only", "console", "--docs"])).toThrow(/--only/);
  });

  it("when a quick run asks for the docs, then it writes them", () => {
    expect(parseArgs(["--quick", "--docs"]).docs).toBe(true);
  });
});
