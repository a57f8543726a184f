import type { Command } from "commander";
import type { SessionStatus } from "../../index.js";
import { openManager, printTable } from "../utils.js";

interface ListOptions {
  user?: string;
  status?: SessionStatus;
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
      const manager = openManager(command);
      try {
        const page = await manager.storage.listSessions({
          userId: options.user,
          status: options.status,
          limit: Number(options.limit),
        });
        if (options.json) return print(page.sessions);
        printTable(
          page.sessions.map((s) => ({
            session: s.sessionId,
            user: s.userId,
            model: `${s.provider}/${s.model}`,
            status: s.status,
            messages: s.messageCount,
            tokens: s.inputTokens + s.outputTokens,
            lastActivity: s.lastActivity,
            name: s.name,
          })),
        );
      } finally {
        await manager.close();
      }
    });
  sessions
    .command("show <id>")
    .description("one session with its metrics and messages")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const manager = openManager(command);
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

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
