import type { Command } from "commander";
import type { SessionQuery } from "../../storage/types.js";
import type { SessionRecord } from "../../types.js";
import { requireStatus, requireString } from "../../validate.js";
import { openManager, parseCount, printTable } from "../utils.js";

/** The most sessions one listing prints, as for `getUserSessions`. */
const MAX_LIMIT = 1000;

interface ListOptions {
  user?: string;
  status?: string; // checked by listQuery
  limit: string;
  json?: boolean;
}

/** `sessions list` and `sessions show <id>`: human tables, or `--json` for scripts. */
export function sessionsCommand(program: Command): void {
  const sessions = program.command("sessions").description("list and inspect stored sessions");
  sessions
    .command("list")
    .description("sessions, newest activity first")
    .option("--user <id>", "only this user's sessions")
    .option("--status <status>", "active | paused | completed | archived | error")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print JSON")
    .action(async (options: ListOptions, command: Command) => {
      const query = listQuery(options); // before opening: a bad flag must not touch storage
      const manager = openManager(command, null, { existing: true });
      try {
        const page = await manager.storage.listSessions(query);
        if (options.json) print(page.sessions);
        else printTable(page.sessions.map(listRow));
        // A cut-off list must not read as all there is, for a script (--json) as for a person.
        if (page.next) process.stderr.write(`(more sessions follow: raise --limit)\n`);
      } finally {
        await manager.close();
      }
    });
  sessions
    .command("show <id>")
    .description("one session with its metrics and messages")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const manager = openManager(command, null, { existing: true });
      try {
        const session = await manager.getSession(id);
        const [record, metrics, messages] = [
          await session.refresh(),
          await session.getMetrics(),
          await session.getMessages(),
        ];
        if (options.json) return print({ session: record, metrics, messages });
        printTable([
          {
            session: record.sessionId,
            user: record.userId,
            model: `${record.provider}/${record.model}`,
            status: record.status,
            created: record.createdAt,
          },
        ]);
        process.stdout.write("\n");
        printTable([{ ...metrics, costUsd: metrics.costUsd ?? "unknown" }]);
        process.stdout.write("\n");
        printTable(messages.map((m) => ({ time: m.timestamp, role: m.role, content: m.content })));
      } finally {
        await manager.close();
      }
    });
}

/** One line of the `sessions list` table. */
function listRow(s: SessionRecord): Record<string, unknown> {
  return {
    session: s.sessionId,
    user: s.userId,
    model: `${s.provider}/${s.model}`,
    status: s.status,
    messages: s.messageCount,
    tokens: s.inputTokens + s.outputTokens,
    lastActivity: s.lastActivity,
    name: s.name,
  };
}

/**
 * The flags as a storage query. Listing all users' sessions goes to storage directly (the
 * manager lists one user's), so the flags get the manager's checks here, named as flags.
 */
function listQuery(options: ListOptions): SessionQuery {
  return {
    userId: options.user === undefined ? undefined : requireString("--user", options.user),
    status: options.status === undefined ? undefined : requireStatus(options.status, "--status"),
    limit: parseCount("--limit", options.limit, 1, MAX_LIMIT),
  };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
