import type { ProviderAdapter } from "../../src/providers/types.js";

/**
 * A native-state adapter answering with `turns`, whose conversations are listed in `made` in the
 * order it made them (`conv_0`, `conv_1`…): a realigned session shows as a second one.
 */
export function nativeAdapter(turns: Pick<ProviderAdapter, "sendTurn" | "streamTurn">): {
  adapter: ProviderAdapter;
  made: string[];
} {
  const made: string[] = [];
  const adapter: ProviderAdapter = {
    name: "native",
    historyMode: () => "native",
    async createProviderSession() {
      made.push(`conv_${made.length}`);
      return made.at(-1)!;
    },
    async deleteProviderSession() {},
    ...turns,
  };
  return { adapter, made };
}
