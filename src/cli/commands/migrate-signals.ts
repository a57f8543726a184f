import { constants } from "node:os";

/**
 * The signals that stop a run the way the first Ctrl+C does: `kill`, `timeout`, `docker stop`,
 * systemd and CI cancellation send SIGTERM, a closed terminal SIGHUP. Unhandled, they end the
 * process at once: no report, and an earlier run's report passes for this one's.
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

export interface Interruption {
  /** Aborted by the first stop signal. */
  signal: AbortSignal;
  /** The stop signal received, or null. */
  received: () => StopSignal | null;
  dispose: () => void;
}

/**
 * The first stop signal stops the run after the session it is at, so that the report says how
 * far it got; a second one (of any of them) ends the process at once, as no listener is left
 * (the next run resumes either way).
 */
export function onStopSignals(): Interruption {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const dispose = (): void => {
    for (const name of STOP_SIGNALS) process.off(name, stop);
  };
  const stop = (name: StopSignal): void => {
    dispose();
    received = name;
    const again = name === "SIGINT" ? "Ctrl+C" : name;
    process.stderr.write(`\nstopping after the current session (${again} again to quit at once)\n`);
    controller.abort();
  };
  for (const name of STOP_SIGNALS) process.on(name, stop);
  return { signal: controller.signal, received: () => received, dispose };
}

/** The report's `fatal` for a run a signal stopped. */
export function interruptedBy(name: StopSignal): string {
  return name === "SIGINT" ? "interrupted (Ctrl+C)" : `interrupted (${name})`;
}

/** 128 + the signal's number, as a shell reports a process the signal ended: 130, 143, 129. */
export function interruptedExitCode(name: StopSignal): number {
  return 128 + constants.signals[name];
}
