import { spawn } from "node:child_process";
import { join } from "node:path";
import { createSessionManager, type SessionMessage } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { waitFor } from "./turns.js";

const worker = join(import.meta.dirname, "..", "workers", "frozen-turn.mjs");
const TURN_LEASE_MS = 300;

export interface FrozenTurnOutcome {
  /** What the frozen process's `sendMessage` ended with: its reply, or its error's code. */
  frozen: { content?: string; error?: string };
  /** The other process's turn, run while the first was frozen. */
  other: SessionMessage;
}

/**
 * A process starts a turn (history-aware mock, slow reply) and is frozen with SIGSTOP while it
 * holds the session's lease, for longer than the lease lives. Meanwhile this process takes the
 * lease over and runs a turn of its own; then the frozen one is resumed and finishes its turn.
 */
export async function freezeDuringTurn(
  storage: "sqlite" | "postgres",
  storageConfig: Record<string, unknown>,
  sessionId: string,
): Promise<FrozenTurnOutcome> {
  const job = { storage, storageConfig, sessionId, content: "frozen", turnLeaseMs: TURN_LEASE_MS };
  const child = spawn(process.execPath, [worker, JSON.stringify({ ...job, latencyMs: 1000 })]);
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const closed = new Promise((resolve) => child.once("close", resolve));
  await waitFor(() => out.startsWith("held\n"));
  child.kill("SIGSTOP");
  try {
    await new Promise((resolve) => setTimeout(resolve, 2 * TURN_LEASE_MS));
    const manager = createSessionManager({
      storage,
      storageConfig,
      providers: { mock: { adapter: new MockProvider({ historyAware: true }) } },
      turnLeaseMs: TURN_LEASE_MS,
    });
    const other = await (await manager.getSession(sessionId)).sendMessage("other");
    await manager.close();
    child.kill("SIGCONT");
    await closed;
    return { frozen: JSON.parse(out.split("\n")[1]!), other };
  } finally {
    child.kill("SIGKILL"); // a failed step must not leave a stopped process behind
  }
}
