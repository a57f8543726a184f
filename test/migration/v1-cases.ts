/**
 * A V1 database holding every case of v1-format.md: each status, role, session_control and
 * tool-call shape, unicode, a ~2 MB message, empty histories, and each §7 corruption.
 */
import { INF, NAN, NEG_INF, PyRaw, insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";
import type { V1MessageSpec, V1Row, V1SessionSpec } from "./v1-fixture.js";

export const UNICODE_TEXT = 'Grüße 👋 日本語 — "quoted" \\ back\\slash\nnew line\ttab \u0001 café';
export const HUGE_TEXT = "lorem ipsum dolor sit amet, ünïcödé 🙂 ".repeat(52_000); // ~2 MB in UTF-8
export const BIG_INT = "12345678901234567890";

const OPENAI_CALL = {
  id: "call_8fK2abc",
  function: { arguments: '{"city": "Oslo", "unit": "c"}', name: "get_weather" },
  type: "function",
};
const ANTHROPIC_CALL = {
  type: "tool_use",
  id: "toolu_01A",
  name: "lookup",
  input: { q: "x", n: 2 },
};

const msg = (
  id: string,
  role: string,
  content: string | null,
  timestamp: string,
  extra: Partial<V1MessageSpec> = {},
): V1MessageSpec => ({ id, role, content, timestamp, ...extra });

export const SESSIONS: V1SessionSpec[] = [
  {
    session_id: "session_0a1b2c3d",
    provider: "openai",
    model: "gpt-4o",
    session_control: "hybrid",
    provider_thread_id: "thread_abc123",
    total_tokens: 123,
    messages: [
      msg("msg_00000001", "system", "You are helpful.", "2024-03-04T09:15:30.000001"),
      msg("msg_00000002", "user", "Weather in Oslo?", "2024-03-04T09:15:31"),
      msg("msg_00000003", "assistant", "", "2024-03-04T09:15:33.033606", {
        metadata: {
          finish_reason: "tool_calls",
          usage: { prompt_tokens: 82, completion_tokens: 41 },
        },
        tool_calls: [OPENAI_CALL],
        provider_message_id: "chatcmpl-9xQ2",
      }),
      msg("msg_00000004", "tool", '{"temp": 3}', "2024-03-04T09:15:34.500000", {
        tool_call_id: "call_8fK2abc",
      }),
      msg("msg_00000005", "assistant", "It is 3 °C.", "2024-03-04T09:15:35.999999", {
        provider_message_id: "chatcmpl-9xQ3",
      }),
    ],
  },
  {
    session_id: "session_anthropic",
    provider: "claude",
    model: "claude-3-sonnet",
    status: "archived",
    session_control: "langswarm",
    messages: [
      msg("msg_a1", "user", UNICODE_TEXT, "2024-07-01T12:00:00.100000"),
      msg("claude_msg_01", "assistant", "", "2024-07-01T12:00:01.200000", {
        tool_calls: [ANTHROPIC_CALL],
        provider_message_id: "msg_01XYZ",
      }),
      msg("msg_a3", "tool", "result", "2024-07-01T12:00:02.300000", { tool_call_id: "toolu_01A" }),
      // the same id as a message of session_0a1b2c3d: ids are unique per session only
      msg("msg_00000001", "assistant", "done", "2024-07-01T12:00:03.400000", {
        tool_calls: [{ weird: true }],
      }),
    ],
  },
  {
    session_id: "session_inactive",
    provider: "gemini",
    model: "gemini-pro",
    status: "inactive",
    session_control: "native",
    messages: [
      msg("msg_f1", "user", "call it", "2024-01-02T03:04:05.000006"),
      msg("msg_f2", "assistant", "", "2024-01-02T03:04:06.000007", {
        metadata: { function_call: { name: "f", arguments: "{}" } },
      }),
      msg("gemini_2024-01-02T03:04:07.000008", "function", "42", "2024-01-02T03:04:07.000008", {
        metadata: { name: "f" },
      }),
    ],
  },
  {
    session_id: "session_expired",
    provider: "mistral",
    model: "mistral-large",
    status: "expired",
    provider_conversation_id: "conv_mistral_1",
    provider_agent_id: "ag_1",
    context_limit: 20,
    messages: [msg("mistral_abc", "user", "bonjour", "2024-02-02T10:00:00.000000")],
  },
  {
    session_id: "support-ticket 4711 ü/#?",
    user_id: "jürgen 東京",
    provider: "langchain-openai",
    status: "frozen",
    messages: [msg("msg_t1", "user", "hi", "2024-02-02T10:00:00.000001")],
  },
  { session_id: "session_empty", provider: "mock", last_activity: null, messages: [] },
  {
    session_id: "session_huge",
    messages: [
      msg("msg_h1", "user", HUGE_TEXT, "2024-05-05T05:05:05.050505"),
      msg("msg_h2", "assistant", "ok", "2024-05-05T05:05:06.060606"),
    ],
  },
  {
    session_id: "session_nan",
    tags: ["vip", "beta"],
    custom_metadata: {
      score: NAN,
      hi: INF,
      lo: NEG_INF,
      bigId: new PyRaw(BIG_INT),
      nested: { ok: 1.5 },
    },
    summary: "We talked about weather.",
    truncated_at: "2024-03-05T00:00:00.000001",
    history_total_tokens: 999,
    messages: [
      msg("msg_n1", "user", "x", "2024-03-05T00:00:01.000001", {
        metadata: { temperature: NAN, big: new PyRaw(BIG_INT) },
      }),
    ],
  },
  {
    session_id: "session_dupes",
    message_count: 9,
    messages: [
      msg("msg_sys", "system", "sys", "2024-03-06T00:00:00.000001"),
      msg("openai_unknown", "assistant", "a", "2024-03-06T00:00:02.000001"),
      msg("openai_unknown", "assistant", "b", "2024-03-06T00:00:03.000001"),
      msg("openai_unknown~2", "user", "c", "2024-03-06T00:00:04.000001"),
      msg("msg_sys", "system", "sys", "2024-03-06T00:00:00.000001"),
    ],
  },
  {
    session_id: "session_offsets",
    created_at: "2024-03-07T12:00:00.000001",
    updated_at: "2024-03-07T11:00:00",
    messages: [
      msg("msg_o1", "user", "b", "2024-03-07T12:00:05+02:00"),
      msg("msg_o2", "assistant", "a", "2024-03-07T11:59:59.999999"),
      msg("msg_o3", "user", "c", "2024-03-07T12:00:01.5+00:00"),
    ],
  },
  {
    session_id: "session_blank",
    messages: [
      msg("msg_b1", "user", "", "2024-03-08T00:00:00.000001"),
      msg("msg_b2", "user", "   \n\t ", "2024-03-08T00:00:01.000001"),
      msg("msg_b3", "assistant", null, "2024-03-08T00:00:02.000001"),
    ],
  },
];

/** Rows V1 would fail to load: each becomes an error entry, the rest still migrate. */
export function corruptRows(): V1Row[] {
  const ok = (id: string): V1Row =>
    v1Row({ session_id: id, messages: [msg("m1", "user", "x", "2024-03-04T09:00:00.000001")] });
  const badJson = ok("corrupt_bad_json");
  badJson.metadata = badJson.metadata.slice(0, 40);
  const badHistory = ok("corrupt_history_json");
  badHistory.history = `${badHistory.history.slice(0, -5)}, "x": }`;
  const nullHistory = ok("corrupt_null_history");
  nullHistory.history = "null";
  const missingKey = ok("corrupt_missing_model");
  missingKey.metadata = missingKey.metadata.replace('"model": "gpt-4", ', "");
  const badRole = ok("corrupt_bad_role");
  badRole.history = badRole.history.replace('"role": "user"', '"role": "robot"');
  const badTime = ok("corrupt_bad_timestamp");
  badTime.history = badTime.history.replace("2024-03-04T09:00:00.000001", "yesterday");
  const nullId = ok("ignored");
  nullId.session_id = null;
  return [badJson, badHistory, nullHistory, missingKey, badRole, badTime, nullId];
}

export const CORRUPT_COUNT = 7;
/** Sessions of the case database that migrate: SESSIONS plus the mismatched row. */
export const GOOD_COUNT = SESSIONS.length + 1;

/** A row whose scalar columns disagree with its metadata JSON (hand-edited): migrates, warned. */
export function mismatchedRow(): V1Row {
  const row = v1Row({
    session_id: "session_mismatch",
    user_id: "json-user",
    messages: [msg("m1", "user", "x", "2024-03-04T09:00:00.000001")],
  });
  row.user_id = "column-user";
  row.metadata = row.metadata.replace('"session_id": "session_mismatch"', '"session_id": "other"');
  return row;
}

/** Writes the case database; returns the path. */
export function buildCaseDatabase(path: string): string {
  const db = openV1Database(path);
  try {
    insertV1Rows(db, [...SESSIONS.map(v1Row), mismatchedRow()]);
    insertV1Rows(db, corruptRows());
  } finally {
    db.close();
  }
  return path;
}
