/**
 * Two managers on one store, as two processes would be: a stored turn makes its session active
 * in the same write (nothing stored, nothing changed), and goes only into the session it was
 * held on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { CommonManagerOptions, StorageChoice } from "../src/config.js";
import { SessionNotFoundError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase } from "./helpers/postgres.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const dir = mkdtempSync(join(tmpdir(), "lss-reactivate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = await freshDatabase(inject("postgresUrl"));
const manager = managersClosedAfterEach();
let n = 0;

/** A store that two managers (two processes, in effect) can open. */
const STORES: Record<string, () => StorageChoice> = {
  sqlite: () => ({ storage: "sqlite", storageConfig: { dbPath: join(dir, `${n++}.db`) } }),
  postgres: () => ({
    storage: "postgres",
    storageConfig: { connectionString: url, schema: `re_${n++}` },
  }),
};

describe.each(Object.keys(STORES))("%s", (name) => {
  const pair = (options: CommonManagerOptions) => {
    const store = STORES[name]!();
    return [manager({ ...options, ...store }), manager({ ...options, ...store })] as const;
  };

  it("a turn that lands after another process archived its session makes it active", async () => {
    const [a, b] = pair({ providers: { mock: { adapter: new MockProvider({ latencyMs: 200 }) } } });
    const session = await a.createSession("u", "mock", "m");
    const turn = session.sendMessage("in flight"); // a stateless turn takes no lease
    await new Promise((resolve) => setTimeout(resolve, 50));
    await b.archiveSession(session.sessionId);
    await turn;
    expect((await b.getSession(session.sessionId)).status).toBe("active");
    expect(session.status).toBe("active");
  });

  it("a turn that stores nothing leaves an archived session archived", async () => {
    const refuse = { outgoing: () => Promise.reject(new Error("refused by policy")) };
    const [a] = pair({ middleware: [refuse] });
    const session = await a.createSession("u", "mock", "m");
    await a.archiveSession(session.sessionId);
    await expect(session.sendMessage("no")).rejects.toThrow("refused by policy");
    const stream = session.streamMessage("no");
    await expect(stream.reply).rejects.toThrow("refused by policy");
    expect((await session.refresh()).status).toBe("archived");
    expect(await session.getMessages()).toEqual([]);
  });

  it("a stale Session object never writes into a session made anew under its id elsewhere", async () => {
    const [a, b] = pair({});
    const sessionConfig = { sessionId: "fixed" };
    const alice = await a.createSession("alice", "mock", "m", { sessionConfig });
    await alice.sendMessage("alice's first");
    await b.deleteSession("fixed");
    const bob = await b.createSession("bob", "mock", "m", { sessionConfig });
    await bob.sendMessage("bob's");
    await expect(alice.sendMessage("alice again")).rejects.toBeInstanceOf(SessionNotFoundError);
    const stream = alice.streamMessage("alice streams");
    await expect(stream.reply).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.sendSystemMessage("be brief")).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.getMessages()).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.getMessages({ limit: 1 })).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.updateContext({ by: "alice" })).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.clearMessages()).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(alice.switchProvider("mock", "other")).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    expect((await bob.getMessages()).map((m) => m.content)).toEqual(["bob's", "Echo: bob's"]);
    expect(await bob.refresh()).toMatchObject({ context: {}, model: "m", userId: "bob" });
  });
});
