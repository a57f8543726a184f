import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/storage/memory.js";
import { describeStorageConformance } from "./conformance.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

describeStorageConformance({
  name: "memory",
  create: () => memoryStorage(),
  turnLeases: false,
});

describe("memory backend", () => {
  it("keeps its own copy of a synchronous turn's time", async () => {
    // The session layer passes the reply's `timestamp` as `at`, and hands the reply to the app.
    const s = memoryStorage();
    const r = makeRecord();
    await s.createSession(r);
    const reply = makeMessage(r.sessionId, { role: "assistant" });
    const t = reply.timestamp.getTime();
    s.appendTurnSync(r.sessionId, [reply], { usage: usage(1, 1), costUsd: 0, at: reply.timestamp });
    reply.timestamp.setTime(0);
    const stored = (await s.getSession(r.sessionId))!;
    expect(stored.lastActivity.getTime()).toBe(t);
    expect(stored.updatedAt.getTime()).toBe(t);
    expect((await s.getMessages(r.sessionId))[0]!.timestamp.getTime()).toBe(t);
  });
});
