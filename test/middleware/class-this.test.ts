import { describe, expect, it } from "vitest";
import type { SessionMessage } from "../../src/index.js";
import { managersClosedAfterEach } from "../helpers/managers.js";
import { LOCAL_STORAGES, onStorage } from "../helpers/turns.js";

const manager = managersClosedAfterEach();

/** A middleware that reads its own state: it was called detached, `this` undefined. */
class Redactor {
  constructor(private readonly pattern: RegExp) {}
  outgoing(m: SessionMessage): SessionMessage {
    return { ...m, content: m.content.replace(this.pattern, "[redacted]") };
  }
  incoming(m: SessionMessage): SessionMessage {
    return { ...m, content: m.content.replace(this.pattern, "[redacted]") };
  }
}

describe("a middleware class instance keeps `this`", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: sent and streamed`, async () => {
      const m = manager({ ...onStorage(storage), middleware: [new Redactor(/\d{4}-\d{4}/g)] });
      const session = await m.createSession("u", "mock", "m");
      expect((await session.sendMessage("card 1234-5678")).content).toBe("Echo: card [redacted]");
      const streamed = await session.streamMessage("card 8765-4321").complete();
      expect(streamed.content).toBe("Echo: card [redacted]");
      expect((await session.getMessages()).map((x) => x.content)).toEqual([
        "card [redacted]",
        "Echo: card [redacted]",
        "card [redacted]",
        "Echo: card [redacted]",
      ]);
    });
  }
});
