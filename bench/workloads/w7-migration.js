/**
 * W7: V1 migration throughput on a generated V1 database of 2,000 sessions and ~100,000
 * messages into SQLite, and peak memory at that size and at twice it (flat means streamed).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { generateV1Database } from "../../.tmp/bench-build/test/migration/v1-fixture.js";
import { result, tempDir } from "../lib.js";

const MESSAGES_PER_SESSION = 50;

export async function w7() {
  const dir = tempDir("bench-w7");
  try {
    const small = run(dir.dir, 2_000);
    const large = run(dir.dir, 4_000);
    const floor = copied(dir.dir, 2_000);
    const perMessage = (f) => (f.ms * 1000) / f.messages;
    return [
      result("W7", "sqlite", "messages migrated per second (2,000 sessions, 100,000 messages)", {
        lib: small.messages / (small.ms / 1000),
        unit: "msg/s",
        min: 50_000,
      }),
      result("W7", "sqlite", "µs per message vs a plain copy of the same rows", {
        lib: perMessage(small),
        floor: perMessage(floor),
        unit: "µs",
        note: "floor: better-sqlite3 copying the V1 rows into the same schema, no checks",
      }),
      result("W7", "sqlite", "peak heap, 200,000 / 100,000 messages (flat = streamed)", {
        lib: large.peakHeapMb,
        floor: small.peakHeapMb,
        unit: "MB",
      }),
      result("W7", "sqlite", "max RSS, 200,000 / 100,000 messages", {
        lib: large.maxRssMb,
        floor: small.maxRssMb,
        unit: "MB",
      }),
    ];
  } finally {
    dir.remove();
  }
}

/** The floor's copy of the V1 file `run` made for `sessions` (see w7-floor.js). */
function copied(dir, sessions) {
  const source = join(dir, `v1-${sessions}.db`);
  const target = join(dir, `floor-${sessions}.db`);
  const out = execFileSync(process.execPath, ["bench/w7-floor.js", source, target], {
    encoding: "utf8",
  });
  const figures = JSON.parse(out);
  if (figures.messages !== sessions * MESSAGES_PER_SESSION) {
    throw new Error(`W7 floor did not copy everything: ${out}`);
  }
  return figures;
}

function run(dir, sessions) {
  const source = join(dir, `v1-${sessions}.db`);
  generateV1Database(source, { sessions, messagesPerSession: MESSAGES_PER_SESSION });
  const target = join(dir, `v2-${sessions}.db`);
  const out = execFileSync(process.execPath, ["bench/w7-worker.js", source, target], {
    encoding: "utf8",
  });
  const figures = JSON.parse(out);
  if (figures.failed > 0 || figures.messages !== sessions * MESSAGES_PER_SESSION) {
    throw new Error(`W7 run did not migrate everything: ${out}`);
  }
  return figures;
}
