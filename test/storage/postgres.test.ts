import pg from "pg";
import type { PoolClient } from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { StorageError, ValidationError } from "../../src/errors.js";
import { StorageFactory } from "../../src/storage/factory.js";
import { postgresStorage } from "../../src/storage/postgres.js";
import { freshDatabase, withPg } from "../helpers/postgres.js";
import { describeStorageConformance } from "./conformance.js";
import { makeMessage, makeRecord } from "./fixtures.js";

// A database of this file's own, so test files can run in parallel on the one server.
const url = await freshDatabase(inject("postgresUrl"));
let n = 0;
const freshSchema = () => `t${n++}_${Date.now().toString(36)}`;

describeStorageConformance({
  name: "postgres",
  create: () => postgresStorage({ connectionString: url, schema: freshSchema() }),
});

describe("postgres backend", () => {
  const pools: pg.Pool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.end())));
  const pool = (): pg.Pool => {
    const p = new pg.Pool({ connectionString: url, max: 4 });
    pools.push(p);
    return p;
  };

  it("returns at once from the factory and connects on first use", async () => {
    // Nothing listens on port 1: only the first operation finds out.
    const storage = StorageFactory.create("postgres", {
      connectionString: "postgres://app:hunter2-secret@127.0.0.1:1/db",
    });
    const error = await storage.getSession("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/getSession failed: the connection .* refused/);
    expect((error as Error).message).not.toMatch(/hunter2|postgres:\/\//);
    await storage.close();
  });

  it("refuses a schema name that is not a plain identifier, before connecting", () => {
    expect(() =>
      postgresStorage({ connectionString: url, schema: 'x"; DROP TABLE y; --' }),
    ).toThrow(ValidationError);
    expect(() => StorageFactory.create("postgres", { schema: "a-b" })).toThrow(ValidationError);
  });

  it("refuses a schema name starting with pg_ (reserved by Postgres), before connecting", () => {
    const reserved = /invalid (storageConfig\.)?schema: names starting with pg_ are reserved/;
    expect(() => postgresStorage({ connectionString: url, schema: "pg_x" })).toThrow(reserved);
    expect(() => StorageFactory.create("postgres", { schema: "pg_x" })).toThrow(reserved);
  });

  it("ends a pool still being created when closed during the first connection", async () => {
    const name = `close-while-opening-${Date.now()}`;
    const connectionString = `${url}${url.includes("?") ? "&" : "?"}application_name=${name}`;
    const storage = postgresStorage({ connectionString, schema: freshSchema() });
    const first = storage.getSession("x").catch((e: unknown) => e);
    await storage.close();
    const error = await first;
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/the storage is closed/);
    const open = await withPg(url, async (c) => {
      const sql = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1";
      return (await c.query<{ n: number }>(sql, [name])).rows[0]!.n;
    });
    expect(open).toBe(0);
  });

  it("finds everything again after the pool is closed and reopened", async () => {
    const schema = freshSchema();
    const first = postgresStorage({ connectionString: url, schema });
    const r = makeRecord({ context: { lang: "sv", b: 1, a: 2 } });
    await first.createSession(r);
    const messages = [makeMessage(r.sessionId), makeMessage(r.sessionId, { role: "assistant" })];
    await first.appendMessages(r.sessionId, messages);
    await first.close();
    const second = postgresStorage({ connectionString: url, schema });
    const read = (await second.getSession(r.sessionId))!;
    expect(read).toMatchObject({ context: { lang: "sv" }, messageCount: 2 });
    expect(Object.keys(read.context)).toEqual(["lang", "b", "a"]); // key order kept
    expect(await second.getMessages(r.sessionId)).toEqual(messages);
    await second.close();
  });

  it("keeps content byte for byte and times to the millisecond", async () => {
    const storage = postgresStorage({ connectionString: url, schema: freshSchema() });
    const r = makeRecord({ createdAt: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)) });
    await storage.createSession(r);
    const contents = [
      "'; DROP TABLE sessions; -- \\ \" $1 {} {NULL} NULL",
      "😀 👩‍👩‍👧 ünïcödé \u2028 \ud7ff \t\r\n",
      "x".repeat(3 * 1024 * 1024) + "😀",
      "",
    ];
    const messages = contents.map((content, i) =>
      makeMessage(r.sessionId, { content, timestamp: new Date(1_780_000_000_000 + i * 1001 + 7) }),
    );
    await storage.appendMessages(r.sessionId, messages);
    const read = await storage.getMessages(r.sessionId);
    expect(read.map((m) => m.content)).toEqual(contents);
    expect(read.map((m) => m.timestamp.getTime())).toEqual(
      messages.map((m) => m.timestamp.getTime()),
    );
    expect((await storage.getSession(r.sessionId))!.createdAt).toEqual(r.createdAt);
    await storage.close();
  });

  it("refuses NUL (which Postgres text cannot hold) in content before the query, and keeps it in metadata", async () => {
    const storage = postgresStorage({ connectionString: url, schema: freshSchema() });
    const r = makeRecord();
    await storage.createSession(r);
    await expect(
      storage.appendMessages(r.sessionId, [makeMessage(r.sessionId, { content: "a\0b" })]),
    ).rejects.toMatchObject({ name: "ValidationError", field: "content" });
    const m = makeMessage(r.sessionId, { metadata: { nul: "\0" } });
    await storage.appendMessages(r.sessionId, [m]);
    expect(await storage.getMessages(r.sessionId)).toEqual([m]);
    await storage.close();
  });

  it("refuses a database written by a newer schema version, clearly", async () => {
    const schema = freshSchema();
    const storage = postgresStorage({ connectionString: url, schema });
    await storage.getSession("x"); // creates the schema at the current version
    await storage.close();
    await withPg(url, (c) => c.query(`UPDATE ${schema}.langswarm_schema_version SET version = 99`));
    const newer = postgresStorage({ connectionString: url, schema });
    await expect(newer.getSession("x")).rejects.toThrow(StorageError);
    await expect(newer.getSession("x")).rejects.toThrow(/schema version 99, newer/);
    await newer.close();
  });

  it("creates a new schema once when ten instances start at the same time", async () => {
    const schema = freshSchema();
    const storages = Array.from({ length: 10 }, () =>
      postgresStorage({ connectionString: url, schema, poolSize: 2 }),
    );
    const r = makeRecord();
    await Promise.all(storages.map((s, i) => (i === 0 ? s.createSession(r) : s.getSession("x"))));
    expect(await storages[9]!.getSession(r.sessionId)).toEqual(r);
    await Promise.all(storages.map((s) => s.close()));
    const tables = await withPg(url, (c) =>
      c.query("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", [schema]),
    );
    expect(tables.rows.map((t) => t.tablename)).toEqual([
      "langswarm_schema_version",
      "messages",
      "sessions",
      "turn_leases",
    ]);
  });

  it("uses an injected pool, and close() leaves it open", async () => {
    const p = pool();
    const storage = postgresStorage({ pool: p, schema: freshSchema() });
    await storage.createSession(makeRecord());
    await storage.close();
    expect((await p.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await expect(storage.getSession("x")).rejects.toThrow(/closed/);
  });

  it("reads DATABASE_URL when no connection string is given", async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    try {
      const storage = postgresStorage({ schema: freshSchema() });
      expect(await storage.getSession("x")).toBeNull();
      await storage.close();
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it("reports counts and the size of its tables and indexes", async () => {
    const schema = freshSchema();
    const storage = postgresStorage({ connectionString: url, schema });
    const r = makeRecord();
    await storage.createSession(r);
    await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId)]);
    const usage = await storage.getMemoryUsage();
    expect(usage).toMatchObject({ backend: "postgres", sessions: 1, messages: 1 });
    const tables = usage.details.tables as Record<string, { bytes: number; indexBytes: number }>;
    expect(Object.keys(tables).sort()).toEqual([
      "langswarm_schema_version",
      "messages",
      "sessions",
      "turn_leases",
    ]);
    expect(tables.messages!.indexBytes).toBeGreaterThan(0);
    expect(usage.bytes).toBe(Object.values(tables).reduce((s, t) => s + t.bytes, 0));
    await storage.close();
  });

  it("survives its idle connections being killed by the server", async () => {
    const storage = postgresStorage({ connectionString: url, schema: freshSchema(), poolSize: 3 });
    const r = makeRecord();
    await storage.createSession(r);
    await Promise.all([1, 2, 3].map(() => storage.getSession(r.sessionId))); // fill the pool
    const killed = await withPg(url, (c) =>
      c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'langswarm-session' AND datname = current_database()`,
      ),
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await storage.getSession(r.sessionId)).toEqual(r);
    await storage.close();
  });

  describe("when the connection drops mid-operation", () => {
    type Fault = "before" | "after";
    /** A pool whose clients fail the statements `plan` names, before or after running them. */
    const faulty = (
      plan: (sql: string) => Fault | undefined,
    ): { pool: pg.Pool; sent: string[] } => {
      const real = pool();
      const sent: string[] = [];
      const lost = () =>
        Object.assign(new Error("terminating connection due to administrator command"), {
          code: "57P01",
        });
      const wrap = (client: PoolClient): PoolClient =>
        new Proxy(client, {
          get(target, prop) {
            if (prop !== "query") {
              const value = Reflect.get(target, prop) as unknown;
              return typeof value === "function" ? value.bind(target) : value;
            }
            return async (config: string | pg.QueryConfig, values?: unknown[]) => {
              const sql = typeof config === "string" ? config : config.text;
              const fault = plan(sql);
              if (fault === "before") throw lost();
              sent.push(sql);
              const result = await target.query(config as string, values);
              if (fault === "after") throw lost();
              return result;
            };
          },
        });
      const wrapper = Object.create(real) as pg.Pool;
      wrapper.connect = (async () => wrap(await real.connect())) as pg.Pool["connect"];
      return { pool: wrapper, sent };
    };
    const firstTime = (match: RegExp, fault: Fault) => {
      let done = false;
      return (sql: string): Fault | undefined => {
        if (done || !match.test(sql)) return undefined;
        done = true;
        return fault;
      };
    };
    const setup = async (plan: (sql: string) => Fault | undefined) => {
      const { pool, sent } = faulty(plan);
      const storage = postgresStorage({ pool, schema: freshSchema() });
      const r = makeRecord();
      await storage.createSession(r);
      return { storage, r, sent };
    };
    const turn = (id: string) => [makeMessage(id), makeMessage(id, { role: "assistant" })];

    it("retries a read once", async () => {
      const { storage, r } = await setup(
        firstTime(/^SELECT .* FROM "\w+"\.sessions WHERE/, "before"),
      );
      expect(await storage.getSession(r.sessionId)).toEqual(r);
    });

    it("retries a transaction that failed before COMMIT (it rolled back)", async () => {
      const { storage, r } = await setup(firstTime(/FOR NO KEY UPDATE/, "after"));
      await storage.updateSession(r.sessionId, { mergeContext: { k: 1 } });
      expect((await storage.getSession(r.sessionId))!.context).toEqual({ k: 1 });
    });

    it("does not retry a COMMIT whose outcome is unknown, and says so", async () => {
      let armed = false;
      const { storage, r } = await setup((sql) =>
        armed && sql === "COMMIT" ? "after" : undefined,
      );
      armed = true;
      const error = await storage.deleteSession(r.sessionId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/deleteSession failed: .*COMMIT.* unknown/);
      armed = false;
      expect(await storage.getSession(r.sessionId)).toBeNull(); // it had in fact committed
    });

    it("recognises an append whose commit was not acknowledged by its message ids", async () => {
      const { storage, r, sent } = await setup(firstTime(/INSERT INTO .*messages/, "after"));
      const messages = turn(r.sessionId);
      await storage.appendMessages(r.sessionId, messages, {
        usage: { inputTokens: 3, outputTokens: 2, cachedTokens: 0, cacheCreationTokens: 0 },
        costUsd: 0.25,
        at: new Date(),
      });
      expect(await storage.getMessages(r.sessionId)).toEqual(messages);
      expect(await storage.getSession(r.sessionId)).toMatchObject({
        messageCount: 2,
        inputTokens: 3,
        costUsd: 0.25,
      });
      expect(sent.filter((s) => /INSERT INTO .*messages/.test(s))).toHaveLength(1);
    });

    it("retries an append lost before it reached the server", async () => {
      const { storage, r, sent } = await setup(firstTime(/INSERT INTO .*messages/, "before"));
      const messages = turn(r.sessionId);
      await storage.appendMessages(r.sessionId, messages);
      expect(await storage.getMessages(r.sessionId)).toEqual(messages);
      expect((await storage.getSession(r.sessionId))!.messageCount).toBe(2);
      expect(sent.filter((s) => /INSERT INTO .*messages/.test(s))).toHaveLength(1);
    });

    it("still refuses a message id that really is taken", async () => {
      const { storage, r } = await setup(() => undefined);
      const [m] = turn(r.sessionId);
      await storage.appendMessages(r.sessionId, [m!]);
      const error = await storage
        .appendMessages(r.sessionId, [{ ...m!, content: "other" }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("messageId");
    });

    it("gives up after one retry with a StorageError that says what happened", async () => {
      const { storage, r } = await setup((sql) =>
        /FROM .*messages/.test(sql) ? "before" : undefined,
      );
      const error = await storage.getMessages(r.sessionId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(
        /getMessages failed: the connection to Postgres was lost .* again on the retry \(terminating connection .*\[57P01\]\)/,
      );
    });
  });
});
