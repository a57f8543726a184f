import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import type { MigrationReport, V1MessageFacts } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import type { SessionMessage, SessionRecord } from "../../src/types.js";
import { tempDir } from "./helpers.js";
import {
  BIG_INT,
  CORRUPT_COUNT,
  HUGE_TEXT,
  GOOD_COUNT,
  SESSIONS,
  UNICODE_TEXT,
  buildCaseDatabase,
} from "./v1-cases.js";

const tmp = tempDir("lss-migrate-");
afterAll(tmp.cleanup);
const TZ = "Europe/Oslo";
const source = tmp.path("v1.db");
const target = tmp.path("v2.db");
let report: MigrationReport;
let storage: SessionStorage;

async function load(id: string): Promise<{ record: SessionRecord; messages: SessionMessage[] }> {
  const record = await storage.getSession(id);
  expect(record, id).not.toBeNull();
  return { record: record!, messages: await storage.getMessages(id) };
}

beforeAll(async () => {
  buildCaseDatabase(source);
  report = await migrateV1({ source, target, timezone: TZ });
  storage = sqliteStorage({ dbPath: target });
});
afterAll(() => storage.close());

describe("migrateV1 into SQLite", () => {
  it("reports totals, corrupt rows as errors, unknown providers and warnings", () => {
    const good = GOOD_COUNT;
    expect(report).toMatchObject({
      totalSessions: good + CORRUPT_COUNT,
      migratedSessions: good,
      failedSessions: CORRUPT_COUNT,
      skippedSessions: 0,
      dryRun: false,
      timezone: TZ,
    });
    // session_dupes ends with an exact copy of its system message: kept once.
    const messages = SESSIONS.reduce((n, s) => n + (s.messages?.length ?? 0), 1) - 1;
    // The rows that fail while converting (bad role, bad timestamp) count their message too.
    expect(report.totalMessages).toBe(messages + 2);
    expect(report.migratedMessages).toBe(messages);
    expect(report.errors.map((e) => e.sessionId).sort()).toEqual(
      [
        "corrupt_bad_json",
        "corrupt_history_json",
        "corrupt_null_history",
        "corrupt_missing_model",
        "corrupt_bad_role",
        "corrupt_bad_timestamp",
        "rowid:19",
      ].sort(),
    );
    expect(report.errors.find((e) => e.sessionId === "corrupt_missing_model")!.error).toMatch(
      /metadata\.model/,
    );
    expect(report.unknownProviders).toEqual(["gemini", "mistral"]);
    expect(report.warnings).toContainEqual({
      sessionId: "session_dupes",
      warning: expect.stringMatching(/message_count is 9 but 4/),
    });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("trusts the session_id column over the JSON copy and warns about disagreeing columns", async () => {
    const { record } = await load("session_mismatch");
    expect(record.userId).toBe("json-user");
    expect(record.metadata.v1SessionId).toBe("session_mismatch");
    const warnings = report.warnings.filter((w) => w.sessionId === "session_mismatch");
    expect(warnings.map((w) => w.warning)).toEqual([
      'metadata.session_id "other" differs from the column',
      'column user_id "column-user" differs from metadata.user_id',
    ]);
  });

  it("keeps an OpenAI session's messages, order, timestamps, tool calls and ids", async () => {
    const { record, messages } = await load("session_0a1b2c3d");
    expect(record).toMatchObject({
      userId: "user123",
      provider: "openai",
      model: "gpt-4o",
      status: "active",
      providerSessionId: null,
      messageCount: 5,
    });
    expect(record.createdAt.toISOString()).toBe("2024-03-04T08:00:00.000Z");
    expect(record.updatedAt.toISOString()).toBe("2024-03-04T09:00:00.123Z");
    expect(record.lastActivity.toISOString()).toBe("2024-03-04T08:15:35.999Z");
    expect(record.metadata).toMatchObject({
      migratedFrom: "v1",
      v1SessionId: "session_0a1b2c3d",
      v1Status: "active",
      v1SessionControl: "hybrid",
      v1ProviderThreadId: "thread_abc123",
      v1TotalTokens: 123,
      tags: [],
      customMetadata: {},
    });
    expect(messages.map((m) => [m.messageId, m.role])).toEqual([
      ["msg_00000001", "system"],
      ["msg_00000002", "user"],
      ["msg_00000003", "assistant"],
      ["msg_00000004", "tool"],
      ["msg_00000005", "assistant"],
    ]);
    expect(messages.map((m) => m.timestamp.toISOString())).toEqual([
      "2024-03-04T08:15:30.000Z",
      "2024-03-04T08:15:31.000Z",
      "2024-03-04T08:15:33.033Z",
      "2024-03-04T08:15:34.500Z",
      "2024-03-04T08:15:35.999Z",
    ]);
    const call = messages[2]!;
    expect(call.content).toBe("");
    expect(call.toolCalls).toEqual([
      {
        id: "call_8fK2abc",
        function: { arguments: '{"city": "Oslo", "unit": "c"}', name: "get_weather" },
        type: "function",
      },
    ]);
    expect(call.finishReason).toBe("tool_calls");
    expect(call.providerMessageId).toBe("chatcmpl-9xQ2");
    expect(call.metadata).toEqual({
      finish_reason: "tool_calls",
      usage: { prompt_tokens: 82, completion_tokens: 41 },
      v1: { timestamp: "2024-03-04T09:15:33.033606" },
    });
    expect(messages[3]!.toolCallId).toBe("call_8fK2abc");
    expect(messages[4]!.content).toBe("It is 3 °C.");
  });

  it("keeps unicode byte-exact, converts Anthropic tool_use and keeps odd tool calls in metadata", async () => {
    const { record, messages } = await load("session_anthropic");
    expect(record).toMatchObject({ provider: "anthropic", status: "archived" });
    expect(record.metadata).toMatchObject({ v1Provider: "claude", v1Status: "archived" });
    expect(messages[0]!.content).toBe(UNICODE_TEXT);
    expect(Buffer.from(messages[0]!.content).equals(Buffer.from(UNICODE_TEXT))).toBe(true);
    expect(messages[1]!.toolCalls).toEqual([
      {
        id: "toolu_01A",
        type: "function",
        function: { name: "lookup", arguments: '{"q":"x","n":2}' },
      },
    ]);
    expect((messages[1]!.metadata.v1 as V1MessageFacts).toolCalls).toEqual([
      { type: "tool_use", id: "toolu_01A", name: "lookup", input: { q: "x", n: 2 } },
    ]);
    expect(messages[1]!.providerMessageId).toBe("msg_01XYZ");
    expect(messages[2]!.toolCallId).toBe("toolu_01A");
    expect(messages[3]!.messageId).toBe("msg_00000001"); // same id as in another session: fine
    expect(messages[3]!.toolCalls).toBeUndefined();
    expect((messages[3]!.metadata.v1 as V1MessageFacts).toolCalls).toEqual([{ weird: true }]);
  });

  it("maps statuses V2 lacks and keeps unknown providers with their V1 name", async () => {
    const inactive = await load("session_inactive");
    expect(inactive.record).toMatchObject({ status: "paused", provider: "gemini" });
    expect(inactive.record.metadata).toMatchObject({
      v1Status: "inactive",
      v1SessionControl: "native",
    });
    expect(inactive.messages.map((m) => m.role)).toEqual(["user", "assistant", "function"]);
    expect(inactive.messages[1]!.metadata.function_call).toEqual({ name: "f", arguments: "{}" });
    expect(inactive.messages[2]!.metadata.name).toBe("f");
    expect(inactive.messages[2]!.messageId).toBe("gemini_2024-01-02T03:04:07.000008");

    const expired = await load("session_expired");
    expect(expired.record).toMatchObject({
      status: "completed",
      provider: "mistral",
      providerSessionId: "conv_mistral_1",
    });
    expect(expired.record.metadata).toMatchObject({
      v1Status: "expired",
      v1ProviderConversationId: "conv_mistral_1",
      v1ProviderAgentId: "ag_1",
      v1ContextLimit: 20,
    });
    // Mapped to another provider, Mistral's conversation id is not that provider's to resume.
    const remapped = tmp.path("remapped.db");
    await migrateV1({ source, target: remapped, timezone: TZ, providerMap: { mistral: "openai" } });
    const other = sqliteStorage({ dbPath: remapped });
    expect(await other.getSession("session_expired")).toMatchObject({
      provider: "openai",
      providerSessionId: null,
      metadata: { v1ProviderConversationId: "conv_mistral_1" },
    });
    await other.close();

    const ticket = await load("support-ticket 4711 ü/#?");
    expect(ticket.record).toMatchObject({
      userId: "jürgen 東京",
      provider: "openai",
      status: "paused",
    });
    expect(ticket.record.metadata).toMatchObject({
      v1Status: "frozen",
      v1Provider: "langchain-openai",
    });
  });

  it("migrates empty histories, a 2 MB message, NaN/Infinity and big integers", async () => {
    const empty = await load("session_empty");
    expect(empty.messages).toEqual([]);
    expect(empty.record).toMatchObject({ messageCount: 0, provider: "mock" });
    expect(empty.record.lastActivity).toEqual(empty.record.updatedAt);

    const huge = await load("session_huge");
    expect(Buffer.byteLength(huge.messages[0]!.content)).toBeGreaterThan(2_000_000);
    expect(huge.messages[0]!.content === HUGE_TEXT).toBe(true);

    const nan = await load("session_nan");
    expect(nan.record.metadata).toMatchObject({
      tags: ["vip", "beta"],
      customMetadata: {
        score: "NaN",
        hi: "Infinity",
        lo: "-Infinity",
        bigId: BIG_INT,
        nested: { ok: 1.5 },
      },
      v1Summary: "We talked about weather.",
      v1TruncatedAt: "2024-03-05T00:00:00.000001",
      v1HistoryTotalTokens: 999,
    });
    expect(nan.messages[0]!.metadata).toMatchObject({ temperature: "NaN", big: BIG_INT });
  });

  // `<provider>_unknown` ids repeat by design: each gets a name from its own time, role and
  // content (the literal "openai_unknown~2" V1 also holds collides with none of them). The exact
  // copy of the system message that V1's truncation writes is kept once.
  it("renames shared message ids by content, keeps exact copies once, and keeps the originals", async () => {
    const { record, messages } = await load("session_dupes");
    const ids = messages.map((m) => m.messageId);
    expect(ids[0]).toBe("msg_sys");
    expect(ids[1]).toMatch(/^openai_unknown~[\w-]{10}$/);
    expect(ids[2]).toMatch(/^openai_unknown~[\w-]{10}$/);
    expect(ids[1]).not.toBe(ids[2]);
    expect(ids[3]).toBe("openai_unknown~2");
    expect(messages.map((m) => m.content)).toEqual(["sys", "a", "b", "c"]);
    expect((messages[1]!.metadata.v1 as V1MessageFacts).messageId).toBe("openai_unknown");
    expect((messages[2]!.metadata.v1 as V1MessageFacts).messageId).toBe("openai_unknown");
    expect((messages[3]!.metadata.v1 as V1MessageFacts).messageId).toBeUndefined();
    expect(record).toMatchObject({ messageCount: 4 });
    expect(record.metadata).toMatchObject({ v1MessageCount: 9, v1Messages: 4 });
    const warnings = report.warnings.filter((w) => w.sessionId === "session_dupes");
    const said = warnings.map((w) => w.warning).join("\n");
    expect(said).toMatch(/1 exact copy of a message kept once/);
    expect(said).not.toMatch(/duplicate message id/); // shared ids are not duplicates
  });

  it("keeps stored order with offsets and non-monotonic times; blank and null content", async () => {
    const { record, messages } = await load("session_offsets");
    expect(messages.map((m) => m.messageId)).toEqual(["msg_o1", "msg_o2", "msg_o3"]);
    expect(messages.map((m) => m.timestamp.toISOString())).toEqual([
      "2024-03-07T10:00:05.000Z",
      "2024-03-07T10:59:59.999Z",
      "2024-03-07T12:00:01.500Z",
    ]);
    expect((messages[1]!.metadata.v1 as V1MessageFacts).timestamp).toBe(
      "2024-03-07T11:59:59.999999",
    );
    expect(record.updatedAt.getTime()).toBeLessThan(record.createdAt.getTime());

    const blank = await load("session_blank");
    expect(blank.messages.map((m) => m.content)).toEqual(["", "   \n\t ", ""]);
    expect((blank.messages[2]!.metadata.v1 as V1MessageFacts).contentNull).toBe(true);
  });
});
