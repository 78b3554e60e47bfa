import {
  createTestDatabase,
  newProject,
  STORE_KINDS,
  type TestDatabase,
  testStreamsConfig,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import {
  createStream,
  createStreamsContext,
  deleteStream,
  type StreamsContext,
} from "../../src/services/streams/index.js";
import { migrate, type Store } from "../../src/store/index.js";

describe.each(STORE_KINDS)("log streams per project (%s)", (kind) => {
  let db: TestDatabase;
  let store: Store;
  let context: StreamsContext;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await db.open();
    await migrate(store);
    context = createStreamsContext(store, testStreamsConfig({ maxPerProject: 3 }));
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  }, 180_000);

  const webhook = (name: string) => ({
    name,
    destination: { type: "webhook" as const, url: "http://127.0.0.1:9/hook" },
  });

  it("when five are created at once with room for three, then three are made and two are 409 stream_limit_reached", async () => {
    const { projectId } = await newProject(store, "Limited");
    const { projectId: otherId } = await newProject(store, "Other");
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => createStream(context, projectId, webhook(`s${n}`))),
    );
    const made = results.filter((result) => result.status === "fulfilled");
    const refused = results.flatMap((result) =>
      result.status === "rejected" ? [result.reason] : [],
    );
    expect(made).toHaveLength(3);
    expect(refused).toHaveLength(2);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(ServiceError);
      expect((reason as ServiceError).code).toBe("stream_limit_reached");
    }
    // Another project's limit is its own; a deletion makes room again.
    await expect(createStream(context, otherId, webhook("theirs"))).resolves.toMatchObject({
      name: "theirs",
    });
    const first = made[0] as PromiseFulfilledResult<{ id: string }>;
    await deleteStream(context, projectId, first.value.id);
    await expect(createStream(context, projectId, webhook("again"))).resolves.toMatchObject({
      name: "again",
    });
  });
});
