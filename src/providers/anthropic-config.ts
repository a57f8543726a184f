import type Anthropic from "@anthropic-ai/sdk";
import { ValidationError } from "../errors.js";

/** Used when the session's providerConfig sets no `maxTokens` (the API requires one). */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Sampling fields that API version 2026-10-21 (sent by @anthropic-ai/sdk 1.x) refuses with a 400,
 * under the names a providerConfig may use for them.
 */
const REFUSED: Readonly<Record<string, string>> = {
  temperature: "temperature",
  topP: "top_p",
  top_p: "top_p",
  topK: "top_k",
  top_k: "top_k",
};

const REFUSED_ENTRIES = Object.entries(REFUSED);

const METADATA_FIELDS = ["conversationMetadata", "conversation_metadata"] as const;

/** What a turn takes from the session's providerConfig. */
export interface AnthropicSettings {
  maxTokens: number;
  stopSequences?: string[];
  tools?: Anthropic.Tool[];
  /** API field names the config set but the API version refuses, so they are not sent. */
  dropped: string[];
  /** Per-request timeout in milliseconds (`timeout` is in seconds, as the guide has it). */
  timeoutMs?: number;
}

/** A tool in the neutral (Chat Completions) shape that sessions store. */
interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export function readSettings(config: Readonly<Record<string, unknown>>): AnthropicSettings {
  const maxTokens = config.maxTokens ?? config.max_tokens;
  const stop = config.stopSequences ?? config.stop_sequences;
  const out: AnthropicSettings = {
    maxTokens: typeof maxTokens === "number" ? maxTokens : DEFAULT_MAX_TOKENS,
    dropped: droppedFields(config),
  };
  if (Array.isArray(stop)) out.stopSequences = stop as string[];
  if (Array.isArray(config.tools)) out.tools = (config.tools as unknown[]).map(toTool);
  if (typeof config.timeout === "number") out.timeoutMs = config.timeout * 1000;
  return out;
}

/** The refused API fields the config sets, each once, in `REFUSED` order. Read on every turn. */
function droppedFields(config: Readonly<Record<string, unknown>>): string[] {
  const dropped: string[] = [];
  for (const [key, field] of REFUSED_ENTRIES) {
    if (config[key] !== undefined && !dropped.includes(field)) dropped.push(field);
  }
  return dropped;
}

/** The guide's `conversation_metadata`: kept with the session, never sent (the API refuses it). */
export function conversationMetadata(
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  for (const field of METADATA_FIELDS) {
    const value = config[field];
    if (isRecord(value)) return value;
  }
  return undefined;
}

/** Checks what `readSettings` reads; throws `ValidationError` naming the field. */
export function validateSettings(config: Readonly<Record<string, unknown>>): void {
  const check = (field: string, ok: (v: unknown) => boolean, reason: string): void => {
    if (config[field] !== undefined && !ok(config[field])) {
      throw new ValidationError(`providerConfig.${field}`, reason);
    }
  };
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  // The API refuses a stop sequence that is empty or only whitespace.
  const strings = (v: unknown): boolean =>
    Array.isArray(v) && v.every((s) => typeof s === "string" && /\S/.test(s));
  for (const f of ["maxTokens", "max_tokens"]) check(f, positiveInt, "must be a positive integer");
  for (const f of ["stopSequences", "stop_sequences"])
    check(f, strings, "must be strings with something other than whitespace");
  for (const f of METADATA_FIELDS) check(f, isRecord, "must be an object");
  check(
    "timeout",
    (v) => typeof v === "number" && Number.isFinite(v) && v > 0,
    "must be a positive number of seconds",
  );
  check(
    "tools",
    (v) => Array.isArray(v) && v.every((t) => isFunctionTool(t) || isAnthropicTool(t)),
    'must be tools: { type: "function", function: { name, parameters } } or { name, input_schema }',
  );
}

/** Neutral function tools become Messages API tools; tools already in that shape pass through. */
function toTool(tool: unknown): Anthropic.Tool {
  if (!isFunctionTool(tool)) return tool as Anthropic.Tool;
  const { name, description, parameters } = tool.function;
  const out: Anthropic.Tool = {
    name,
    input_schema: (parameters ?? { type: "object", properties: {} }) as Anthropic.Tool.InputSchema,
  };
  if (description) out.description = description;
  return out;
}

function isFunctionTool(v: unknown): v is FunctionTool {
  const t = v as Partial<FunctionTool> | null;
  return isRecord(t) && t.type === "function" && typeof t.function?.name === "string";
}

function isAnthropicTool(v: unknown): boolean {
  return isRecord(v) && typeof v.name === "string" && isRecord(v.input_schema);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
