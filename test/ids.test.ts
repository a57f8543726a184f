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

  it("message ids made later sort later, as text and bytewise", () => {
    const start = Date.UTC(2026, 10, 25);
    // Every millisecond digit and carry: steps of 1 ms, 63 ms, 4,097 ms… up to about 8,900 years.
    const times = [0, 1, 63, 64, 4095, 4096, 262_143, 262_144];
    for (let step = 1; step < 2 ** 48; step = step * 61 + 7) times.push(start + step);
    times.sort((a, b) => a - b);
    const ids = times.map((t) => newMessageId(t));
    expect([...ids].sort()).toEqual(ids);
    const bytes = ids.map((id) => Buffer.from(id, "latin1"));
    for (let i = 1; i < bytes.length; i++)
      expect(Buffer.compare(bytes[i - 1]!, bytes[i]!)).toBe(-1);
  });

  it("message ids of the same millisecond differ in their 80 random bits", () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId(1_700_000_000_000));
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(1);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
