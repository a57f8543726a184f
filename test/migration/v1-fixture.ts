/**
 * Generates V1 session databases exactly as LangSwarm V1's `SQLiteSessionStorage` writes them
 * (see shared/research/v1-format.md): the same DDL, one row per session, and both blobs in
 * Python `json.dumps` style (`", "`/`": "` separators, `ensure_ascii` escapes, `NaN`/`Infinity`,
 * integers of any size). The JSON text is written here by hand, not by `JSON.stringify`.
 */
import Database from "better-sqlite3";

export const V1_DDL = `
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    session_control TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_activity TEXT,
    metadata TEXT NOT NULL,
    history TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_user_id ON sessions(user_id);
CREATE INDEX IF NOT EXISTS idx_status ON sessions(status);
CREATE INDEX IF NOT EXISTS idx_updated_at ON sessions(updated_at);
`;

/** A literal written as is into Python JSON: `NaN`, `Infinity`, `1.0`, a 20-digit integer. */
export class PyRaw {
  constructor(readonly text: string) {}
}
export const NAN = new PyRaw("NaN");
export const INF = new PyRaw("Infinity");
export const NEG_INF = new PyRaw("-Infinity");

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** Python's `json.dumps` string encoding with `ensure_ascii=True`: only ' '..'~' stay raw. */
export function pyString(s: string): string {
  const body = s.replace(
    // eslint-disable-next-line no-control-regex -- control characters are exactly what gets escaped
    /[\\"\u0000-\u001f\u007f-\uffff]/g,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${body}"`;
}

/** Python `json.dumps` with default arguments, keys in insertion order. */
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyRaw) return value.text;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "string") return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyDumps(v)}`).join(", ")}}`;
}

/** `ConversationMessage.to_dict()`, in V1 key order. */
export interface V1MessageSpec {
  id: string;
  role: string;
  content: string | null;
  timestamp: string;
  metadata?: unknown;
  tool_calls?: unknown;
  tool_call_id?: string | null;
  provider_message_id?: string | null;
}

export interface V1SessionSpec {
  session_id: string;
  user_id?: string;
  provider?: string;
  model?: string;
  created_at?: string;
  updated_at?: string;
  status?: string;
  session_control?: string;
  provider_thread_id?: string | null;
  provider_conversation_id?: string | null;
  provider_agent_id?: string | null;
  context_limit?: number | null;
  message_count?: number;
  total_tokens?: unknown;
  last_activity?: string | null;
  tags?: unknown;
  custom_metadata?: unknown;
  messages?: V1MessageSpec[];
  summary?: string | null;
  history_total_tokens?: number;
  truncated_at?: string | null;
}

export function v1MessageDict(m: V1MessageSpec): Record<string, unknown> {
  return {
    id: m.id,
    role: m.role,
    content: m.content,
    timestamp: m.timestamp,
    metadata: m.metadata ?? {},
    tool_calls: m.tool_calls ?? null,
    tool_call_id: m.tool_call_id ?? null,
    provider_message_id: m.provider_message_id ?? null,
  };
}

/** `SessionMetadata.to_dict()` in V1 key order, with V1's defaults. */
export function v1MetadataDict(s: V1SessionSpec): Record<string, unknown> {
  const messages = s.messages ?? [];
  return {
    user_id: s.user_id ?? "user123",
    session_id: s.session_id,
    provider: s.provider ?? "openai",
    model: s.model ?? "gpt-4",
    created_at: s.created_at ?? "2024-03-04T09:00:00.000001",
    updated_at: s.updated_at ?? "2024-03-04T10:00:00.123456",
    status: s.status ?? "active",
    session_control: s.session_control ?? "hybrid",
    provider_thread_id: s.provider_thread_id ?? null,
    provider_conversation_id: s.provider_conversation_id ?? null,
    provider_agent_id: s.provider_agent_id ?? null,
    context_limit: s.context_limit ?? null,
    auto_truncate: true,
    summarization_enabled: true,
    message_count: s.message_count ?? messages.length,
    total_tokens: s.total_tokens ?? 0,
    last_activity:
      s.last_activity === undefined ? (messages.at(-1)?.timestamp ?? null) : s.last_activity,
    tags: s.tags ?? [],
    custom_metadata: s.custom_metadata ?? {},
  };
}

export function v1HistoryDict(s: V1SessionSpec): Record<string, unknown> {
  const messages = s.messages ?? [];
  const words = messages.reduce(
    (n, m) => n + (m.content ?? "").split(/\s+/).filter(Boolean).length,
    0,
  );
  return {
    session_id: s.session_id,
    messages: messages.map(v1MessageDict),
    summary: s.summary ?? null,
    total_tokens: s.history_total_tokens ?? words,
    truncated_at: s.truncated_at ?? null,
  };
}

/** A V1 row: the scalar columns copied from the metadata, as V1's `save_session` does. */
export interface V1Row {
  session_id: string | null;
  user_id: string;
  provider: string;
  model: string;
  status: string;
  session_control: string;
  created_at: string;
  updated_at: string;
  last_activity: string | null;
  metadata: string;
  history: string;
}

export function v1Row(s: V1SessionSpec): V1Row {
  const md = v1MetadataDict(s);
  return {
    session_id: s.session_id,
    user_id: md.user_id as string,
    provider: md.provider as string,
    model: md.model as string,
    status: md.status as string,
    session_control: md.session_control as string,
    created_at: md.created_at as string,
    updated_at: md.updated_at as string,
    last_activity: md.last_activity as string | null,
    metadata: pyDumps(md),
    history: pyDumps(v1HistoryDict(s)),
  };
}

/** Creates (or opens) a V1 database file with V1's exact schema. */
export function openV1Database(path: string): Database.Database {
  const db = new Database(path);
  db.exec(V1_DDL);
  return db;
}

/** `INSERT OR REPLACE` of whole rows, as V1's `save_session`. */
export function insertV1Rows(db: Database.Database, rows: readonly V1Row[]): void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO sessions (session_id, user_id, provider, model, status, session_control,
       created_at, updated_at, last_activity, metadata, history)
     VALUES (@session_id, @user_id, @provider, @model, @status, @session_control,
       @created_at, @updated_at, @last_activity, @metadata, @history)`,
  );
  db.transaction(() => rows.forEach((r) => insert.run(r)))();
}

