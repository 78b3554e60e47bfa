import { describe, expect, it } from "vitest";
import { systemLookupAll } from "../../src/services/streams/address-guard.js";
import { createAgents, postOnce } from "../../src/services/streams/http-post.js";

describe("one delivery POST", () => {
  const options = {
    timeoutMs: 500,
    allowPrivateNetworks: false,
    resolveAll: systemLookupAll,
    agents: createAgents(),
  };

  it("when the URL is invalid or names a forbidden address, then the attempt fails with the reason instead of rejecting", async () => {
    await expect(postOnce("not a url", {}, "{}", options)).resolves.toMatchObject({
      ok: false,
      status: null,
      error: "invalid destination URL",
    });
    const metadata = await postOnce("http://169.254.169.254/latest", {}, "{}", options);
    expect(metadata).toMatchObject({ ok: false, status: null });
    expect(metadata.error).toContain("169.254.169.254");
  });
});
