/**
 * `failureText` writes a thrown plain object out as JSON: scrubbed before it is cut (a key cut in
 * two is not found whole), with what it holds under a credential's name blanked, and the numbers
 * and names an error body is read for kept.
 */
import { expect, it } from "vitest";
import { failureText } from "../../src/providers/provider-failure.js";

it("blanks values under credential names, setting or header, at any depth", () => {
  const text = failureText({
    status: 401,
    config: { apiKey: "tgp_v1_abcdefgh", password: 12345678, baseURL: "https://h/v1" },
    request: { headers: { Authorization: "Basic dXNlcg==", "X-Goog-Api-Key": "AIzaSyQ" } },
    error: { message: "bad key", code: "invalid_api_key", max_tokens: 4096 },
  });
  for (const secret of ["tgp_v1", "12345678", "dXNlcg", "AIzaSyQ"]) {
    expect(text).not.toContain(secret);
  }
  for (const kept of ['"status":401', "https://h/v1", '"code":"invalid_api_key"', "4096"]) {
    expect(text).toContain(kept);
  }
});

it("cuts a large body after scrubbing, and never throws", () => {
  const text = failureText({ detail: "x".repeat(990), dsn: "postgres://app:pw1234@h/db" });
  expect(text).not.toContain("pw12");
  expect(text.length).toBeLessThanOrEqual(1001);
  expect(failureText(Object.assign(Object.create(null) as object, { code: "EIO" }))).toBe(
    '{"code":"EIO"}',
  );
});
