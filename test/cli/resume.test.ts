import { afterAll, describe, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { writeV1 } from "../migration/fix-helpers.js";
import { tempDir } from "../migration/helpers.js";

import { runCli, type CliRun } from "../helpers/cli.js";

const tmp = tempDir("cli-resume-");
afterAll(tmp.cleanup);

function cli(args: string[], input = ""): Promise<CliRun> {
  return runCli(args, { input });
}

describe("chat --session on a migrated V1 session", () => {
  it("refuses up front a session whose provider the CLI cannot run (as it does for a new one)", async () => {
    const src = tmp.path("v1.db");
    const dst = tmp.path("v2.db");
    writeV1(src, [
      {
        session_id: "s1",
        provider: "mistral",
        messages: [
          { id: "u1", role: "user", content: "hi", timestamp: "2024-03-04T09:00:01.000001" },
        ],
      },
    ]);
    await migrateV1({
      source: src,
      target: dst,
      timezone: "UTC",
      providerMap: { mistral: "openai-compatible" },
    });
    const r = await cli(["--db", dst, "chat", "--session", "s1"], "one\ntwo\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid --session: "openai-compatible" is not available in the CLI/);
    expect(r.stderr).not.toMatch(/^session s1 /m); // no chat was started, no line was sent
  });
});
