import { describe, expect, it } from "vitest";
import { redact, registerSecret } from "../../src/internal/redact.js";

describe("redact", () => {
  it("removes registered keys, key-shaped text, bearer tokens and masked echoes of any shape", () => {
    registerSecret("plain-registered-secret-value");
    const text =
      "key plain-registered-secret-value; sk-proj-abc123def456; Bearer tok.en-1; " +
      "echo gsk_Q7wE****Nm12, Xk3vN9qP****K0Ls and (abc***xyz)";
    const out = redact(text);
    for (const part of ["plain-registered", "sk-proj", "tok.en", "gsk_", "Nm12", "Xk3v", "abc"])
      expect(out).not.toContain(part);
    expect(out).toBe(
      "key [redacted]; [redacted]; Bearer [redacted] echo [redacted], [redacted] and ([redacted])",
    );
  });

  it("leaves ordinary text alone", () => {
    const text = 'invalid model "gpt-4o" (status 400): max_tokens must be <= 4096 * 2';
    expect(redact(text)).toBe(text);
  });
});
