import { describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import { ReadGate } from "../../src/services/events/read-gate.js";

/** A read that runs until its `finish` is called. */
function heldRead() {
  let finish: () => void = () => undefined;
  let started = false;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    read: async () => {
      started = true;
      await done;
      return "read";
    },
    finish: () => finish(),
    started: () => started,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("read turns", () => {
  it("when a project sends more reads than its turns, then the rest wait and run in order as turns free", async () => {
    const gate = new ReadGate({ perProject: 2, maxWaitMs: 5_000 });
    const reads = [heldRead(), heldRead(), heldRead(), heldRead()];
    const answers = reads.map((held) => gate.run("p1", held.read));
    await tick();
    expect(reads.map((held) => held.started())).toEqual([true, true, false, false]);
    expect(gate.running("p1")).toBe(2);
    reads[1]?.finish();
    await tick();
    expect(reads.map((held) => held.started())).toEqual([true, true, true, false]);
    expect(gate.running("p1")).toBe(2);
    for (const held of reads) held.finish();
    await expect(Promise.all(answers)).resolves.toEqual(["read", "read", "read", "read"]);
    expect(gate.running("p1")).toBe(0);
  });

  it("when one project's turns are all taken, then another project's read runs at once", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 5_000 });
    const busy = heldRead();
    const waiting = heldRead();
    const first = gate.run("busy", busy.read);
    const second = gate.run("busy", waiting.read);
    const other = heldRead();
    const elsewhere = gate.run("quiet", other.read);
    await tick();
    expect([busy.started(), waiting.started(), other.started()]).toEqual([true, false, true]);
    other.finish();
    await expect(elsewhere).resolves.toBe("read");
    busy.finish();
    waiting.finish();
    await Promise.all([first, second]);
  });

  it("when busy projects fill every read connection, then a freed turn goes to the project running fewest, not to the busy project's next read", async () => {
    const gate = new ReadGate({ perProject: 3, maxWaitMs: 5_000 }, 4);
    const busy = [heldRead(), heldRead(), heldRead()];
    const other = [heldRead(), heldRead()];
    const running = [
      ...busy.map((held) => gate.run("busy", held.read)),
      ...other.map((held) => gate.run("other", held.read)),
    ];
    await tick();
    // Four connections: busy took three, other one; other's second waits for the total.
    expect(busy.map((held) => held.started())).toEqual([true, true, true]);
    expect(other.map((held) => held.started())).toEqual([true, false]);
    const quiet = heldRead();
    const quietAnswer = gate.run("quiet", quiet.read);
    await tick();
    expect(quiet.started()).toBe(false);
    // A turn frees: quiet runs nothing, other runs one, so quiet goes first.
    busy[0]?.finish();
    await tick();
    expect(quiet.started()).toBe(true);
    expect(other[1]?.started()).toBe(false);
    busy[1]?.finish();
    await tick();
    expect(other[1]?.started()).toBe(true);
    for (const held of [...busy, ...other, quiet]) held.finish();
    await Promise.all([...running, quietAnswer]);
    expect(gate.running("busy") + gate.running("other") + gate.running("quiet")).toBe(0);
  });

  it("when a read waits longer than the bound, then it is refused 429 too_many_reads with Retry-After and never runs", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 50 });
    const busy = heldRead();
    const running = gate.run("p", busy.read);
    const late = heldRead();
    const refused = await gate.run("p", late.read).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused).toMatchObject({ code: "too_many_reads", status: 429 });
    expect((refused as ServiceError).headers).toMatchObject({ "Retry-After": "1" });
    busy.finish();
    await running;
    expect(late.started()).toBe(false);
    expect(gate.running("p")).toBe(0);
  });

  it("when the client goes away while its read waits, then the read leaves the queue and never runs", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 60_000 });
    const busy = heldRead();
    const running = gate.run("p", busy.read);
    const abandoned = heldRead();
    const controller = new AbortController();
    const answer = gate.run("p", abandoned.read, { signal: controller.signal });
    const next = heldRead();
    const nextAnswer = gate.run("p", next.read);
    controller.abort(new Error("client gone"));
    await expect(answer).rejects.toThrow("client gone");
    busy.finish();
    await running;
    await tick();
    expect(abandoned.started()).toBe(false);
    expect(next.started()).toBe(true);
    next.finish();
    await nextAnswer;
  });

  it("when a patient read (a live tail's) waits past the bound, then it still runs once a turn frees", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 20 });
    const busy = heldRead();
    const running = gate.run("p", busy.read);
    const patient = heldRead();
    const answer = gate.run("p", patient.read, { patient: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(patient.started()).toBe(false);
    busy.finish();
    await running;
    await tick();
    expect(patient.started()).toBe(true);
    patient.finish();
    await expect(answer).resolves.toBe("read");
  });

  it("when a read throws, then its turn passes on and the error reaches the caller", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 5_000 });
    const failing = gate.run("p", async () => {
      throw new Error("database away");
    });
    const next = gate.run("p", async () => "after");
    await expect(failing).rejects.toThrow("database away");
    await expect(next).resolves.toBe("after");
    expect(gate.running("p")).toBe(0);
  });

  it("when a hundred reads already wait, then one more is refused at once; patient ones do not count", async () => {
    const gate = new ReadGate({ perProject: 1, maxWaitMs: 60_000 });
    const busy = heldRead();
    const running = gate.run("p", busy.read);
    const tails = Array.from({ length: 150 }, () =>
      gate.run("p", async () => "tail", { patient: true }),
    );
    const queued = Array.from({ length: 100 }, () => gate.run("p", async () => "queued"));
    await expect(gate.run("p", async () => "one too many")).rejects.toMatchObject({
      code: "too_many_reads",
    });
    busy.finish();
    await running;
    await expect(Promise.all(queued)).resolves.toHaveLength(100);
    await expect(Promise.all(tails)).resolves.toHaveLength(150);
  });
});
