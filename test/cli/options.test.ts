import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { v1Messages, writeV1 } from "../migration/fix-helpers.js";

import { runCli, type CliRun } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "lss-cli-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "sk-test-options-0123456789abcdef";

/** Runs the built CLI with `input` on a pipe, with no provider key unless `env` gives one. */
function cli(args: string[], input = "", env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { input, env, cwd: dir });
}

/** A fake OpenAI server that records every request and answers 404: nothing should reach it. */
async function fakeOpenAI() {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url} ${body}`);
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "not found" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("chat --provider and --model", () => {
  it("requires --model for every provider but mock, before anything reaches the provider", async () => {
    const server = await fakeOpenAI();
    try {
      const env = { OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.baseURL };
      const db = join(dir, "no-model.db");
      const r = await cli(["--db", db, "chat", "--provider", "openai"], "hi\n", env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("--model");
      expect(r.stderr).toContain("--provider openai");
      expect(r.stderr).not.toContain("openai/mock-model");
      expect(r.stderr).not.toContain(SECRET);
      expect(server.requests).toEqual([]);
      expect(existsSync(db)).toBe(false);
    } finally {
      await server.close();
    }
    const r = await cli(["--storage", "memory", "chat", "--provider", "anthropic"], "hi\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*invalid --model: .*--provider/);
    // A provider the command line does not offer is named first: a --model would not help.
    const compatible = ["--storage", "memory", "chat", "--provider", "openai-compatible"];
    const c = await cli(compatible, "hi\n");
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/error: .*invalid --provider: .*baseURL/);
  });

  it("keeps mock-model as the mock's default model", async () => {
    const r = await cli(["--storage", "memory", "chat", "--provider", "mock"], "hi\n");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("(mock/mock-model)");
    expect(r.stdout).toBe("Echo: hi\n");
  });

  it("names the environment variable of a provider without a key", async () => {
    const cases: [string, string][] = [
      ["openai", "OPENAI_API_KEY"],
      ["anthropic", "ANTHROPIC_API_KEY"],
    ];
    for (const [provider, variable] of cases) {
      const db = join(dir, `${provider}-no-key.db`);
      const args = ["--db", db, "chat", "--provider", provider, "--model", "some-model"];
      // An empty variable is no key either.
      for (const env of [{}, { [variable]: "" }]) {
        const r = await cli(args, "hi\n", env);
        expect(r.code, provider).toBe(1);
        expect(r.stderr, provider).toContain(`set ${variable}`);
        expect(r.stderr, provider).not.toContain("configured: mock");
      }
      expect(existsSync(db)).toBe(false); // refused before storage is opened
    }
  });

  it("says which providers the CLI offers for one it cannot configure", async () => {
    for (const provider of ["openai-compatible", "nope"]) {
      const r = await cli(["--storage", "memory", "chat", "--provider", provider, "--model", "m"]);
      expect(r.code, provider).toBe(1);
      expect(r.stderr, provider).toContain("mock, openai (OPENAI_API_KEY), anthropic");
    }
  });

  it("names the variable when a resumed session's provider has no key", async () => {
    const db = join(dir, "resume-anthropic.db");
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: db },
      providers: { anthropic: { apiKey: SECRET } },
    });
    const session = await manager.createSession("ann", "anthropic", "claude-sonnet-5-5");
    await manager.close();
    const r = await cli(["--db", db, "chat", "--session", session.sessionId], "hi\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("set ANTHROPIC_API_KEY");
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe("chat --user and --model values", () => {
  for (const flag of ["--user", "--model"]) {
    it(`refuses an empty ${flag} before the chat starts, naming the flag`, async () => {
      const r = await runCli(["--storage", "memory", "chat", flag, ""], { input: "hi\nthere\n" });
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/^session /m);
      expect(r.stderr).toContain(`invalid ${flag}`);
    });
  }

  it("refuses a user id over the library's limit up front, on a resumed session too", async () => {
    const db = join(dir, "long-user.db");
    const long = "u".repeat(257);
    const r = await cli(["--db", db, "chat", "--user", long], "hi\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid --user: must be at most 256 characters");
    expect(existsSync(db)).toBe(false);
    const resumed = await cli(
      ["--storage", "memory", "chat", "--session", "s", "--user", ""],
      "hi\n",
    );
    expect(resumed.stderr).toContain("invalid --user: must not be empty");
  });
});

describe("chat --session", () => {
  it("refuses --provider or --model with --session, even when they name the defaults", async () => {
    const db = join(dir, "resume.db");
    const first = await cli(["--db", db, "chat"], "hello\n");
    expect(first.code).toBe(0);
    const id = /session (\S+) /.exec(first.stderr)![1]!;
    const cases: [string[], RegExp][] = [
      [["--model", "other-model"], /invalid --model: .*--session/],
      [["--provider", "mock"], /invalid --provider: .*--session/],
      [["--model", "mock-model"], /invalid --model: .*--session/],
      [["--provider", "mock", "--model", "x"], /invalid --provider and --model: .*--session/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(["--db", db, "chat", "--session", id, ...flags], "again\n");
      expect(r.code, flags.join(" ")).toBe(1);
      expect(r.stderr, flags.join(" ")).toMatch(message);
      expect(r.stdout).toBe("");
    }
    const resumed = await cli(["--db", db, "chat", "--session", id], "again\n");
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("(mock/mock-model)");
    const shown = await cli(["--db", db, "sessions", "show", id, "--json"]);
    const messages = JSON.parse(shown.stdout).messages as { content: string }[];
    expect(messages.map((m) => m.content)).toEqual([
      "hello",
      "Echo: hello",
      "again",
      "Echo: again",
    ]);
  });
});

describe("--connection-string", () => {
  it("names --connection-string when it is not a valid URL", async () => {
    const r = await runCli([
      "--storage",
      "postgres",
      "--connection-string",
      "postgres://app:pw@127.0.0.1:99999/app",
      "sessions",
      "list",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connection-?string/i);
    expect(r.stderr).toContain("VALIDATION_ERROR");
    expect(r.stderr).not.toContain("pw@");
  });

  it("names DATABASE_URL when the bad URL comes from there, without quoting it", async () => {
    const env = { DATABASE_URL: "mysql://app:secret-pw@db/app" };
    const r = await runCli(["--storage", "postgres", "chat"], { input: "hi\n", env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "invalid DATABASE_URL: is not a valid postgres:// or postgresql:// URL",
    );
    expect(r.stderr).not.toContain("secret-pw");
  });
});

describe("CLI odds and ends", () => {
  it("prints the package's version", async () => {
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"),
    ) as { version: string };
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("counts in the migrate summary: 1 warning, 1 session", async () => {
    const source = join(dir, "one-warning-v1.db");
    // message_count 1 for 4 messages: the migrator warns about it.
    writeV1(source, [{ session_id: "off", message_count: 1, messages: v1Messages(4) }]);
    const report = join(dir, "one-warning.json");
    const target = join(dir, "one-warning.db");
    const r = await cli(["migrate", source, target, "--timezone", "UTC", "--report", report]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("migrated 1, skipped 0, failed 0 of 1 session; 4 of 4 messages");
    expect(r.stdout).toMatch(/^1 warning:$/m);
    expect(r.stdout).not.toContain("warnings");
  });
});
