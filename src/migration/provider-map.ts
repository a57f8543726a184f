/**
 * V1 provider names → V2 provider names: the guide's `map_v1_provider_to_v2`, plus identity
 * entries for names that already are V2 names (the guide's literal fallback to `mock` would turn
 * `openai` itself into `mock`) and the names V1 derived from model ids (`gpt`, `o1`, `claude`).
 */
export const DEFAULT_PROVIDER_MAP: Readonly<Record<string, string>> = Object.freeze({
  // identities
  openai: "openai",
  anthropic: "anthropic",
  "openai-compatible": "openai-compatible",
  mock: "mock",
  // the guide's table
  "langchain-openai": "openai",
  "langchain-anthropic": "anthropic",
  "openai-gpt": "openai",
  "anthropic-claude": "anthropic",
  // V1's AgentWrapper sets provider = model.split("-")[0]
  gpt: "openai",
  o1: "openai",
  o3: "openai",
  "azure-openai": "openai",
  claude: "anthropic",
});

/**
 * Maps a V1 provider name; returns null when it has no mapping (the caller keeps the V1 name
 * and reports it).
 *
 * ```ts
 * mapV1ProviderToV2("gpt") // "openai"
 * mapV1ProviderToV2("mistral") // null
 * mapV1ProviderToV2("mistral", { mistral: "openai-compatible" }) // "openai-compatible"
 * ```
 */
export function mapV1ProviderToV2(
  v1Provider: string,
  userMap: Readonly<Record<string, string>> = {},
): string | null {
  if (Object.hasOwn(userMap, v1Provider)) return userMap[v1Provider]!;
  if (Object.hasOwn(DEFAULT_PROVIDER_MAP, v1Provider)) return DEFAULT_PROVIDER_MAP[v1Provider]!;
  return null;
}
