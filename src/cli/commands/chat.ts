import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { CommanderError, type Command } from "commander";
import { SessionError, ValidationError, type Session, type SessionManager } from "../../index.js";
import { requireString } from "../../validate.js";
import {
  openManager,
  outputClosed,
  parseCount,
  printTable,
  reportError,
  isCliProvider,
  requireProvider,
} from "../utils.js";

// No commander defaults for --provider and --model: whether they were given decides whether they
// may be given (not with --session) and whether --model may be left out (only for the mock).
interface ChatOptions {
  user?: string;
  provider?: string;
  model?: string;
  session?: string;
  stream: boolean;
  mockLatency: string;
}

/** What a new session runs on; null when resuming one, which keeps its own. */
type NewSession = { provider: string; model: string } | null;

const HELP = "/history  /metrics  /system <text>  /clear  /quit";

/** `chat`: an interactive conversation; also scriptable (`echo hi | langswarm-session chat`). */
export function chatCommand(program: Command): void {
  program
    .command("chat")
    .description(
      "chat in a session (new, or --session <id> to resume); reads lines from a pipe too",
    )
    .option("--user <id>", "user id (default local-user; on --session, the session's own)")
    .option(
      "--provider <name>",
      "a new session's provider: mock (default), openai (key from OPENAI_API_KEY), anthropic (ANTHROPIC_API_KEY)",
    )
    .option(
      "--model <name>",
      "a new session's model; required unless the provider is mock (mock-model)",
    )
    .option("--session <id>", "resume this session, on its own provider and model")
    .option("--no-stream", "print whole replies instead of streaming")
    .option("--mock-latency <ms>", "the mock's delay before a reply and between chunks", "0")
    .action(async (options: ChatOptions, command: Command) => {
      const latencyMs = parseCount("--mock-latency", options.mockLatency, 0, 60_000);
      const fresh = newSession(options); // before opening: a bad flag must not touch storage
      const manager = openManager(command, latencyMs ? { latencyMs } : null);
      let failed: number;
      try {
        failed = await chat(await open(manager, options, fresh), options.stream);
      } finally {
        await manager.close();
      }
      // A script learns that some of its lines failed (each was reported as it happened).
      if (failed) throw new CommanderError(1, "langswarm.failedLines", `${failed} lines failed`);
    });
}

/**
 * Checks --user, --provider, --model and --session together; applies the mock's defaults. A bad
 * value is refused here, named as a flag: the manager would refuse it on every line instead.
 */
function newSession(options: ChatOptions): NewSession {
  if (options.user !== undefined) requireString("--user", options.user);
  if (options.session !== undefined) requireString("--session", options.session);
  const given = (["provider", "model"] as const)
    .filter((flag) => options[flag] !== undefined)
    .map((flag) => `--${flag}`)
    .join(" and ");
  if (options.session !== undefined) {
    if (!given) return null;
    const reason = "a resumed session keeps its own provider and model; --provider and --model";
    throw new ValidationError(given, `cannot be used with --session (${reason} start a new one)`);
  }
  const provider = options.provider ?? "mock";
  // A misspelt name is named first, not the --model it lacks; a missing key after the model.
  if (!isCliProvider(provider)) requireProvider("--provider", provider);
  if (provider !== "mock" && options.model === undefined) {
    const reason = `must be given with --provider ${provider} (mock-model is only the mock's)`;
    throw new ValidationError("--model", reason);
  }
  requireProvider("--provider", provider);
  const model =
    options.model === undefined ? "mock-model" : requireString("--model", options.model);
  return { provider, model };
}

/**
 * The resumed session, or a new one that is stored once something is said in it (a message, a
 * system message): a chat quit at once, or that only looked, leaves no empty session behind. Its
 * id is chosen now, to be shown.
 */
async function open(
  manager: SessionManager,
  options: ChatOptions,
  fresh: NewSession,
): Promise<ChatSession> {
  if (fresh) {
    const sessionId = randomUUID();
    // The storage is reached now: a wrong --db or a server that does not answer fails at start.
    await manager.storage.getSession(sessionId);
    let made: Session | null = null;
    const create = async (): Promise<Session> =>
      (made ??= await manager.createSession(
        options.user ?? "local-user",
        fresh.provider,
        fresh.model,
        { sessionConfig: { sessionId } },
      ));
    return { sessionId, ...fresh, get: create, stored: () => made };
  }
  const user = options.user === undefined ? {} : { userId: options.user };
  const session = await manager.getSession(options.session!, user);
  requireProvider("--session", session.provider); // else every line would fail the same way
  const { sessionId, provider, model } = session;
  return { sessionId, provider, model, get: async () => session, stored: () => session };
}

