/**
 * The same calls give the same results on every backend: what one refuses, all refuse with the
 * same error; what one keeps, all read back alike. (The storage contract itself is the
 * conformance suite's; these go through the manager.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { CommonManagerOptions } from "../src/config.js";
import { SessionNotFoundError, ValidationError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase } from "./helpers/postgres.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const dir = mkdtempSync(join(tmpdir(), "lss-agree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = await freshDatabase(inject("postgresUrl"));
let n = 0;
const manager = managersClosedAfterEach();

const BACKENDS = {
  memory: (o: CommonManagerOptions = {}) => manager({ ...o, storage: "memory" }),
  sqlite: (o: CommonManagerOptions = {}) =>
    manager({ ...o, storage: "sqlite", storageConfig: { dbPath: join(dir, `${n++}.db`) } }),
  postgres: (o: CommonManagerOptions = {}) =>
    manager({
      ...o,
      storage: "postgres",
      storageConfig: { connectionString: url, schema: `ag_${n++}` },
    }),
};

describe.each(Object.keys(BACKENDS) as (keyof typeof BACKENDS)[])("%s", (backend) => {
  it("a turn on an archived session makes it active again, sent or streamed", async () => {
    const m = BACKENDS[backend]();
    const session = await m.createSession("u", "mock", "m");
    for (const turn of [
      () => session.sendMessage("back again"),
      async () => {
        const stream = session.streamMessage("and again");
        for await (const _ of stream) void _;
      },
    ]) {
      await m.archiveSession(session.sessionId);
      expect(await m.getUserSessions("u", { status: "active" })).toHaveLength(0);
      await turn();
      expect(session.status).toBe("active");
      const listed = await m.getUserSessions("u", { status: "active" });
      expect(listed.map((s) => s.sessionId)).toEqual([session.sessionId]);
    }
    expect(await session.getMessages()).toHaveLength(4);
  });

  // A session id can be taken again after a delete (V1 ids, ids an app chooses).
  it.each([
    ["a stateless provider", false],
    ["a provider that keeps history (turns take the lease)", true],
  ])(
    "a deleted session's object never reaches a new session under its id, with %s",
    async (_, historyAware) => {
      const mock = new MockProvider({ historyAware });
      const m = BACKENDS[backend]({ providers: { mock: { adapter: mock } } });
      const sessionConfig = { sessionId: "ticket-42" };
      const alice = await m.createSession("alice", "mock", "m", { sessionConfig });
      await alice.sendMessage("alice's first message");
      await m.deleteSession("ticket-42");
      await m.createSession("bob", "mock", "m", { sessionConfig });
      for (const call of [
        () => alice.sendMessage("alice's secret"),
        () => alice.getMessages(),
        () => alice.updateContext({ owner: "alice" }),
        () => alice.getMetrics(),
        () => alice.sendSystemMessage("be brief"),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(SessionNotFoundError);
      }
      const bob = await m.getSession("ticket-42", { userId: "bob" });
      expect(await bob.getMessages()).toEqual([]);
      expect(bob.context).toEqual({});
    },
  );

  it("names the bad field of a message to a missing session, before looking the session up", async () => {
    const m = BACKENDS[backend]();
    const message = {
      messageId: "m1",
      sessionId: "missing",
      role: "user" as const,
      content: "a\0b",
      timestamp: new Date(),
      metadata: {},
    };
    const error = await m.storage.addMessage("missing", message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("content");
  });

  it("reads a context value of -0 back as 0, as JSON has it", async () => {
    const m = BACKENDS[backend]();
    const sessionConfig = { context: { z: -0, deep: [{ w: -0 }] } };
    const s = await m.createSession("u", "mock", "m", { sessionConfig });
    await s.updateContext({ y: -0 });
    const { context } = await m.getSession(s.sessionId);
    expect(Object.is(context.z, 0) && Object.is(context.y, 0)).toBe(true);
    expect(Object.is((context.deep as { w: number }[])[0]!.w, 0)).toBe(true);
  });
});
