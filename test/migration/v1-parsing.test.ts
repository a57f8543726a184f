import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { mapV1ProviderToV2 } from "../../src/migration/provider-map.js";
import { parsePythonJson } from "../../src/migration/v1-json.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { INF, NAN, NEG_INF, PyRaw, pyDumps } from "./v1-fixture.js";

describe("parsePythonJson", () => {
  it("reads NaN and ±Infinity outside strings as strings, and leaves them alone inside strings", () => {
    const text = pyDumps({
      a: NAN,
      b: INF,
      c: NEG_INF,
      s: "NaN Infinity -Infinity",
      l: [NAN, 1.5],
    });
    expect(text).toBe(
      '{"a": NaN, "b": Infinity, "c": -Infinity, "s": "NaN Infinity -Infinity", "l": [NaN, 1.5]}',
    );
    expect(parsePythonJson(text)).toEqual({
      a: "NaN",
      b: "Infinity",
      c: "-Infinity",
      s: "NaN Infinity -Infinity",
      l: ["NaN", 1.5],
    });
  });

  it("keeps integers beyond 2^53 exact, as strings; safe integers and floats stay numbers", () => {
    const text = pyDumps({
      big: new PyRaw("12345678901234567890"),
      neg: new PyRaw("-98765432109876543210"),
      safe: 9007199254740991,
      float: new PyRaw("12345678901234567890.5"),
      inString: "12345678901234567890",
    });
    expect(parsePythonJson(text)).toEqual({
      big: "12345678901234567890",
      neg: "-98765432109876543210",
      safe: 9007199254740991,
      float: Number("12345678901234567890.5"),
      inString: "12345678901234567890",
    });
  });

  it("decodes ensure_ascii escapes, surrogate pairs and escaped quotes before NaN", () => {
    const text = pyDumps({ t: 'Grüße 👋 "x\\" NaN', n: NAN });
    expect(text).toContain("\\u00fc");
    expect(text).toContain("\\ud83d\\udc4b");
    expect(parsePythonJson(text)).toEqual({ t: 'Grüße 👋 "x\\" NaN', n: "NaN" });
  });

  it("still rejects broken JSON", () => {
    expect(() => parsePythonJson('{"a": NaN, ')).toThrow(SyntaxError);
    expect(() => parsePythonJson('{"a": nope}')).toThrow(SyntaxError);
  });
});

describe("V1Clock", () => {
  const oslo = new V1Clock("Europe/Oslo");

  it("reads naive timestamps in the given zone, with and without microseconds", () => {
    expect(oslo.parse("2024-03-04T09:15:33.033606")!.toISOString()).toBe(
      "2024-03-04T08:15:33.033Z",
    );
    expect(oslo.parse("2024-03-04T09:15:33")!.toISOString()).toBe("2024-03-04T08:15:33.000Z");
    expect(oslo.parse("2024-07-04T09:15:33.999999")!.toISOString()).toBe(
      "2024-07-04T07:15:33.999Z",
    );
    expect(new V1Clock("America/New_York").parse("2024-01-01T00:00:00")!.toISOString()).toBe(
      "2024-01-01T05:00:00.000Z",
    );
    expect(new V1Clock("UTC").parse("2024-01-01T00:00:00.5")!.toISOString()).toBe(
      "2024-01-01T00:00:00.500Z",
    );
  });

  it("uses an explicit offset when the timestamp has one", () => {
    expect(oslo.parse("2024-03-04T09:15:33.033606+02:00")!.toISOString()).toBe(
      "2024-03-04T07:15:33.033Z",
    );
    expect(oslo.parse("2024-03-04T09:15:33-05:30")!.toISOString()).toBe("2024-03-04T14:45:33.000Z");
    expect(oslo.parse("2024-03-04T09:15:33Z")!.toISOString()).toBe("2024-03-04T09:15:33.000Z");
  });

  it("resolves DST fall-back to the first instant and a DST gap with the earlier offset (Python fold=0)", () => {
    expect(oslo.parse("2024-10-27T02:30:00")!.toISOString()).toBe("2024-10-27T00:30:00.000Z");
    expect(oslo.parse("2024-10-27T03:30:00")!.toISOString()).toBe("2024-10-27T02:30:00.000Z");
    expect(oslo.parse("2024-03-31T02:30:00")!.toISOString()).toBe("2024-03-31T01:30:00.000Z");
    expect(oslo.parse("2024-03-31T03:30:00")!.toISOString()).toBe("2024-03-31T01:30:00.000Z");
  });

  it("rejects what is not an ISO date-time, and unknown zones", () => {
    for (const bad of ["yesterday", "2024-02-30T00:00:00", "2024-03-04", "2024-03-04T25:00:00"]) {
      expect(oslo.parse(bad)).toBeNull();
    }
    expect(() => new V1Clock("Mars/Olympus")).toThrow(ValidationError);
  });
});

describe("mapV1ProviderToV2", () => {
  it("maps the guide's names, identities and V1's model-derived names; unknown names give null", () => {
    expect(mapV1ProviderToV2("openai")).toBe("openai");
    expect(mapV1ProviderToV2("anthropic")).toBe("anthropic");
    expect(mapV1ProviderToV2("mock")).toBe("mock");
    expect(mapV1ProviderToV2("openai-compatible")).toBe("openai-compatible");
    expect(mapV1ProviderToV2("langchain-anthropic")).toBe("anthropic");
    expect(mapV1ProviderToV2("openai-gpt")).toBe("openai");
    expect(mapV1ProviderToV2("gpt")).toBe("openai");
    expect(mapV1ProviderToV2("claude")).toBe("anthropic");
    expect(mapV1ProviderToV2("mistral")).toBeNull();
    expect(mapV1ProviderToV2("toString")).toBeNull();
  });

  it("lets a user map override and extend the defaults", () => {
    const map = { mistral: "openai-compatible", gpt: "openai-compatible" };
    expect(mapV1ProviderToV2("mistral", map)).toBe("openai-compatible");
    expect(mapV1ProviderToV2("gpt", map)).toBe("openai-compatible");
    expect(mapV1ProviderToV2("claude", map)).toBe("anthropic");
  });
});
