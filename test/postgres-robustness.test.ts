import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createSessionManager, postgresStorage, StorageError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase, withPg } from "./helpers/postgres.js";
import { makeRecord } from "./storage/fixtures.js";
import { waitFor } from "./helpers/turns.js";

const url = await freshDatabase(inject("postgresUrl"));
let n = 0;
const schema = () => `robust_${n++}_${Date.now().toString(36)}`;

describe("postgres under connection loss, close and short leases", () => {
  it("lives through its connections being terminated while turns run", async () => {
    const worker = join(import.meta.dirname, "workers", "terminated.mjs");
    for (let run = 0; run < 2; run++) {
      const child = spawn(process.execPath, [worker, url, "120"]);
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.stderr.on("data", (d: Buffer) => (out += d));
      const code = await new Promise((resolve) => child.once("close", resolve));
      expect({ code, out: out.slice(0, 300) }).toEqual({ code: 0, out: "done\n" });
    }
  });

  it("settles every call still waiting for a connection when closed", async () => {
    const storage = postgresStorage({ connectionString: url, schema: schema(), poolSize: 1 });
    const r = makeRecord();
    await storage.createSession(r);
    const calls = Array.from({ length: 20 }, () =>
      storage.getMessages(r.sessionId).then(
        () => "ok",
        (e: unknown) => (e instanceof StorageError ? "closed" : String(e)),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve)); // all but one wait for the connection
    await storage.close();
    const outcomes = await Promise.all(calls); // hung forever when the pool just ended
    expect(outcomes.every((o) => o === "ok" || o === "closed")).toBe(true);
    expect(outcomes).toContain("closed");
  });

  it("lets many calls wait for a connection without a listener-leak warning", async () => {
    const storage = postgresStorage({ connectionString: url, schema: schema(), poolSize: 1 });
    const r = makeRecord();
    await storage.createSession(r);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      await Promise.all(Array.from({ length: 30 }, () => storage.getSession(r.sessionId)));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    } finally {
      process.off("warning", onWarning);
      await storage.close();
    }
    expect(warnings).toEqual([]);
  });

  it("frees a session row locked by a process frozen inside a transaction, within seconds", async () => {
    const sch = schema();
    const manager = createSessionManager({
      storage: "postgres",
      storageConfig: { connectionString: url, schema: sch },
      providers: { mock: { adapter: new MockProvider({ historyAware: true }) } },
      turnLeaseMs: 500,
    });
    const session = await manager.createSession("u", "mock", "m");
    const worker = join(import.meta.dirname, "workers", "freeze-in-tx.mjs");
    const child = spawn(process.execPath, [worker, url, sch, session.sessionId]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    const closed = new Promise((resolve) => child.once("close", resolve));
    try {
      await waitFor(() => out === "frozen\n", 15_000);
      const started = Date.now();
      // It waited for the row lock until TCP gave up on the frozen process: hours.
      expect((await session.sendMessage("hello")).content).toBe("Echo: hello [after 0]");
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      child.kill("SIGKILL");
      await closed;
      await manager.close();
    }
  }, 40_000);

  it("never deadlocks a leased turn's write against a delete of its session", async () => {
    const sch = schema();
    const open = () =>
      createSessionManager({
        storage: "postgres",
        storageConfig: { connectionString: url, schema: sch, poolSize: 4 },
        providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 1 }) } },
      });
    const [a, b] = [open(), open()]; // two instances, as two processes
    const sessionConfig = { sessionId: "contended" };
    await a.createSession("u", "mock", "m", { sessionConfig });
    const failures: string[] = [];
    const until = Date.now() + 2500;
    const turns = async () => {
      while (Date.now() < until) {
        const session = await a.getSession("contended").catch(() => null);
        await session?.sendMessage("hi").catch((e: Error) => failures.push(e.message));
      }
    };
    const deletes = async () => {
      while (Date.now() < until) {
        await b.deleteSession("contended").catch((e: Error) => failures.push(e.message));
        await b.createSession("u2", "mock", "m", { sessionConfig }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    };
    try {
      await Promise.all([turns(), turns(), deletes()]);
    } finally {
      await a.close();
      await b.close();
    }
    // A turn on a session deleted under it is not found; that is all that may go wrong.
    expect(failures.filter((m) => /deadlock/i.test(m))).toEqual([]);
  });

  it("leaves no lease behind a finished turn, even with a heartbeat in flight", async () => {
    const sch = schema();
    const manager = createSessionManager({
      storage: "postgres",
      storageConfig: { connectionString: url, schema: sch, poolSize: 10 },
      providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 7 }) } },
      turnLeaseMs: 12, // a heartbeat every 4 ms
    });
    const session = await manager.createSession("u", "mock", "m");
    const leftBehind: number[] = [];
    await withPg(url, async (c) => {
      for (let i = 0; i < 150; i++) {
        await session.sendMessage(`t${i}`);
        await new Promise((resolve) => setTimeout(resolve, 3)); // a late renewal would land now
        const { rows } = await c.query(
          `SELECT 1 FROM "${sch}".turn_leases WHERE session_id = $1 AND expires_at > now()`,
          [session.sessionId],
        );
        if (rows.length) leftBehind.push(i);
      }
    });
    await manager.close();
    expect(leftBehind).toEqual([]);
  });
});

describe("a turn lease granted after a wait for a lock", () => {
  it("lasts turnLeaseMs from when it is granted, not from when its statement began", async () => {
    const manager = () =>
      createSessionManager({
        storage: "postgres",
        storageConfig: { connectionString: url },
        providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 20 }) } },
        turnLeaseMs: 400,
      });
    const p = manager();
    const q = manager();
    const s = await p.createSession("u", "mock", "m");
    await s.sendMessage("first");
    await withPg(url, async (admin) => {
      // Something holds the session row for three lease lifetimes: P's acquire (its foreign-key
      // check) waits behind it, and Q's queues behind P's.
      await admin.query("BEGIN");
      await admin.query("SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE", [s.sessionId]);
      const outcome = (turn: Promise<{ content: string }>) =>
        turn.then(
          (r) => r.content,
          (e: { code?: string }) => `error ${e.code}`,
        );
      // Q starts only once P's statement waits on the lock (a fixed pause flaked on a busy
      // machine). Watched from another connection: in a transaction the view is a snapshot.
      const waiting = (count: number) =>
        withPg(url, async (watch) => {
          const sql = `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`;
          for (let i = 0; i < 2000; i++) {
            if ((await watch.query<{ n: number }>(sql)).rows[0]!.n >= count) return;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          throw new Error(`never saw ${count} turns waiting on the lock`);
        });
      const pTurn = outcome(s.sendMessage("p"));
      await waiting(1);
      const qTurn = outcome((await q.getSession(s.sessionId)).sendMessage("q"));
      await waiting(2);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await admin.query("COMMIT");
      // P was never paused, so its lease was never lost: both turns are stored whole, in turn.
      expect(await Promise.all([pTurn, qTurn])).toEqual(["Echo: p [after 2]", "Echo: q [after 4]"]);
    });
    expect((await s.getMessages()).map((m) => m.content)).toEqual([
      "first",
      "Echo: first [after 0]",
      "p",
      "Echo: p [after 2]",
      "q",
      "Echo: q [after 4]",
    ]);
    await p.close();
    await q.close();
  }, 30_000);
});
