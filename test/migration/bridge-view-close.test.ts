/**
 * `manager.close()` and a V1 bridge view's changes, as with a V2 session's calls: close() waits
 * for a change asked for before it, the migration it runs included (the storage is not closed
 * under it, and no session is left in V2 without its V1 history), and a change asked for after
 * it is refused before anything is migrated.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSessionManager, StorageError } from "../../src/index.js";
import { SessionBridge, V1SessionView } from "../../src/migration/index.js";
import { tempDir } from "./helpers.js";
import { gatedAppends, settledYet, storedTranscript, writeHiYo } from "./view-gate.js";

const ID = "session_c1c1c1c1";
const tmp = tempDir("mig-view-close-");
const v1 = tmp.path("langswarm_sessions.db");
beforeAll(() => writeHiYo(v1, ID));
afterAll(tmp.cleanup);

/** A view of the V1 session on a manager whose migration appends wait for `open()`. */
async function gatedView(db: string) {
  const gate = gatedAppends(tmp.path(db));
  const manager = createSessionManager({ storage: gate.storage, providers: { mock: null } });
  const bridge = new SessionBridge(manager, v1, { timezone: "UTC" });
  const view = await bridge.getSession(ID);
  expect(view).toBeInstanceOf(V1SessionView);
  return { ...gate, manager, bridge, view: view as V1SessionView };
}

it("close() waits for a view's sendMessage that is migrating the session", async () => {
  const { manager, bridge, view, appending, open } = await gatedView("send.db");
  const reply = view.sendMessage("hello");
  reply.catch(() => undefined);
  await appending; // the session's record is in V2; its V1 messages are on their way
  const closed = manager.close();
  expect(await settledYet(closed)).toBe(false);
  open();
  await closed;
  await bridge.close();
  await reply.catch(() => undefined);
  const stored = await storedTranscript(tmp.path("send.db"), ID);
  expect(stored?.slice(0, 2)).toEqual(["user:hi", "assistant:yo"]);
});

it("close() waits for a view's stream that is migrating the session", async () => {
  const { manager, bridge, view, appending, open } = await gatedView("stream.db");
  const stream = view.streamMessage("hello");
  await appending;
  const closed = manager.close();
  expect(await settledYet(closed)).toBe(false);
  open();
  await closed;
  await bridge.close();
  await stream.reply.catch(() => undefined);
  const stored = await storedTranscript(tmp.path("stream.db"), ID);
  expect(stored?.slice(0, 2)).toEqual(["user:hi", "assistant:yo"]);
});

it("a view's change asked for after close() is refused before migrating", async () => {
  const { manager, bridge, view, open } = await gatedView("after.db");
  open();
  await manager.close();
  const calls: [string, () => Promise<unknown>][] = [
    ["sendMessage", () => view.sendMessage("hello")],
    ["streamMessage", () => view.streamMessage("hello").reply],
    ["sendSystemMessage", () => view.sendSystemMessage("Be brief.")],
    ["clearMessages", () => view.clearMessages()],
    ["updateContext", () => view.updateContext({ a: 1 })],
    ["switchProvider", () => view.switchProvider("mock", "other-model")],
  ];
  for (const [name, call] of calls) {
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, name).toBeInstanceOf(StorageError);
    expect((error as Error).message, name).toMatch(/the manager is closed/);
  }
  expect(view.migrated).toBe(false);
  await bridge.close();
  expect(await storedTranscript(tmp.path("after.db"), ID)).toBeNull();
});
