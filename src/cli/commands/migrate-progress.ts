import cliProgress from "cli-progress";
import type { MigrationProgress } from "../../migration/index.js";

let stderrFailed = false;
let watching = false;

/**
 * Progress is a side channel: a reader of stderr that goes away (`migrate … 2>&1 | head`) must not
 * stop the migration half way. Without a listener, the EPIPE of the next write kills the process
 * (no report, target half written). From the first write error on, progress is no longer written
 * and the run finishes with its own exit status. Stays for the process's life: writes after the
 * run (the report's path, an interruption note) may fail the same way.
 */
export function watchStderr(stream: NodeJS.WriteStream = process.stderr): void {
  if (watching) return;
  watching = true;
  stream.on("error", () => {
    stderrFailed = true;
  });
}

/** Whether stderr can still take progress. */
function stderrUsable(): boolean {
  return !stderrFailed && !process.stderr.destroyed;
}

export interface ProgressDisplay {
  update: (p: MigrationProgress) => void;
  stop: () => void;
}

const rate = (n: number, p: MigrationProgress): number =>
  Math.round((n * 1000) / Math.max(p.elapsedMs, 1));

/** A bar on a terminal; on a pipe, a plain line at most once a second and at the end. */
export function progressDisplay(): ProgressDisplay {
  return process.stderr.isTTY ? progressBar() : progressLines();
}

function progressBar(): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      // Keep the terminal's line wrapping (the bar is cut to its width instead): by default the
      // bar turns it off, and a Ctrl+C left it off in the user's shell.
      linewrap: true,
      format: "migrating [{bar}] {value}/{total} sessions | {sps} sessions/s | {mps} messages/s",
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last = -Infinity;
  return {
    update: (p) => {
      if (!stderrUsable()) return;
      // The bar redraws at most 10 times a second; feeding it every session only costs time.
      if (p.elapsedMs - last < 100 && p.processedSessions < p.totalSessions) return;
      last = p.elapsedMs;
      const payload = { sps: rate(p.processedSessions, p), mps: rate(p.migratedMessages, p) };
      if (!started) bar.start(p.totalSessions, 0, payload);
      started = true;
      bar.update(p.processedSessions, payload);
    },
    stop: () => started && bar.stop(),
  };
}

function progressLines(): ProgressDisplay {
  let last = 0;
  return {
    update: (p) => {
      const done = p.processedSessions === p.totalSessions;
      if ((!done && p.elapsedMs - last < 1000) || !stderrUsable()) return;
      last = p.elapsedMs;
      process.stderr.write(
        `progress: ${p.processedSessions}/${p.totalSessions} sessions, ${p.migratedMessages} messages, ` +
          `${rate(p.processedSessions, p)} sessions/s, ${rate(p.migratedMessages, p)} messages/s\n`,
      );
    },
    stop: () => undefined,
  };
}
