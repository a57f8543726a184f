// One slow turn from a separate process, to be frozen (SIGSTOP) while it holds the turn lease:
//   node frozen-turn.mjs '<json>'   where json = { storage, storageConfig, sessionId, content,
//                                                   turnLeaseMs, latencyMs }
// Writes "held" once the turn holds the session (outgoing middleware runs then), and at the end
// one JSON line: the reply's content, or the error's code.
import { createSessionManager } from "../../dist/index.js";
import { MockProvider } from "../../dist/testing/index.js";

const job = JSON.parse(process.argv[2]);
const manager = createSessionManager({
  storage: job.storage,
  storageConfig: job.storageConfig,
  providers: {
    mock: { adapter: new MockProvider({ historyAware: true, latencyMs: job.latencyMs }) },
  },
  turnLeaseMs: job.turnLeaseMs,
  middleware: [
    {
      outgoing(message) {
        process.stdout.write("held\n");
        return message;
      },
    },
  ],
});
const session = await manager.getSession(job.sessionId);
const outcome = await session.sendMessage(job.content).then(
  (reply) => ({ content: reply.content }),
  (error) => ({ error: error.code ?? String(error) }),
);
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await manager.close();
