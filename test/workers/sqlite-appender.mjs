// Sends turns to one session from a separate process:
//   node sqlite-appender.mjs <dbPath> <sessionId> <turns> <tag> [historyAware]
import { createSessionManager } from "../../dist/index.js";
import { MockProvider } from "../../dist/testing/index.js";

const [dbPath, sessionId, turns, tag, historyAware] = process.argv.slice(2);
const mock = new MockProvider({ historyAware: historyAware === "1" });
const manager = createSessionManager({
  storage: "sqlite",
  storageConfig: { dbPath },
  providers: { mock: { adapter: mock } },
});
const session = await manager.getSession(sessionId);
for (let i = 0; i < Number(turns); i++) await session.sendMessage(`${tag}-${i}`);
await manager.close();