/** What the chat shows of its session, and the session: stored once needed (`get`), or not yet. */
interface ChatSession {
  sessionId: string;
  provider: string;
  model: string;
  get: () => Promise<Session>;
  stored: () => Session | null;
}

/** Runs the chat; returns how many lines failed when reading a pipe (0 on a terminal). */
async function chat(chatting: ChatSession, stream: boolean): Promise<number> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = createInterface({
    input: process.stdin,
    output: tty ? process.stdout : undefined,
    terminal: tty,
  });
  process.stderr.write(
    `session ${chatting.sessionId} (${chatting.provider}/${chatting.model}). ${HELP}\n`,
  );
  rl.setPrompt("you> ");
  let turn: AbortController | null = null;
  let stopped = false;
  let failed = 0;
  const stop = (): void => {
    turn?.abort();
    stopped = true;
    rl.close();
  };
  // Ctrl+C stops the reply being written (what arrived is kept, marked aborted). At the prompt,
  // or when reading a pipe, it ends the chat; either way the storage is closed properly.
  const interrupt = (): void => (turn && tty ? turn.abort() : stop());
  rl.on("SIGINT", interrupt); // a terminal: readline reads Ctrl+C as a key
  process.on("SIGINT", interrupt); // a pipe: Ctrl+C is a signal
  // Nobody reads the replies any more (`chat | head`): asking for more would only cost tokens.
  outputClosed.addEventListener("abort", stop);
  try {
    if (tty) rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      const word = text.split(/\s/, 1)[0]!.toLowerCase();
      if (stopped || word === "/quit" || word === "/exit") break;
      if (text) {
        turn = new AbortController();
        const signal = turn.signal;
        const ok = await handle(chatting, text, stream, tty, signal).then(
          () => true,
          reportTurnError,
        );
        if (!ok && !tty) failed++;
        turn = null;
      }
      if (tty) rl.prompt();
    }
  } finally {
    process.off("SIGINT", interrupt);
    outputClosed.removeEventListener("abort", stop);
    rl.close();
  }
  return failed;
}

async function handle(
  chatting: ChatSession,
  text: string,
  stream: boolean,
  tty: boolean,
  signal: AbortSignal,
): Promise<void> {
  if (text.startsWith("/")) return command(chatting, text);
  const session = await chatting.get();
  const out = process.stdout;
  if (tty) out.write("assistant> ");
  let written = false;
  try {
    if (!stream) {
      out.write(`${(await session.sendMessage(text, { signal })).content}\n`);
      return;
    }
    for await (const delta of session.streamMessage(text, { signal })) {
      out.write(delta);
      written = true;
    }
    out.write("\n");
  } catch (error) {
    if (!signal.aborted) {
      if (written) out.write("\n"); // a reply cut short must not run into the next one
      throw error;
    }
    out.write(" [stopped]\n");
  }
}

/** A slash command; only `/system` stores a session not stored yet (see `open`). */
async function command(chatting: ChatSession, text: string): Promise<void> {
  const [given, ...rest] = text.split(" ");
  const name = given!.toLowerCase();
  const arg = rest.join(" ").trim();
  const session = chatting.stored();
  if (name === "/history") {
    const messages = session ? await session.getMessages() : [];
    printTable(messages.map((m) => ({ time: m.timestamp, role: m.role, content: m.content })));
  } else if (name === "/metrics") {
    if (!session) process.stdout.write("nothing said yet\n");
    else {
      const m = await session.getMetrics();
      printTable([{ ...m, costUsd: m.costUsd ?? "unknown" }]);
    }
  } else if (name === "/system") {
    // Checked before the session is stored: a refused line must not leave an empty one.
    if (!arg) throw new ValidationError("/system", "needs the text of the system message");
    await (await chatting.get()).sendSystemMessage(arg);
    process.stdout.write("system message added\n");
  } else if (name === "/clear") {
    await session?.clearMessages();
    process.stdout.write("history cleared\n");
  } else {
    throw new ValidationError("command", `unknown: ${given}; the commands are ${HELP}`);
  }
}

function reportTurnError(error: unknown): false {
  // A failed turn is reported and the chat goes on; anything else is a bug worth its stack.
  if (error instanceof SessionError) process.stderr.write(`error: ${error.message}\n`);
  else reportError(error);
  return false;
}
