/**
 * The CLI side of masked-key-echo.test.ts: `chat --provider openai` with an OPENAI_API_KEY that
 * is not `sk-…`-shaped (a gateway's key, with OPENAI_BASE_URL) must not print the 401 body's
 * masked echo of it (`proxyKey****6789`). OPENAI_BASE_URL points at the project's fake server.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../providers/fake/openai-server.js";

const KEY = "proxyKeyABCDEFGH0123456789";

let server: OpenAIFakeServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server?.close();
});

it("chat's error output shows no part of a non-sk- OPENAI_API_KEY echoed masked by a 401", async () => {
  const unauthorized = { kind: "error", status: 401 } as const;
  server.enqueue(unauthorized, unauthorized, unauthorized);
  const r = await runCli(
    ["--storage", "memory", "chat", "--provider", "openai", "--model", "gpt-4o-mini"],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }, input: "hi\n" },
  );
  expect(r.code).toBe(1); // the line failed
  expect(r.stderr).toContain("401");
  const output = r.stdout + r.stderr;
  expect(output).not.toContain(KEY);
  expect(output, "the masked key's first 8 characters").not.toContain(KEY.slice(0, 8));
});
