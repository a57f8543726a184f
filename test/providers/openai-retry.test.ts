import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  boundedRetryFetch,
  retryAfterMs,
  TIMEOUT_HEADER,
  untilAborted,
} from "../../src/providers/openai-retry.js";

describe("untilAborted", () => {
  it("settles as the call does while the signal stays quiet", async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(OpenAI, Promise.resolve(1), signal)).resolves.toBe(1);
    const failed = Promise.reject(new Error("boom"));
    await expect(untilAborted(OpenAI, failed, signal)).rejects.toThrow("boom");
  });

  it("rejects with the SDK's abort error at once, also when already aborted", async () => {
    const controller = new AbortController();
    const pending = new Promise<never>(() => undefined);
    const raced = untilAborted(OpenAI, pending, controller.signal);
    controller.abort();
    await expect(raced).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await expect(untilAborted(OpenAI, pending, controller.signal)).rejects.toBeInstanceOf(
      OpenAI.APIUserAbortError,
    );
  });

  it("a call that fails after the abort is no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let fail!: (error: Error) => void;
      const call = new Promise<never>((_resolve, reject) => (fail = reject));
      const controller = new AbortController();
      const raced = untilAborted(OpenAI, call, controller.signal);
      controller.abort();
      await expect(raced).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      fail(new Error("the SDK's next attempt saw the aborted signal"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("retryAfterMs", () => {
  const read = (headers: Record<string, string>) => retryAfterMs(new Headers(headers));

  it("reads retry-after-ms first, then retry-after in seconds or as a date", () => {
    expect(read({ "retry-after-ms": "1500", "retry-after": "9" })).toBe(1500);
    expect(read({ "retry-after": "2.5" })).toBe(2500);
    const date = read({ "retry-after": new Date(Date.now() + 60_000).toUTCString() })!;
    expect(date).toBeGreaterThan(55_000);
    expect(date).toBeLessThanOrEqual(60_000);
  });

  it("a retry-after-ms of 0 defers to retry-after, as in the SDK; none or junk is null", () => {
    expect(read({ "retry-after-ms": "0", "retry-after": "3600" })).toBe(3_600_000);
    expect(read({})).toBeNull();
    expect(read({ "retry-after": "soon" })).toBeNull();
  });
});

describe("boundedRetryFetch", () => {
  const answering = (status: number, headers: Record<string, string>) =>
    boundedRetryFetch(async () => new Response("{}", { status, headers }), 10_000);
  const shouldRetry = async (f: typeof fetch, init?: RequestInit) =>
    (await f("http://127.0.0.1/", init)).headers.get("x-should-retry");

  it("marks a wait longer than the default timeout as not to be retried", async () => {
    expect(await shouldRetry(answering(429, { "retry-after": "3600" }))).toBe("false");
    expect(await shouldRetry(answering(429, { "retry-after": "5" }))).toBeNull();
    expect(await shouldRetry(answering(200, { "retry-after": "3600" }))).toBeNull();
  });

  it("takes the session's own timeout, to the millisecond, and does not send its header", async () => {
    const sent: Headers[] = [];
    const f = boundedRetryFetch(async (_input, init) => {
      sent.push(new Headers(init?.headers));
      return new Response("{}", { status: 503, headers: { "retry-after": "0.6" } });
    }, 10_000);
    expect(await shouldRetry(f, { headers: { [TIMEOUT_HEADER]: "500" } })).toBe("false");
    expect(
      await shouldRetry(f, { headers: { [TIMEOUT_HEADER]: "700", "x-other": "1" } }),
    ).toBeNull();
    expect(sent.map((h) => h.has(TIMEOUT_HEADER))).toEqual([false, false]);
    expect(sent[1]!.get("x-other")).toBe("1");
  });

  it("keeps the status and the body", async () => {
    const f = boundedRetryFetch(
      async () => new Response('{"error":{}}', { status: 429, headers: { "retry-after": "99" } }),
      1000,
    );
    const response = await f("http://127.0.0.1/");
    expect(response.status).toBe(429);
    expect(await response.text()).toBe('{"error":{}}');
  });
});
