/** The message a failed fuzz test shows: enough to replay the run and see where it went wrong. */
import { errText } from "./model.js";
import type { FuzzResult } from "./runner.js";

export function failureReport(backend: string, res: FuzzResult): string {
  return [
    `${backend} fuzz failed; replay with FUZZ_SEED=${res.seed} (ops run: ${res.opsRun})`,
    ...res.unhandled.map((e) => `unhandled rejection: ${errText(e)}`),
    ...res.violations.slice(0, 20),
    "last operations:",
    ...res.recent.map((line) => `  ${line}`),
  ].join("\n");
}
