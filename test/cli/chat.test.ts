import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { startAnthropicServer } from "../providers/fake/anthropic-server.js";

import { CLI_BIN, runCli, type CliRun } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "lss-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const exec = promisify(execFile);

/** Runs the built CLI with `input` on a pipe, and `env` over this process's environment. */
function cli(args: string[], input = "", env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { input, env });
}

/** A running CLI (under `script` for a terminal) with helpers to wait for its output. */
function running(command: string, args: string[]) {
  const child = spawn(command, args, { env: { ...process.env, OPENAI_API_KEY: "" } });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stdout += d));
  const closed = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
  return {
    child,
    closed,
    output: () => stdout,
    async waitFor(pattern: RegExp, from = 0): Promise<void> {
      for (let waited = 0; !pattern.test(stdout.slice(from)); waited += 10) {
        if (waited > 10_000) throw new Error(`no ${pattern} in: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

async function shownMessages(
  db: string,
): Promise<{ role: string; content: string; finishReason?: string }[]> {
  const [listed] = JSON.parse((await cli(["--db", db, "sessions", "list", "--json"])).stdout) as {
    sessionId: string;
  }[];
  const shown = await cli(["--db", db, "sessions", "show", listed!.sessionId, "--json"]);
  return JSON.parse(shown.stdout).messages;
}

const LONG = "hello there, this is a long message that takes a while to stream back";

describe("langswarm-session CLI", () => {
  const db = join(dir, "cli.db");

  it("chats from a pipe, with slash commands, and stores the conversation", async () => {
    const script =
      "Hello!\n/system Be brief.\nSecond line\n/history\n/metrics\n/quit\nnever sent\n";
    const { code, stdout, stderr } = await cli(["--db", db, "chat", "--user", "ann"], script);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^session [0-9a-f-]{36} \(mock\/mock-model\)/);
    expect(stdout).toContain("Echo: Hello!\n");
    expect(stdout).toContain("system message added");
    expect(stdout).toMatch(/system\s+Be brief\./);
    expect(stdout).toMatch(/totalMessages/);
    expect(stdout).not.toContain("never sent");
  });

  it("lists and shows sessions as tables and as JSON", async () => {
    const { stdout } = await cli(["--db", db, "sessions", "list", "--user", "ann", "--json"]);
    const sessions = JSON.parse(stdout) as { sessionId: string; messageCount: number }[];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.messageCount).toBe(5);
    const table = await cli(["--db", db, "sessions", "list"]);
    expect(table.stdout).toMatch(/session\s+user\s+model\s+status/);
    expect(table.stdout).toContain(sessions[0]!.sessionId);
    expect(table.stderr).not.toContain("more sessions follow");
    const other = join(dir, "two-sessions.db");
    for (const user of ["ann", "bob"]) await cli(["--db", other, "chat", "--user", user], "hi\n");
    const cut = await cli(["--db", other, "sessions", "list", "--limit", "1"]);
    expect(cut.stderr).toContain("(more sessions follow: raise --limit)");
    const shown = JSON.parse(
      (await cli(["--db", db, "sessions", "show", sessions[0]!.sessionId, "--json"])).stdout,
    );
    expect(shown.messages.map((m: { role: string }) => m.role)).toEqual([
      "user",
      "assistant",
      "system",
      "user",
      "assistant",
    ]);
    expect(shown.metrics.totalMessages).toBe(5);
  });

  it("stores a new session once something is said: a chat quit at once, or that only looked, leaves none", async () => {
    const fresh = join(dir, "quit-at-once.db");
    // A chat that stored nothing may not have made the file at all.
    const listed = async () =>
      existsSync(fresh)
        ? (JSON.parse((await cli(["--db", fresh, "sessions", "list", "--json"])).stdout) as {
            sessionId: string;
          }[])
        : [];
    for (const input of ["", "/quit\n", "\n\n", "/history\n/metrics\n/clear\n"]) {
      expect((await cli(["--db", fresh, "chat"], input)).code).toBe(0);
    }
    expect((await cli(["--db", fresh, "chat"], "/typo\n")).code).toBe(1);
    expect((await cli(["--db", fresh, "chat"], "/system\n")).code).toBe(1); // refused: nothing said
    expect(await listed()).toEqual([]);
    // The storage is still reached at start: a --db that cannot be opened fails at once.
    const bad = await cli(["--db", join(dir, "no-such-dir", "x.db"), "chat"], "hi\n");
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toMatch(/^session /);
    const { stderr } = await cli(["--db", fresh, "chat"], "hi\n");
    const shown = /^session ([0-9a-f-]{36})/.exec(stderr)![1];
    expect((await listed()).map((x) => x.sessionId)).toEqual([shown]);
  });

  it("resumes a session and keeps its history", async () => {
    const [first] = JSON.parse((await cli(["--db", db, "sessions", "list", "--json"])).stdout) as {
      sessionId: string;
    }[];
    const { code } = await cli(
      ["--db", db, "chat", "--user", "ann", "--session", first!.sessionId, "--no-stream"],
      "Again\n",
    );
    expect(code).toBe(0);
    const shown = JSON.parse(
      (await cli(["--db", db, "sessions", "show", first!.sessionId, "--json"])).stdout,
    );
    expect(shown.messages.at(-1).content).toBe("Echo: Again");
  });

  it("resumes a session as its own user when --user is not given, and refuses another user's", async () => {
    const [first] = JSON.parse((await cli(["--db", db, "sessions", "list", "--json"])).stdout) as {
      sessionId: string;
    }[];
    const resumed = await cli(["--db", db, "chat", "--session", first!.sessionId], "Hi again\n");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("Echo: Hi again");
    const other = await cli(
      ["--db", db, "chat", "--session", first!.sessionId, "--user", "bob"],
      "x\n",
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("SESSION_NOT_FOUND");
  });

  it("exits 1 after a scripted chat in which a line failed, having run the others", async () => {
    const failing = join(dir, "failing.db");
    const { code, stdout, stderr } = await cli(
      ["--db", failing, "chat"],
      "Hello\n/system\nStill here\n",
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      "error: [session] invalid /system: needs the text of the system message",
    );
    expect(stdout).toContain("Echo: Hello\n");
    expect(stdout).toContain("Echo: Still here\n");
  });

  it("takes commands in any case, and counts an unknown one as a failed line, on stderr", async () => {
    const db2 = join(dir, "commands.db");
    const { code, stdout, stderr } = await cli(
      ["--db", db2, "chat"],
      "Hi\n/HISTORY\n/foo\n/Quit now\nlost\n",
    );
    expect(code).toBe(1);
    expect(stdout).toContain("Echo: Hi");
    expect(stdout).toContain("assistant"); // the history table
    expect(stdout).not.toContain("/foo");
    expect(stderr).toContain("error: [session] invalid command: unknown: /foo; the commands are");
    expect(stdout).not.toContain("Echo: lost"); // /Quit now ended the chat
  });

  it("shows stored text on one line in tables, without control characters", async () => {
    const tables = join(dir, "tables.db");
    const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath: tables } });
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("two\nlines and a \u001b[31mred\u001b[0m word");
    await manager.close();
    const { stdout } = await cli(["--db", tables, "sessions", "show", session.sessionId]);
    expect(stdout).not.toContain("\u001b");
    expect(stdout).toMatch(/ user +two lines and a {2}\[31mred \[0m word\n/);
    expect(stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
  });

  it("exits non-zero with a clear message for an unknown session or bad flags", async () => {
    const missing = await cli(["--db", db, "sessions", "show", "no-such-session"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("session not found: no-such-session (SESSION_NOT_FOUND)");
    const bad = await cli(["--db", db, "--storage", "redis", "sessions", "list"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid storage");
    const latency = await cli(["--db", join(dir, "none.db"), "chat", "--mock-latency", "1e3"]);
    expect(latency.code).toBe(1);
    expect(latency.stderr).toContain(
      'invalid --mock-latency: must be an integer from 0 to 60000, got "1e3"',
    );
    expect(existsSync(join(dir, "none.db"))).toBe(false);
    // Reading commands do not make a database out of a mistyped --db.
    for (const args of [
      ["sessions", "list"],
      ["sessions", "show", "x"],
    ]) {
      const typo = await cli(["--db", join(dir, "typo.db"), ...args]);
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain(`invalid db: there is no database at ${join(dir, "typo.db")}`);
    }
    expect(existsSync(join(dir, "typo.db"))).toBe(false);
    const stray = await cli([
      "--db",
      db,
      "--connection-string",
      "postgres://h/db",
      "sessions",
      "list",
    ]);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain("invalid connection-string: is for --storage postgres");
  });

  it("refuses bad sessions list flags with a validation error naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--limit", "abc"], /invalid --limit: must be an integer from 1 to 1000/],
      [["--limit", "-1"], /invalid --limit: must be an integer from 1 to 1000/],
      [["--limit", "0"], /invalid --limit/],
      [["--limit", "1e2"], /invalid --limit/],
      [["--status", "bogus"], /invalid --status: must be one of active, .*, got "bogus"/],
    ];
    for (const [flags, message] of cases) {
      const { code, stdout, stderr } = await cli(["--db", db, "sessions", "list", ...flags]);
      expect(code, flags.join(" ")).toBe(1);
      expect(stderr, flags.join(" ")).toMatch(message);
      expect(stderr).toContain("(VALIDATION_ERROR)");
      expect(stdout).toBe("");
    }
    const flags = ["--status", "active", "--limit", "1", "--json"];
    const ok = await cli(["--db", db, "sessions", "list", ...flags]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toBeInstanceOf(Array);
  });

  it("stops a streamed reply on Ctrl+C from a pipe, keeps what arrived, and exits", async () => {
    const piped = join(dir, "piped.db");
    const chat = running(process.execPath, [
      CLI_BIN,
      "--db",
      piped,
      "chat",
      "--mock-latency",
      "40",
    ]);
    chat.child.stdin.write(`${LONG}\n`); // stdin stays open: the signal alone ends the chat
    await chat.waitFor(/Echo: hello/);
    chat.child.kill("SIGINT");
    expect(await chat.closed).toBe(0);
    expect(chat.output()).toContain(" [stopped]\n");
    const [input, reply] = await shownMessages(piped);
    expect(input).toMatchObject({ role: "user", content: LONG });
    expect(reply).toMatchObject({ role: "assistant", finishReason: "aborted" });
    expect(`Echo: ${LONG}`.startsWith(reply!.content)).toBe(true);
    expect(reply!.content.length).toBeLessThan(`Echo: ${LONG}`.length);
  });

  it("in a terminal, Ctrl+C stops the reply and returns to the prompt; at the prompt it quits", async () => {
    const tty = join(dir, "tty.db");
    const chat = running("script", [
      "-qfec",
      `${process.execPath} ${CLI_BIN} --db ${tty} chat --mock-latency 40`,
      "/dev/null",
    ]);
    await chat.waitFor(/you> /);
    chat.child.stdin.write(`${LONG}\r`);
    await chat.waitFor(/Echo: hello/);
    chat.child.stdin.write("\x03");
    await chat.waitFor(/\[stopped\]/);
    const at = chat.output().length;
    chat.child.stdin.write("after\r");
    await chat.waitFor(/Echo: after[^]*you> /, at);
    chat.child.stdin.write("\x03");
    expect(await chat.closed).toBe(0);
    const messages = await shownMessages(tty);
    expect(messages.map((m) => [m.role, m.finishReason])).toEqual([
      ["user", undefined],
      ["assistant", "aborted"],
      ["user", undefined],
      ["assistant", "stop"],
    ]);
    expect(messages[3]!.content).toBe("Echo: after");
  });

  it("prints help", async () => {
    const { stdout } = await exec(process.execPath, [CLI_BIN, "--help"]);
    expect(stdout).toContain("chat");
    expect(stdout).toContain("sessions");
  });
});

describe("langswarm-session chat against a provider over HTTP", () => {
  it("ends a reply that failed mid-stream with its line, so the next reply starts a line of its own", async () => {
    const server = await startAnthropicServer();
    try {
      server.enqueueStreamError(3, "overloaded_error");
      const env = { ANTHROPIC_API_KEY: "sk-ant-test-0123456789", ANTHROPIC_BASE_URL: server.url };
      const db = join(dir, "http.db");
      const args = ["--db", db, "chat", "--provider", "anthropic", "--model", "claude-haiku-4-5"];
      const { code, stdout, stderr } = await cli(args, "first line\nsecond line\n", env);
      expect(code).toBe(1);
      expect(stderr).toContain("overloaded_error");
      expect(stdout.split("\n")).toContain("Echo: second line");
    } finally {
      await server.close();
    }
  });
});
