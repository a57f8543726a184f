import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("chat --provider with a misspelt name", () => {
  it("names the unknown provider, not a missing --model", async () => {
    // A newcomer's typo: `--provider openia`. Today the CLI says
    // `invalid --model: must be given with --provider openia`, so the user adds --model and only
    // then learns the provider does not exist.
    const r = await runCli(["--storage", "memory", "chat", "--provider", "openia"], {
      input: "hi\n",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid --provider: "openia" is not available/);
    expect(r.stderr).not.toMatch(/invalid --model/);
  });
});
