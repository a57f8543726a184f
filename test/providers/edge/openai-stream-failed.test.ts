import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { startAnthropicServer, type AnthropicFakeServer } from "../fake/anthropic-server.js";
import { responseObject, sse, startWire, openaiAt, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let anthropic: AnthropicFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  await anthropic?.close();
  manager = server = anthropic = undefined;
});

// provider-wire.md §1.3: a stream may end in `response.failed` (the response's `error` has a code).
// docs/providers.md "Errors, retries, timeouts": retryable is false only for insufficient_quota,
// context_length_exceeded, invalid_api_key, model_not_found, invalid_prompt, "whether they come as
// an HTTP error or as an error event inside a stream"; a rate limit is retryable, and a retryable
// failure goes to the fallback chain.
describe("openai: a streamed response.failed with a transient code", () => {
  const failedStream = (code: string) =>
    startWire((_path, body, res) => {
      const started = responseObject(body.model, [], {
        status: "in_progress",
        usage: null,
        completed_at: null,
      });
      const failed = {
        ...started,
        status: "failed",
        error: { code, message: "Rate limit reached for requests. Please try again in 2s." },
      };
      sse(
        res,
        [
          { type: "response.created", response: started },
          { type: "response.in_progress", response: started },
          { type: "response.failed", response: failed },
        ],
        true,
      );
    });

  it("is retryable, like the same code in an `error` event or a 429", async () => {
    server = await failedStream("rate_limit_exceeded");
    manager = createSessionManager({
      providers: {
        openai: openaiAt(server),
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    const error = await (async () => {
      try {
        for await (const _ of s.streamMessage("hi")) void _;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });

  it("so the fallback answers the turn", async () => {
    server = await failedStream("rate_limit_exceeded");
    anthropic = await startAnthropicServer();
    manager = createSessionManager({
      providers: {
        openai: {
          apiKey: "sk-test-0123456789abcdef",
          baseURL: `${server.origin}/v1`,
          fallback: [{ provider: "anthropic", model: "claude-sonnet-5-5" }],
        },
        anthropic: { apiKey: "sk-ant-api03-test-0123456789abcdef", baseURL: anthropic.url },
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    const stream = s.streamMessage("hi");
    let text = "";
    for await (const d of stream) text += d;
    expect(text).toBe("Echo: hi");
    expect((await stream.reply).metadata).toMatchObject({ servedBy: "anthropic" });
  });
});

// An `error` event carries no HTTP status: whether a retry can help is read from the event.
describe("openai: an in-band error for a request that cannot succeed is final", () => {
  const erroring = (error: Record<string, unknown>) =>
    startWire((_path, body, res) => {
      const started = responseObject(body.model, [], { status: "in_progress", usage: null });
      sse(
        res,
        [
          { type: "response.created", response: started },
          { type: "error", ...error },
        ],
        true,
      );
    });
  const retryable = async () => {
    manager = createSessionManager({
      providers: { openai: { ...openaiAt(server!), maxRetries: 0 } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    try {
      for await (const _ of s.streamMessage("hi")) void _;
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderError);
      return (e as ProviderError).retryable;
    }
  };

  it("the nested shape, typed invalid_request_error without a code", async () => {
    server = await erroring({
      status: 400,
      error: { type: "invalid_request_error", message: "No tool output found", param: "input" },
    });
    expect(await retryable()).toBe(false);
  });

  it("the flat shape naming the parameter at fault", async () => {
    server = await erroring({ code: null, message: "Invalid value", param: "input" });
    expect(await retryable()).toBe(false);
  });

  it("while one that names neither stays retryable", async () => {
    server = await erroring({ code: null, message: "The server had an error", param: null });
    expect(await retryable()).toBe(true);
  });
});
