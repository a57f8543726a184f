import { toolCall as storedCall } from "../providers/types.js";
import type { ToolCall } from "../types.js";
import { isObject } from "./v1-values.js";

/**
 * What became of a V1 message's tool calls: `kept` verbatim (OpenAI shape), `converted` from
 * another known shape (Anthropic `tool_use`), `repaired` (OpenAI shape with `arguments` as an
 * object, stored as JSON text), or `unusable` (no call V2 can run; left out of `toolCalls`).
 */
export interface ConvertedToolCalls {
  calls?: ToolCall[];
  outcome: "none" | "kept" | "converted" | "repaired" | "unusable";
}

/**
 * V1 stored tool calls verbatim. OpenAI-shaped calls are kept as they are; Anthropic `tool_use`
 * blocks are converted to the neutral shape; user code that stored `arguments` as a dict gets
 * them as JSON text (V2 sends arguments as text); anything else is left out of `toolCalls`. A
 * list with one unusable call is left out whole: half a list would pair results with the wrong
 * calls.
 */
export function convertToolCalls(value: unknown): ConvertedToolCalls {
  if (value === null || value === undefined) return { outcome: "none" };
  if (!Array.isArray(value)) return { outcome: "unusable" };
  const calls: ToolCall[] = [];
  let outcome: ConvertedToolCalls["outcome"] = "kept";
  for (const call of value) {
    const converted = toolCall(call);
    if (!converted) return { outcome: "unusable" };
    if (converted.outcome === "repaired" || outcome === "kept") outcome = converted.outcome;
    calls.push(converted.call);
  }
  return { calls, outcome };
}

function toolCall(
  call: unknown,
): { call: ToolCall; outcome: "kept" | "converted" | "repaired" } | null {
  if (!isObject(call) || typeof call.id !== "string") return null;
  const fn = call.function;
  if (isObject(fn) && typeof fn.name === "string") {
    if (call.type !== "function" && call.type !== undefined) return null;
    if (typeof fn.arguments === "string") {
      if (call.type === "function") return { call: call as unknown as ToolCall, outcome: "kept" };
      return { call: storedCall(call.id, fn.name, fn.arguments), outcome: "converted" };
    }
    if (isObject(fn.arguments)) {
      const args = JSON.stringify(fn.arguments);
      return { call: storedCall(call.id, fn.name, args), outcome: "repaired" };
    }
    return null;
  }
  if (call.type === "tool_use" && typeof call.name === "string") {
    const args = JSON.stringify(call.input ?? {});
    return { call: storedCall(call.id, call.name, args), outcome: "converted" };
  }
  return null;
}
