/**
 * A V1 bridge view's turn and its `signal`, as on a V2 session (test/abort-queued.test.ts): a turn
 * already aborted is refused before the session is migrated, and one aborted while the view
 * migrates the session settles at once, with the error of a V2 turn aborted before it started.
 * The migration goes on in the background (stopping it halfway would leave V2 without V1's
 * history), `close()` waits for it, and its failure is no unhandled rejection.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { SessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView } from "../../src/migration/index.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";
import { gatedAppends, settledYet, storedTranscript } from "./view-gate.js";

const ID = "session_abab0001";
const tmp = tempDir("mig-view-abort-");
const v1 = tmp.path("langswarm_sessions.db");
beforeAll(() => {
  const hi = { id: "m0", role: "user", content: "hi", timestamp: "2024-03-04T09:00:00.000001" };
  writeV1(v1, [
    { session_id: ID, user_id: "u1", provider: "mock", model: "mock-model", messages: [hi] },
  ]);
});
afterAll(tmp.cleanup);

let manager: SessionManager;
let bridge: SessionBridge;
let open: () => void;
afterEach(async () => {
  open();
  await bridge.close();
  await manager.close();
});

/** A view of the V1 session on a manager whose appends wait for `open()` (see `gatedAppends`). */
async function gatedView(db: string, fail = false) {
  const gate = gatedAppends(tmp.path(db), fail);
  open = gate.open;
  manager = createSessionManager({ storage: gate.storage, providers: { mock: null } });
  bridge = new SessionBridge(manager, v1, { timezone: "UTC" });
  const view = await bridge.getSession(ID);
  expect(view).toBeInstanceOf(V1SessionView);
  return { view: view as V1SessionView, appending: gate.appending };
}

/** The error of a V2 turn aborted before it started. */
async function expectNotStarted(reply: Promise<unknown>): Promise<void> {
  const error = await reply.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toMatchObject({ provider: "mock", retryable: false });
  expect((error as Error).message).toMatch(/the request was aborted before the turn started/);
}

it("an already aborted sendMessage or stream is refused without migrating", async () => {
  const { view } = await gatedView("pre.db");
  const signal = AbortSignal.abort();
  await expectNotStarted(view.sendMessage("hello", { signal }));
  await expectNotStarted(view.streamMessage("hello", { signal }).reply);
  expect(view.migrated).toBe(false);
  expect(await manager.storage.getSession(ID)).toBeNull();
});

it("a sendMessage aborted while the view migrates settles at once; close() waits for the migration", async () => {
  const { view, appending } = await gatedView("during.db");
  const controller = new AbortController();
  const reply = view.sendMessage("hello", { signal: controller.signal });
  reply.catch(() => undefined);
  await appending;
  controller.abort();
  await expectNotStarted(reply); // while the migration's append still waits
  expect(view.migrated).toBe(false);
  const closed = manager.close();
  expect(await settledYet(closed)).toBe(false);
  open();
  await closed;
  // Migrated whole; the aborted turn stored nothing.
  expect(await storedTranscript(tmp.path("during.db"), ID)).toEqual(["user:hi"]);
});

it("a stream aborted while the view migrates settles at once", async () => {
  const { view, appending } = await gatedView("stream.db");
  const controller = new AbortController();
  const stream = view.streamMessage("hello", { signal: controller.signal });
  await appending;
  controller.abort();
  await expectNotStarted(stream.reply);
  open();
  await manager.close();
  expect(await storedTranscript(tmp.path("stream.db"), ID)).toEqual(["user:hi"]);
});

it("a migration that fails after its call was aborted is no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", record);
  try {
    const { view, appending } = await gatedView("fails.db", true);
    const controller = new AbortController();
    const reply = view.sendMessage("hello", { signal: controller.signal });
    await appending;
    controller.abort();
    await expectNotStarted(reply);
    open(); // the append fails now, in the background
    await manager.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  } finally {
    process.off("unhandledRejection", record);
  }
});
