import { ValidationError } from "../errors.js";
import type { ProviderAdapter } from "./types.js";

type Factory = (options: Record<string, unknown>) => ProviderAdapter | Promise<ProviderAdapter>;

// Each provider's SDK is imported only when a session first uses that provider.
const BUILTIN: Record<string, () => Promise<Factory>> = {
  mock: async () => (await import("./mock.js")).mockProvider,
  openai: async () => (await import("./openai.js")).openaiProvider,
  "openai-compatible": async () =>
    (await import("./openai-compatible.js")).openaiCompatibleProvider,
  anthropic: async () => (await import("./anthropic.js")).anthropicProvider,
};

/**
 * Factories already imported, by name. A dynamic `import()` of a module already loaded still
 * goes through the module loader (tens of microseconds): an application making a manager per
 * request or per test would pay it for every manager.
 */
const loaded = new Map<string, Factory>();

/** Names `providers` may use. */
export const PROVIDER_NAMES: readonly string[] = Object.keys(BUILTIN);

export function isProviderName(name: string): boolean {
  return Object.hasOwn(BUILTIN, name);
}

/**
 * Builds an adapter. `options.adapter` (a ready `ProviderAdapter`) is used as it is, which is
 * how tests inject a configured `MockProvider` and how users plug in their own provider.
 */
export async function createProvider(
  name: string,
  options: Record<string, unknown>,
): Promise<ProviderAdapter> {
  if (isAdapter(options.adapter)) return options.adapter;
  const factory = loaded.get(name) ?? (await load(name));
  return factory(options);
}

async function load(name: string): Promise<Factory> {
  const importer = isProviderName(name) ? BUILTIN[name]! : undefined;
  if (!importer) throw new ValidationError(`providers.${name}`, "unknown provider");
  const factory = await importer();
  loaded.set(name, factory);
  return factory;
}

export function isAdapter(value: unknown): value is ProviderAdapter {
  const v = value as Partial<ProviderAdapter> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.sendTurn === "function" &&
    typeof v.streamTurn === "function"
  );
}
