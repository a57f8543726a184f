/**
 * A V1 session served through the bridge behaves as a V2 session does: breaking off its stream
 * settles the reply with what was read, and misspelt getMessages options are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionManager, ValidationError } from "../../src/index.js";
import { SessionBridge } from "../../src/migration/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { tempDir } from "./helpers.js";
import { buildCaseDatabase } from "./v1-cases.js";

const tmp = tempDir("mig-bridge-stream-");
afterAll(tmp.cleanup);
const v1 = tmp.path("v1.db");
beforeAll(() => buildCaseDatabase(v1));
const opts = {
  timezone: "Europe/Oslo",
  providerMap: { openai: "mock", claude: "mock", mistral: "mock" },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** "settled" if `p` settles within `ms`, else "waiting". */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(settled, settled), sleep(ms).then(() => "waiting")]);
const settled = () => "settled";

describe("a V1 session served through the bridge", () => {
  it("breaking off its stream settles the reply with what was read, as a V2 stream does", async () => {
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: tmp.path("v2.db") },
      providers: { mock: { adapter: new MockProvider({ chunkSize: 2 }) } },
    });
    const bridge = new SessionBridge(manager, v1, opts);
    try {
      const session = await bridge.getSession("session_expired");
      const stream = session.streamMessage("stream please, a long one");
      let read = "";
      for await (const delta of stream) {
        read += delta;
        break;
      }
      expect(await within(stream.reply, 1000)).toBe("settled");
      expect(await stream.reply).toMatchObject({ content: read, finishReason: "aborted" });
    } finally {
      await bridge.close();
      await manager.close();
    }
  });

  it("refuses misspelt getMessages options, as a V2 session does", async () => {
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: tmp.path("v2-opts.db") },
      providers: { mock: null },
    });
    const bridge = new SessionBridge(manager, v1, opts);
    try {
      const session = await bridge.getSession("session_huge");
      await expect(session.getMessages({ limt: 1 } as never)).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(session.getMessages(null as never)).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await bridge.close();
      await manager.close();
    }
  });
});
