import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ProviderError,
  StorageError,
  type ProviderAdapter,
  type Session,
  type SessionStatus,
} from "../src/index.js";
import { memoryStorage } from "../src/storage/memory.js";
import { MockProvider } from "../src/testing/index.js";
import { isConditionalCleanupStorage, type SessionStorage } from "../src/storage/types.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const manager = managersClosedAfterEach();
afterEach(() => vi.useRealTimers());

/** Runs `fn` with the clock `hoursAgo` in the past, so what it creates is that old. */
async function hoursAgo<T>(hours: number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() - hours * 3_600_000);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

/** A custom storage of the plain contract: no conditional cleanup, so the manager re-reads. */
function plainStorage(): SessionStorage {
  const s: Partial<ReturnType<typeof memoryStorage>> = { ...memoryStorage() };
  delete s.cleanUpIfInactive;
  return s as SessionStorage;
}

async function warningsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

const storages: [string, () => SessionStorage][] = [
  ["memory", () => memoryStorage()],
  ["a storage without conditional cleanup", plainStorage],
];

describe.each(storages)("cleanup on %s", (_, storage) => {
  it("has the capability it is meant to test", () => {
    expect(isConditionalCleanupStorage(storage())).toBe(_ === "memory");
  });

  it.each(["archive", "delete"] as const)(
    "%s spares a session that had a turn after it was listed",
    async (action) => {
      let sessions: Session[] = [];
      let armed = true;
      // While the cleanup handles one session, the user comes back to the other.
      const hook = async (cleaned: string) => {
        if (!armed) return;
        armed = false;
        await sessions.find((s) => s.sessionId !== cleaned)!.sendMessage("I'm back!");
      };
      const m = manager({
        storage: storage(),
        hooks: { onSessionArchived: hook, onSessionDeleted: hook },
      });
      sessions = await hoursAgo(48, () =>
        Promise.all([m.createSession("u", "mock", "m"), m.createSession("u", "mock", "m")]),
      );
      expect(await m.cleanupInactiveSessions({ maxInactiveHours: 24, action })).toBe(1);
      const after = await Promise.all(
        sessions.map((s) =>
          m.getSession(s.sessionId).then(
            async (x) => `${x.status} ${(await x.getMessages()).length}`,
            () => "deleted",
          ),
        ),
      );
      const cleaned = action === "archive" ? "archived 0" : "deleted";
      expect(after.sort()).toEqual(["active 2", cleaned].sort());
    },
  );

  it("does not cut a turn in flight, and does not count its session", async () => {
    const mock = new MockProvider({ latencyMs: 100 });
    const m = manager({ storage: storage(), providers: { mock: { adapter: mock } } });
    const [busy, idle] = await hoursAgo(48, () =>
      Promise.all([m.createSession("u", "mock", "m"), m.createSession("u", "mock", "m")]),
    );
    const turn = busy.sendMessage("a long question");
    turn.catch(() => undefined); // awaited below; a failure must not go unhandled till then
    await new Promise((resolve) => setTimeout(resolve, 20)); // the provider is thinking
    expect(await m.cleanupInactiveSessions({ maxInactiveHours: 24, action: "delete" })).toBe(1);
    await expect(turn).resolves.toMatchObject({ content: "Echo: a long question" });
    expect(await busy.getMessages()).toHaveLength(2);
    await expect(m.getSession(idle.sessionId)).rejects.toThrow(/not found/);
  });

  it("archives every status but archived, and deletes every status, archived included", async () => {
    const m = manager({ storage: storage() });
    const statuses: SessionStatus[] = ["active", "paused", "completed", "error", "archived"];
    const ids = await hoursAgo(40 * 24, async () => {
      const made = [];
      for (const status of statuses) {
        const s = await m.createSession("u", "mock", "m");
        await m.storage.updateSession(s.sessionId, { status });
        made.push(s.sessionId);
      }
      return made;
    });
    expect(await m.cleanupInactiveSessions({ maxInactiveHours: 24 })).toBe(4);
    const after = await Promise.all(ids.map(async (id) => (await m.getSession(id)).status));
    expect(after).toEqual(statuses.map(() => "archived"));
    const deleted = await m.cleanupInactiveSessions({
      maxInactiveHours: 30 * 24,
      action: "delete",
    });
    expect(deleted).toBe(5);
    expect(await m.getUserSessions("u")).toHaveLength(0);
  });

  it("narrows to one status with `status`", async () => {
    const m = manager({ storage: storage() });
    const [paused, active] = await hoursAgo(48, async () => {
      const p = await m.createSession("u", "mock", "m");
      await m.storage.updateSession(p.sessionId, { status: "paused" });
      return [p, await m.createSession("u", "mock", "m")];
    });
    expect(await m.cleanupInactiveSessions({ action: "delete", status: "paused" })).toBe(1);
    await expect(m.getSession(paused.sessionId)).rejects.toThrow(/not found/);
    expect((await m.getSession(active.sessionId)).status).toBe("active");
  });
});