/** Deterministic PRNG (mulberry32) so generated files are identical run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex8 = (rand: () => number): string =>
  Math.floor(rand() * 0x100000000)
    .toString(16)
    .padStart(8, "0");

const WORDS = ["hello", "session", "weather", "Oslo", "naïve", "данные", "東京", "🙂", "tool", "x"];
const PROVIDERS = ["openai", "gpt", "claude", "anthropic", "mistral"];

/** Naive local ISO time `minutes` after a fixed start, always with 6 fractional digits. */
function naive(minutes: number, micros: number): string {
  const d = new Date(Date.UTC(2024, 0, 15, 8, 0, 0) + minutes * 60_000);
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}`;
}

/**
 * Writes a V1 database of `sessions` × `messagesPerSession` realistic messages (user/assistant
 * turns, some tool calls, non-ASCII text), for volume tests and the W7 benchmark.
 *
 * ```ts
 * generateV1Database("/tmp/v1.db", { sessions: 2000, messagesPerSession: 50 });
 * ```
 */
export function generateV1Database(
  path: string,
  options: { sessions: number; messagesPerSession: number; seed?: number },
): void {
  const rand = prng(options.seed ?? 1);
  const db = openV1Database(path);
  try {
    const rows: V1Row[] = [];
    const flush = (): void => {
      insertV1Rows(db, rows);
      rows.length = 0;
    };
    for (let i = 0; i < options.sessions; i++) {
      rows.push(v1Row(generatedSession(i, options.messagesPerSession, rand)));
      if (rows.length === 200) flush();
    }
    flush();
  } finally {
    db.close();
  }
}

function generatedSession(i: number, count: number, rand: () => number): V1SessionSpec {
  const messages: V1MessageSpec[] = [];
  const start = i * 7;
  for (let j = 0; j < count; j++) {
    const role = j % 2 === 0 ? "user" : "assistant";
    const words = Array.from(
      { length: 8 + Math.floor(rand() * 24) },
      () => WORDS[Math.floor(rand() * WORDS.length)]!,
    );
    const toolCall = role === "assistant" && rand() < 0.05;
    messages.push({
      id: `msg_${hex8(rand)}`,
      role,
      content: toolCall ? "" : words.join(" "),
      timestamp: naive(start + j, Math.floor(rand() * 1_000_000)),
      metadata:
        role === "assistant" ? { usage: { prompt_tokens: 10 + j, completion_tokens: 5 } } : {},
      tool_calls: toolCall
        ? [
            {
              id: `call_${hex8(rand)}`,
              function: { arguments: '{"city": "Oslo"}', name: "get_weather" },
              type: "function",
            },
          ]
        : null,
      provider_message_id: role === "assistant" ? `chatcmpl-${hex8(rand)}` : null,
    });
  }
  return {
    session_id: `session_${(i + 0x10000000).toString(16)}`,
    user_id: `user_${i % 100}`,
    provider: PROVIDERS[i % PROVIDERS.length],
    model: "gpt-4o",
    created_at: naive(start, 1),
    updated_at: naive(start + count, 2),
    messages,
  };
}
