import { expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { modelCalls, type SuiteContext } from "./conformance.js";

/** Failures: what is retried (and how long it waits), what is not, timeouts, and key scrubbing. */
export function failureTests({ harness, server, apiKey, open, start }: SuiteContext): void {
  it("does not retry a 401; keeps the input marked unanswered; never shows the key", async () => {
    const session = await start();
    server().enqueue({ kind: "error", status: 401 });
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: harness.provider, status: 401, retryable: false });
    expect(modelCalls(server())).toHaveLength(1);
    const stored = await session.getMessages();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ role: "user", metadata: { unanswered: true } });
    for (const text of [String((error as Error).message), JSON.stringify(stored)]) {
      expect(text).not.toContain(apiKey());
      expect(text).not.toMatch(/sk-[\w-]*\*{2,}/);
    }
  });

  it("waits for retry-after on a 429, then succeeds", async () => {
    const session = await start();
    server().enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "300" } });
    const t0 = Date.now();
    const reply = await session.sendMessage("hi");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(reply.content).toBe("Echo: hi");
    expect(modelCalls(server())).toHaveLength(2);
  });

  it("retries a 500 and a 529, then succeeds", async () => {
    const session = await start();
    server().enqueue({ kind: "error", status: 500 });
    expect((await session.sendMessage("a")).content).toBe("Echo: a");
    server().enqueue({ kind: "error", status: 529, headers: { "retry-after-ms": "20" } });
    expect((await session.sendMessage("b")).content).toBe("Echo: b");
    expect(modelCalls(server())).toHaveLength(4);
  });

  it("raises a retryable ProviderError once retries are spent", async () => {
    const session = await start(open({ maxRetries: 1 }));
    const fail = { kind: "error", status: 503, headers: { "retry-after-ms": "10" } } as const;
    server().enqueue(fail, fail);
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(modelCalls(server())).toHaveLength(2);
  });

  it("times out a call that never answers", async () => {
    const session = await start(open({ timeoutMs: 300, maxRetries: 0 }));
    server().enqueue({ kind: "hang" });
    const t0 = Date.now();
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(error).toMatchObject({ status: null, retryable: true });
    expect((await session.getMessages())[0]!.metadata.unanswered).toBe(true);
  });

  it("keeps the input unanswered when the caller aborts a call", async () => {
    const session = await start();
    server().enqueue({ kind: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await session
      .sendMessage("never mind", { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(modelCalls(server())).toHaveLength(1); // an abort is not retried
    const stored = await session.getMessages();
    expect(stored.map((m) => [m.role, m.metadata.unanswered])).toEqual([["user", true]]);
  });
}
