/**
 * A hook that starts a follow-up turn without awaiting it (an agent loop driven by
 * onReplyReceived), while some other hook of the process is still running (a slow webhook in
 * onSessionCreated), grows the heap by every turn: each hook's frame (`Closing.hook`) takes the
 * frame of the hook whose async context the turn was started in as `parent`, even after that
 * hook ended, so the chain of finished frames is never let go while the AsyncLocalStorage is on.
 */
import { expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { heapAfterGc } from "../helpers/heap.js";

async function heapGrowthOfChainedTurns(otherHookRunning: boolean): Promise<number> {
  const FIRST = 10_000;
  const LAST = 110_000;
  let count = 0;
  let slowNext = false;
  let releaseSlow!: () => void;
  const slow = new Promise<void>((r) => (releaseSlow = r));
  // The loop pauses (in its own async context) at these counts, with an empty transcript.
  const pauses = new Map<number, { reached: () => void; go: Promise<void>; resume: () => void }>();
  for (const at of [FIRST, LAST]) {
    let reached!: () => void;
    let resume!: () => void;
    const arrived = new Promise<void>((r) => (reached = r));
    const go = new Promise<void>((r) => (resume = r));
    pauses.set(at, { reached, go, resume });
    Object.assign(pauses.get(at)!, { arrived });
  }
  const manager = createSessionManager({
    storage: "memory",
    hooks: {
      // Another session's slow hook (a webhook taking its time): a hook is running meanwhile.
      onSessionCreated: async () => {
        if (slowNext) {
          slowNext = false;
          await slow;
        }
      },
      // Each reply starts the next turn, not awaited: the loop goes on by itself.
      onReplyReceived: () => {
        const n = ++count;
        if (n > LAST) return;
        setImmediate(async () => {
          if (n % 500 === 0) await session.clearMessages();
          const pause = pauses.get(n);
          if (pause) {
            pause.reached();
            await pause.go;
          }
          void session.sendMessage("next");
        });
      },
    },
  });
  const session = await manager.createSession("u", "mock", "m");
  if (otherHookRunning) {
    slowNext = true;
    void manager.createSession("u2", "mock", "m");
  }
  const arrived = (at: number) => (pauses.get(at) as unknown as { arrived: Promise<void> }).arrived;
  void session.sendMessage("go");
  await arrived(FIRST);
  const before = await heapAfterGc();
  pauses.get(FIRST)!.resume();
  await arrived(LAST);
  const after = await heapAfterGc();
  pauses.get(LAST)!.resume();
  releaseSlow();
  await new Promise((r) => setTimeout(r, 50));
  await manager.close();
  return after - before;
}

it("100,000 turns chained from a hook keep no memory per turn while another hook runs", async () => {
  const growth = await heapGrowthOfChainedTurns(true);
  // The same loop with no other hook running grows by well under 1 MB; here by ~5-10 MB (one
  // finished HookFrame per turn, chained by `parent`).
  expect(growth).toBeLessThan(2_000_000);
}, 120_000);
