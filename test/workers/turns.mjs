// Sends turns from a separate process, with a manager of its own, built from dist/:
//   node turns.mjs '<json>'   where json = { storage, storageConfig, sessions: [ids], turns, tag,
//                                            historyAware?, turnLeaseMs?, progress? }
// Turn i (`<tag>-<i>`) goes to session i % sessions.length; sessions run concurrently, each in
// order. With `progress`, a "." is written to stdout after each stored turn.
import { createSessionManager } from "../../dist/index.js";
import { MockProvider } from "../../dist/testing/index.js";

const job = JSON.parse(process.argv[2]);
const manager = createSessionManager({
  storage: job.storage,
  storageConfig: job.storageConfig,
  providers: { mock: { adapter: new MockProvider({ historyAware: Boolean(job.historyAware) }) } },
  ...(job.turnLeaseMs ? { turnLeaseMs: job.turnLeaseMs } : {}),
});
const sessions = await Promise.all(job.sessions.map((id) => manager.getSession(id)));
await Promise.all(
  sessions.map(async (session, k) => {
    for (let i = k; i < job.turns; i += sessions.length) {
      await session.sendMessage(`${job.tag}-${i}`);
      if (job.progress) process.stdout.write(".");
    }
  }),
);
await manager.close();
