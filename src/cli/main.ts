import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { chatCommand } from "./commands/chat.js";
import { migrateCommand } from "./commands/migrate.js";
import { sessionsCommand } from "./commands/sessions.js";
import { reportError } from "./utils.js";

/** Builds the command tree; each command lives in its own file under `commands/`. */
export function buildProgram(): Command {
  const program = new Command("langswarm-session")
    .description("Manage LLM conversation sessions: chat, list, inspect, migrate from V1.")
    .version(packageVersion())
    .option("--storage <kind>", "memory | sqlite | postgres", "sqlite")
    .option("--db <path>", "SQLite file", "langswarm-sessions.db")
    .option("--connection-string <url>", "Postgres connection string (or DATABASE_URL)")
    .showHelpAfterError()
    .exitOverride();
  chatCommand(program);
  sessionsCommand(program);
  migrateCommand(program);
  return program;
}

/**
 * Read at run time, not compiled in: package.json is outside `rootDir`. It sits two levels above
 * both src/cli/ and dist/cli/, in this repository and in the installed package alike.
 */
function packageVersion(): string {
  return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
}

/** Runs the CLI and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error);
  }
}