describe("cleanup options", () => {
  it("refuses a status that is not one, or archiving what is archived, naming the field", async () => {
    const m = manager({});
    for (const options of [
      { status: "inactive" },
      { status: "archived" },
      { status: "archived", action: "archive" },
    ]) {
      await expect(m.cleanupInactiveSessions(options as never)).rejects.toMatchObject({
        name: "ValidationError",
        field: "status",
      });
    }
    await expect(m.cleanupInactiveSessions({ status: "archived", action: "delete" })).resolves.toBe(
      0,
    );
  });
});

describe("deleting sessions whose provider-side state cannot be deleted", () => {
  const KEY = "sk-live-0123456789abcdefghij";
  const remote: ProviderAdapter = {
    name: "remote",
    historyMode: () => "native",
    createProviderSession: async () => `conv_${Math.random().toString(36).slice(2)}`,
    deleteProviderSession: async () => {
      throw new Error(`401 invalid_api_key: ${KEY}`); // as a careless SDK might word it
    },
    sendTurn: async () => {
      throw new ProviderError("remote", "unused");
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw new ProviderError("remote", "unused");
    },
  };
  const providers = { remote: { adapter: remote, apiKey: KEY }, mock: null };

  it("deletes the session anyway, with a warning that names the state and not the key", async () => {
    const m = manager({ providers });
    const s = await m.createSession("u", "remote", "m");
    let deleted: boolean | undefined;
    const warnings = await warningsOf(async () => (deleted = await m.deleteSession(s.sessionId)));
    expect(deleted).toBe(true);
    await expect(m.getSession(s.sessionId)).rejects.toThrow(/not found/);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^LANGSWARM_PROVIDER_CLEANUP_FAILED: could not delete remote ${s.providerSessionId} of deleted session ${s.sessionId}: 401`,
        ),
      ),
    ]);
    expect(warnings.join()).not.toContain(KEY);
  });

  it("cleanup goes past them and counts them", async () => {
    const m = manager({ providers });
    await hoursAgo(48, async () => {
      for (const provider of ["remote", "mock", "remote", "mock"]) {
        await m.createSession("u", provider, "m");
      }
    });
    let count: number | undefined;
    const warnings = await warningsOf(async () => {
      count = await m.cleanupInactiveSessions({ action: "delete" });
    });
    expect(count).toBe(4);
    expect(warnings).toHaveLength(2);
    expect(await m.getUserSessions("u")).toHaveLength(0);
  });
});

describe("a storage failure during cleanup", () => {
  it("is thrown after the other sessions are cleaned up, with the count and every failure", async () => {
    const storage = memoryStorage();
    const m = manager({ storage });
    const ids = await hoursAgo(48, async () => {
      const made = [];
      for (let i = 0; i < 3; i++) made.push((await m.createSession("u", "mock", "m")).sessionId);
      return made;
    });
    const act = storage.cleanUpIfInactive.bind(storage);
    storage.cleanUpIfInactive = (id, ...rest) =>
      id === ids[1] ? Promise.reject(new StorageError("memory", "disk on fire")) : act(id, ...rest);
    const error = await m.cleanupInactiveSessions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(
      /cleanup finished with 1 failure\(s\) after cleaning up 2 session\(s\); the first: .*disk on fire/,
    );
    const cause = (error as Error).cause as AggregateError;
    expect(cause).toBeInstanceOf(AggregateError);
    expect(cause.errors.map((e: Error) => e.message)).toEqual([
      expect.stringMatching(/disk on fire/),
    ]);
    const statuses = await Promise.all(ids.map(async (id) => (await m.getSession(id)).status));
    expect(statuses).toEqual(["archived", "active", "archived"]);
  });

  it("ends the run at a listing that fails, with what was done so far", async () => {
    const storage = memoryStorage();
    const m = manager({ storage });
    await hoursAgo(48, () => m.createSession("u", "mock", "m"));
    storage.listSessions = () => Promise.reject(new StorageError("memory", "gone"));
    await expect(m.cleanupInactiveSessions()).rejects.toThrow(
      /failure\(s\) after cleaning up 0 session\(s\); the first: .*gone/,
    );
  });
});
