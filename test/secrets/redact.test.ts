import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
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

  it("takes time linear in the text: an error quoting a 60 kB payload is built at once", () => {
    // Unbounded, the masked-echo pattern scanned each long run to its end from every position:
    // seconds for this message (a provider body quoting a base64 image).
    const body = `invalid image: data:image/png;base64,${"A".repeat(60_000)}`;
    const started = performance.now();
    const error = new ProviderError("openai-compatible", body);
    expect(error.message.length).toBeGreaterThan(60_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("scrubs a masked echo whole, however long the parts around the stars", () => {
    const before = `gsk_${"Q7wEr5tY".repeat(9)}`;
    const after = "Nm12".repeat(18);
    const out = redact(`Invalid API Key: ${before}****${after}.`);
    expect(out).toBe("Invalid API Key: [redacted]");
  });

  it("scrubs a URL's password, to the authority's last @, and keeps the rest of the URL", () => {
    const text =
      "connect postgres://app:S3cr3t@db:5432/app; redis://:p@ss@cache/0 and " +
      '"postgresql+psycopg2://u:pw@h/db"';
    expect(redact(text)).toBe(
      "connect postgres://app:[redacted]@db:5432/app; redis://:[redacted]@cache/0 and " +
        '"postgresql+psycopg2://u:[redacted]@h/db"',
    );
    const plain = "GET http://host:8080/a@b failed; https://example.com:443 mail a@b.c at 10:30";
    expect(redact(plain)).toBe(plain);
  });

  it("takes time linear in the text for a long run that could start a URL anywhere", () => {
    const started = performance.now();
    redact(`${"a.".repeat(50_000)}://`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
