import { afterAll, describe, expect, inject, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { convertSession, migrateV1 } from "../../src/migration/index.js";
import type { V1MessageFacts } from "../../src/migration/index.js";
import { V1Reader } from "../../src/migration/v1-reader.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { writeConverted } from "../../src/migration/write.js";
import { memoryStorage } from "../../src/storage/memory.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { freshDatabase } from "../helpers/postgres.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";
import { PyRaw, insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";
import type { V1MessageSpec } from "./v1-fixture.js";

const tmp = tempDir("mig-report-repairs-");
afterAll(tmp.cleanup);
const UTC = { timezone: "UTC" } as const;
const at = (s: number): string => `2024-03-04T09:00:0${s}.000001`;
const msg = (id: string, role: string, s: number, extra: Partial<V1MessageSpec> = {}) => ({
  id,
  role,
  content: `${id}!`,
  timestamp: at(s),
  ...extra,
});

async function stored(path: string, id = "s1") {
  const s = sqliteStorage({ dbPath: path });
  try {
    const record = await s.getSession(id);
    return { record, messages: record ? await s.getMessages(id) : [] };
  } finally {
    await s.close();
  }
}

describe("V1 metadata whose ids are numbers (json.dumps keeps user_id=42 a number)", () => {
  it("migrates them as text, with a warning", async () => {
    const src = tmp.path("numeric.db");
    const row = v1Row({
      session_id: "42",
      user_id: "7",
      model: "4",
      messages: [msg("u1", "user", 1)],
    });
    row.metadata = row.metadata
      .replace('"user_id": "7"', '"user_id": 7')
      .replace('"session_id": "42"', '"session_id": 42')
      .replace('"model": "4"', '"model": 4');
    const db = openV1Database(src);
    insertV1Rows(db, [row]);
    db.close();
    const dst = tmp.path("numeric-v2.db");
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.errors).toEqual([]);
    const { record, messages } = await stored(dst, "42");
    expect(record).toMatchObject({ sessionId: "42", userId: "7", model: "4" });
    expect(messages).toHaveLength(1);
    const warnings = r.warnings.map((w) => w.warning).join("\n");
    expect(warnings).toMatch(/metadata\.user_id is the number 7/);
    expect(warnings).not.toMatch(/differs/);
  });
});

describe("text no V2 backend stores", () => {
  it("a NUL in a message id fails the session up front, naming the message; nothing is left", async () => {
    const src = tmp.path("nul-id.db");
    const dst = tmp.path("nul-id-v2.db");
    const nul = { ...msg("x", "assistant", 2), id: "a\u0000b" };
    writeV1(src, [{ session_id: "s1", messages: [msg("u1", "user", 1), nul] }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.errors).toEqual([
      {
        sessionId: "s1",
        error: expect.stringMatching(
          /history\.messages\[1\]\.id: message "a\\u0000b" contains a NUL/,
        ),
      },
    ]);
    expect((await stored(dst)).record).toBeNull();
  });

  it("so does one in a tool_call_id, a provider_message_id or a finish_reason", async () => {
    const src = tmp.path("nul-fields.db");
    const bad = (id: string, extra: Partial<V1MessageSpec>) => ({
      session_id: id,
      messages: [msg("u1", "user", 1), msg("m2", "tool", 2, extra)],
    });
    writeV1(src, [
      bad("tool", { tool_call_id: "call\u0000" }),
      bad("provider", { provider_message_id: "chatcmpl\u0000" }),
      bad("finish", { metadata: { finish_reason: "stop\u0000" } }),
    ]);
    const r = await migrateV1({ source: src, target: tmp.path("nul-fields-v2.db"), ...UTC });
    expect(r.errors.map((e) => e.error)).toEqual([
      expect.stringMatching(/messages\[1\]\.tool_call_id: message "m2" contains a NUL/),
      expect.stringMatching(/messages\[1\]\.provider_message_id: message "m2" contains a NUL/),
      expect.stringMatching(/messages\[1\]\.metadata\.finish_reason: message "m2" contains a NUL/),
    ]);
  });

  it("the writer takes a refused message id for a race only when the id is really there", async () => {
    const src = tmp.path("refused.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    const reader = await V1Reader.open(src);
    const entry = reader.get("s1");
    reader.close();
    if (!entry?.ok) throw new Error("fixture unreadable");
    const c = convertSession(entry.session, {
      clock: new V1Clock("UTC"),
      sessionIds: "keep",
      providerMap: {},
    });
    const storage = memoryStorage();
    const refusing = Object.create(storage) as typeof storage;
    refusing.appendMessages = () =>
      Promise.reject(new ValidationError("messageId", "refused by this storage"));
    await expect(writeConverted(refusing, c)).rejects.toThrow(/refused by this storage/);
    expect(await storage.getSession("s1")).toBeNull();
  });

  it("every target and the dry run agree on a record field with a NUL (the user id)", async () => {
    const src = tmp.path("nul-user.db");
    writeV1(src, [{ session_id: "s1", user_id: "u\u0000x", messages: [msg("u1", "user", 1)] }]);
    const outcome = async (target: Parameters<typeof migrateV1>[0]["target"], dryRun = false) => {
      const r = await migrateV1({ source: src, target, dryRun, ...UTC });
      return { migrated: r.migratedSessions, errors: r.errors.map((e) => e.error) };
    };
    const refused = {
      migrated: 0,
      errors: [expect.stringMatching(/invalid metadata\.user_id: "u\\u0000x" contains a NUL/)],
    };
    expect(await outcome(tmp.path("dry.db"), true)).toEqual(refused);
    expect(await outcome(memoryStorage())).toEqual(refused);
    expect(await outcome(tmp.path("nul-user-v2.db"))).toEqual(refused);
    expect(await outcome(await freshDatabase(inject("postgresUrl")))).toEqual(refused);
  });

  it("-0 in V1's custom_metadata reads back as 0 from every backend, memory too", async () => {
    const src = tmp.path("negzero.db");
    writeV1(src, [{ session_id: "s1", custom_metadata: { offset: new PyRaw("-0.0") } }]);
    const storage = memoryStorage();
    await migrateV1({ source: src, target: storage, ...UTC });
    const record = await storage.getSession("s1");
    const offset = (record!.metadata.customMetadata as { offset: number }).offset;
    expect(Object.is(offset, 0)).toBe(true);
  });
});

describe("the report explains every repaired or left-out value", () => {
  it("warns per message, and converts OpenAI calls whose arguments are an object", async () => {
    const src = tmp.path("repairs.db");
    const dst = tmp.path("repairs-v2.db");
    const dictArgs = {
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: { city: "Oslo" } },
    };
    writeV1(src, [
      {
        session_id: "s1",
        messages: [
          msg("u1", "user", 1),
          msg("a1", "assistant", 2, { content: "", tool_calls: [dictArgs] }),
          msg("t1", "tool", 3, { content: "3 C", tool_call_id: "call_1" }),
          msg("a2", "assistant", 4, { content: null, tool_calls: [{ weird: true }] }),
          msg("t2", "tool", 5, { tool_call_id: 7 as unknown as string, metadata: "note" }),
        ],
      },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    const { messages } = await stored(dst);
    expect(messages[1]!.toolCalls).toEqual([
      {
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
      },
    ]);
    expect((messages[1]!.metadata.v1 as V1MessageFacts).toolCalls).toEqual([dictArgs]);
    const warnings = r.warnings.map((w) => w.warning);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^message "a1" \(history\.messages\[1\]\): tool call arguments given as an object/,
      ),
      expect.stringMatching(
        /^message "a2" \(history\.messages\[3\]\): content is null.*; tool calls in no shape V2 can use .*metadata\.v1\.toolCalls/,
      ),
      expect.stringMatching(
        /^message "t2" \(history\.messages\[4\]\): metadata is not an object.*; tool_call_id is not a string, kept only in metadata\.v1\.toolCallId/,
      ),
    ]);
  });
});

describe("report totals", () => {
  it("count every V1 message, also of a session that fails while converting", async () => {
    const src = tmp.path("totals.db");
    const late = { ...msg("u2", "user", 3), timestamp: "yesterday" };
    writeV1(src, [
      { session_id: "ok", messages: [msg("u1", "user", 1)] },
      {
        session_id: "bad",
        last_activity: null,
        messages: [msg("u1", "user", 1), msg("a1", "assistant", 2), late],
      },
    ]);
    const r = await migrateV1({ source: src, target: tmp.path("totals-v2.db"), ...UTC });
    expect(r).toMatchObject({ totalMessages: 4, migratedMessages: 1, failedSessions: 1 });
  });
});

/**
 * V1's custom_metadata / tags are free-form (user code assigns them after construction). A
 * custom_metadata that is not a dict, or tags that are not a list, were replaced by {} / [] without
 * a word: the values were gone from V2 and the report said nothing. (Message metadata that is not
 * an object is kept in metadata.v1.metadata with a warning; session metadata deserves the same.)
 */
it("keeps (or at least reports) custom_metadata that is not an object and tags that are not a list", async () => {
  const src = tmp.path("v1.db");
  const dst = tmp.path("v2.db");
  writeV1(src, [
    { session_id: "s1", custom_metadata: ["crm-4711", 42], tags: "vip", messages: v1Messages(2) },
  ]);
  const report = await migrateV1({ source: src, target: dst, timezone: "UTC" });
  const storage = sqliteStorage({ dbPath: dst });
  const record = await storage.getSession("s1");
  await storage.close();
  const stored = JSON.stringify(record!.metadata);
  const warned = report.warnings.map((w) => w.warning).join("\n");
  // Either the V1 values survive in the record, or the report says they were left out.
  expect(stored.includes("crm-4711") || /custom_metadata/.test(warned)).toBe(true);
  expect(stored.includes('"vip"') || /tags/.test(warned)).toBe(true);
});

it("keeps custom_metadata that is not an object and tags that are not a list under v1*, with a warning", async () => {
  const src = tmp.path("free-form.db");
  const dst = tmp.path("free-form-v2.db");
  writeV1(src, [
    { session_id: "s1", custom_metadata: ["crm-4711", 42], tags: "vip", messages: v1Messages(2) },
  ]);
  const r = await migrateV1({ source: src, target: dst, ...UTC });
  expect(r.warnings).toEqual([
    { sessionId: "s1", warning: "metadata.tags is not a list, kept only in metadata.v1Tags" },
    {
      sessionId: "s1",
      warning: "metadata.custom_metadata is not an object, kept only in metadata.v1CustomMetadata",
    },
  ]);
  const storage = sqliteStorage({ dbPath: dst });
  try {
    expect((await storage.getSession("s1"))!.metadata).toMatchObject({
      tags: [],
      customMetadata: {},
      v1Tags: "vip",
      v1CustomMetadata: ["crm-4711", 42],
    });
  } finally {
    await storage.close();
  }
});
