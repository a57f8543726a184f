import { describe, expect, it } from "vitest";
import { newMessageId, newSessionId } from "../src/ids.js";

describe("ids", () => {
  it("session ids are distinct UUID v4 texts", () => {
    const ids = Array.from({ length: 5000 }, newSessionId);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("message ids are distinct 22-character base64url texts", () => {
    const ids = Array.from({ length: 5000 }, newMessageId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
