import { spawn } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { CLI_BIN } from "../helpers/cli.js";
import { tempDir } from "../migration/helpers.js";

const tmp = tempDir("lss-cli-epipe-");
afterAll(tmp.cleanup);

/** Runs the CLI, closing its stdout at the first output as `| head -1` does. */
async function readFirstChunk(args: string[], input = "") {
  const child = spawn(process.execPath, [CLI_BIN, ...args]);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  child.stdout.once("data", () => child.stdout.destroy());
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stderr };
}

it("ends quietly when stdout is closed early by the reader", async () => {
  const dbPath = tmp.path("many.db");
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  for (let i = 0; i < 1000; i++) {
    await manager.createSession({ userId: `user-${i}`, provider: "mock", model: "mock-model" });
  }
  await manager.close();
  const { code, stderr } = await readFirstChunk([
    "--db",
    dbPath,
    "sessions",
    "list",
    "--limit",
    "1000",
  ]);
  expect(stderr).not.toContain("Unhandled 'error' event");
  expect(stderr).not.toContain("EPIPE");
  expect([0, 141]).toContain(code);
});

it("ends a chat whose replies nobody reads any more, quietly and without going on", async () => {
  const dbPath = tmp.path("chat.db");
  const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(100)}`);
  const { code, stderr } = await readFirstChunk(["--db", dbPath, "chat"], `${lines.join("\n")}\n`);
  expect(stderr).not.toContain("EPIPE");
  expect(stderr).not.toMatch(/^error/m);
  expect(code).toBe(0);
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  try {
    const { sessions } = await manager.storage.listSessions({ limit: 1 });
    expect(sessions[0]!.messageCount).toBeLessThan(2 * lines.length); // it stopped early
  } finally {
    await manager.close();
  }
});
