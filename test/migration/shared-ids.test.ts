import { afterAll, describe, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("mig-shared-ids-");
afterAll(tmp.cleanup);
const UTC = { timezone: "UTC" } as const;
const resaved = "2024-03-05T11:00:00.000001";

async function messages(path: string) {
  const s = sqliteStorage({ dbPath: path });
  try {
    return await s.getMessages("s1");
  } finally {
    await s.close();
  }
}

/**
 * `<provider>_unknown` ids repeat by design (v1-format §5): each such message is named from all
 * of itself, so re-runs find it again after V1 truncates, and two equal replies both come over.
 */
describe("<provider>_unknown ids", () => {
  // Two replies that differ only in metadata, stamped with the same time (microsecond 0, as with
  // a mocked clock, v1-format §3) and the same content "".
  const u = (n: number, ts: string) => ({
    id: `u${n}`,
    role: "user",
    content: `q${n}`,
    timestamp: ts,
  });
  const reply = (n: number, ts: string) => ({
    id: "openai_unknown",
    role: "assistant",
    content: "",
    timestamp: ts,
    metadata: { finish_reason: "tool_calls", usage: { completion_tokens: n } },
  });

  it("a re-run after V1 dropped the first of two same-looking replies finds the second, not the first", async () => {
    const src = tmp.path("same.db");
    const dst = tmp.path("same-v2.db");
    const ts = "2024-03-04T09:00:00";
    writeV1(src, [
      { session_id: "s1", messages: [u(1, ts), reply(1, ts), u(2, ts), reply(2, ts)] },
    ]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // truncate_to_limit(2): the newest two; then one more user message.
    writeV1(src, [
      {
        session_id: "s1",
        messages: [u(2, ts), reply(2, ts), u(3, "2024-03-04T09:00:05")],
        truncated_at: resaved,
        updated_at: resaved,
      },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
    expect(r).toMatchObject({ migratedMessages: 1, unmigratedMessages: 0 });
    expect((await messages(dst)).map((m) => m.content)).toEqual(["q1", "", "q2", "", "q3"]);
  });

  it("keeps two distinct V1 replies that only share id, time, role and content", async () => {
    // Same id (`_unknown`), same time, same content and metadata: V1 stored two replies, both
    // are in its history; neither is a truncate_to_limit copy (no system message).
    const src = tmp.path("twice.db");
    const dst = tmp.path("twice-v2.db");
    const ts = "2024-03-04T09:00:00";
    const r1 = { id: "openai_unknown", role: "assistant", content: "OK", timestamp: ts };
    writeV1(src, [
      {
        session_id: "s1",
        messages: [
          { id: "u1", role: "user", content: "a", timestamp: ts },
          r1,
          { id: "u2", role: "user", content: "b", timestamp: ts },
          r1,
        ],
      },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.totalMessages).toBe(4);
    expect((await messages(dst)).map((m) => m.content)).toEqual(["a", "OK", "b", "OK"]);
  });

  it("does not call a single `_unknown` id a duplicate", async () => {
    const src = tmp.path("single.db");
    const dst = tmp.path("single-v2.db");
    writeV1(src, [
      {
        session_id: "s1",
        messages: [
          { id: "u1", role: "user", content: "hi", timestamp: "2024-03-04T09:00:01.000001" },
          {
            id: "openai_unknown",
            role: "assistant",
            content: "yo",
            timestamp: "2024-03-04T09:00:02.000001",
          },
        ],
      },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/duplicate message ids/);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v.ok).toBe(true);
  });
});
