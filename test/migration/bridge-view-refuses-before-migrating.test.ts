/**
 * A change to a V1 session through the bridge that the V2 session would refuse (bad input, a
 * provider the manager is not configured with) is refused before the session is migrated: V2
 * holds nothing and the session is still served from V1. Calls V2 takes from a session whose
 * provider this manager cannot use (a context update, a switch away) still migrate it.
 */
import { afterEach, beforeAll, expect, it } from "vitest";
import { createSessionManager, ValidationError } from "../../src/index.js";
import type { ProviderAdapter, SessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView } from "../../src/migration/index.js";
import type { BridgedSession } from "../../src/migration/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const MOCK = "session_on_mock"; // its provider is configured
const OPENAI = "session_on_openai"; // its provider is not

const tmp = tempDir("mig-view-refuse-");
const v1 = tmp.path("langswarm_sessions.db");
beforeAll(() => {
  const hi = { id: "m0", role: "user", content: "hi", timestamp: "2024-03-04T09:00:00.000001" };
  writeV1(v1, [
    { session_id: MOCK, user_id: "u1", provider: "mock", model: "mock-model", messages: [hi] },
    { session_id: OPENAI, user_id: "u1", provider: "openai", model: "gpt-4o", messages: [hi] },
  ]);
  return tmp.cleanup;
});

/** Refuses a `providerConfig` with `bad` in it, as an adapter's `validateConfig` does. */
const strict: ProviderAdapter = Object.assign(new MockProvider(), {
  name: "strict",
  validateConfig(config: Readonly<Record<string, unknown>>) {
    if ("bad" in config) throw new ValidationError("providerConfig.bad", "is not a setting");
  },
});

let manager: SessionManager;
let bridge: SessionBridge;
afterEach(async () => {
  await bridge.close();
  await manager.close();
});

async function viewOf(sessionId: string): Promise<V1SessionView> {
  manager = createSessionManager({ providers: { mock: null, strict: { adapter: strict } } });
  bridge = new SessionBridge(manager, v1, { timezone: "UTC" });
  const view = await bridge.getSession(sessionId);
  expect(view).toBeInstanceOf(V1SessionView);
  return view as V1SessionView;
}

async function expectUnmigrated(sessionId: string): Promise<void> {
  expect(await manager.storage.getSession(sessionId)).toBeNull();
  expect(await bridge.getSession(sessionId)).toBeInstanceOf(V1SessionView);
}

type Call = (s: BridgedSession) => Promise<unknown>;
const cases: [string, string, Call, string][] = [
  ["empty content", MOCK, (s) => s.sendMessage("  "), "content"],
  ["an unknown option", MOCK, (s) => s.sendMessage("hi", { rol: "user" } as never), "options.rol"],
  [
    "a tool result without its call",
    MOCK,
    (s) => s.sendMessage("42", { role: "tool" }),
    "toolCallId",
  ],
  ["a streamed empty content", MOCK, (s) => s.streamMessage("").reply, "content"],
  ["an empty system message", MOCK, (s) => s.sendSystemMessage(""), "content"],
  ["a context not a plain object", MOCK, (s) => s.updateContext([] as never), "context"],
  ["a context holding a Date", MOCK, (s) => s.updateContext({ at: new Date() }), "context.at"],
  ["a switch to no model", MOCK, (s) => s.switchProvider("mock", ""), "model"],
  [
    "a switch to an unconfigured provider",
    MOCK,
    (s) => s.switchProvider("openai", "gpt-4o"),
    "provider",
  ],
  [
    "a switch its target's adapter refuses",
    MOCK,
    (s) => s.switchProvider("strict", "m", { bad: 1 }),
    "providerConfig.bad",
  ],
  [
    "a message on an unconfigured provider",
    OPENAI,
    (s) => s.sendMessage("Hello again"),
    "provider",
  ],
  [
    "a stream on an unconfigured provider",
    OPENAI,
    (s) => s.streamMessage("Hello").reply,
    "provider",
  ],
  [
    "a system message on an unconfigured provider",
    OPENAI,
    (s) => s.sendSystemMessage("Be brief."),
    "provider",
  ],
  ["a clear on an unconfigured provider", OPENAI, (s) => s.clearMessages(), "provider"],
];

it.each(cases)("refuses %s before migrating anything", async (_, sessionId, call, field) => {
  const view = await viewOf(sessionId);
  const error = await call(view).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe(field);
  await expectUnmigrated(sessionId);
  expect(view.migrated).toBe(false);
});

it("a stream refused before migrating also fails its reader", async () => {
  const view = await viewOf(OPENAI);
  const stream = view.streamMessage("Hello");
  await expect(stream.complete()).rejects.toMatchObject({ field: "provider" });
  await expectUnmigrated(OPENAI);
});

it("updates the context of a session on an unconfigured provider, as V2 does", async () => {
  const view = await viewOf(OPENAI);
  await view.updateContext({ lang: "nb" });
  expect(view.migrated).toBe(true);
  expect((await manager.getSession(OPENAI)).context).toMatchObject({ lang: "nb" });
});

it("switches a session away from an unconfigured provider, and it then takes messages", async () => {
  const view = await viewOf(OPENAI);
  await view.switchProvider("mock", "mock-model");
  const reply = await view.sendMessage("Hello again");
  expect(reply.role).toBe("assistant");
  const stored = await (await manager.getSession(OPENAI)).getMessages();
  expect(stored.map((m) => m.content)).toEqual(["hi", "Hello again", reply.content]);
});

it("checks a view's change against the session as migrated meanwhile, not as V1 had it", async () => {
  const stale = await viewOf(OPENAI);
  const other = await bridge.getSession(OPENAI);
  await other.switchProvider("mock", "mock-model"); // migrated, now on a configured provider
  expect(stale.migrated).toBe(false);
  expect((await stale.sendMessage("Hello again")).role).toBe("assistant");
  expect(stale.provider).toBe("mock");
});
