import { BuiltInOptions, ProviderOptions, parseOrThrow } from "../config.js";
import { ValidationError } from "../errors.js";
import { throwFirst } from "../internal/closing.js";
import { registerSecret } from "../internal/redact.js";
import { withFallback, type FallbackTarget } from "./fallback.js";
import { PROVIDER_NAMES, createProvider, isAdapter, isProviderName } from "./registry.js";
import type { ProviderAdapter } from "./types.js";

type ProviderSetting = string | null | undefined | ProviderOptions;

/**
 * The providers a manager was configured with: names checked and keys registered for redaction
 * at construction, adapters built on first use (so an SDK loads only when a session needs it).
 */
export class ConfiguredProviders {
  readonly #options = new Map<string, Record<string, unknown>>();
  readonly #adapters = new Map<string, Promise<ProviderAdapter>>();
  /** The adapters built so far, for callers that can go on without waiting (see `ready`). */
  readonly #built = new Map<string, ProviderAdapter>();
  /** Every adapter made or handed over, a fallback chain's members each: what `close` closes. */
  readonly #owned = new Set<ProviderAdapter>();
  /** Set by `close()`: what `get` rejects with from then on, so no client is built anew. */
  #refusal: (() => Error) | null = null;

  constructor(settings: Readonly<Record<string, ProviderSetting>>) {
    for (const [name, setting] of Object.entries(settings)) {
      const options = toOptions(name, setting);
      if (!isProviderName(name) && !isAdapter(options.adapter)) {
        throw new ValidationError(
          `providers.${name}`,
          `unknown provider (known: ${PROVIDER_NAMES.join(", ")}; or pass { adapter })`,
        );
      }
      registerSecret(options.apiKey as string | undefined);
      if (isAdapter(options.adapter)) this.#owned.add(options.adapter); // closed even if unused
      if (isProviderName(name) && !isAdapter(options.adapter)) {
        parseOrThrow(BuiltInOptions, options, `providers.${name}`);
      }
      this.#options.set(name, options);
    }
    for (const [name, options] of this.#options) {
      for (const { provider: next } of fallbackEntries(options)) {
        if (!this.#options.has(next) || next === name) {
          throw new ValidationError(
            `providers.${name}.fallback`,
            `"${next}" is not another configured provider`,
          );
        }
      }
    }
  }

  has(name: string): boolean {
    return this.#options.has(name);
  }

  /** Returns the name if it is configured, else a `ValidationError` on `provider`. */
  require(name: string): string {
    if (this.#options.has(name)) return name;
    const known = [...this.#options.keys()].join(", ") || "none";
    throw new ValidationError("provider", `"${name}" is not configured (configured: ${known})`);
  }

  get(name: string): Promise<ProviderAdapter> {
    if (this.#refusal) return Promise.reject(this.#refusal());
    let adapter = this.#adapters.get(this.require(name));
    if (!adapter) {
      const building = (adapter = this.#build(name));
      this.#adapters.set(name, building);
      // Only if still current: close() may have dropped it meanwhile.
      building.then(
        (built) => this.#adapters.get(name) === building && this.#built.set(name, built),
        () => this.#adapters.delete(name),
      );
    }
    return adapter;
  }

  /** The adapter if it is already built (and `name` configured), else undefined: no promise. */
  ready(name: string): ProviderAdapter | undefined {
    return this.#built.get(name);
  }

  /**
   * Closes every adapter made or handed over (each once, used or not, a fallback chain's members
   * too), even if one fails to (a socket already gone), then rejects with the first failure.
   * From then on `get` rejects with what `refuse` makes.
   */
  async close(refuse: () => Error): Promise<void> {
    this.#refusal = refuse;
    await Promise.allSettled(this.#adapters.values());
    this.#adapters.clear();
    this.#built.clear();
    const owned = [...this.#owned];
    this.#owned.clear();
    throwFirst(await Promise.allSettled(owned.map(async (a) => a.close?.())));
  }

  async #build(name: string): Promise<ProviderAdapter> {
    const options = this.#options.get(name)!;
    const primary = await this.#create(name);
    const fallback = fallbackEntries(options);
    if (fallback.length === 0) return primary;
    const chain = await Promise.all(
      fallback.map(async ({ provider, model }): Promise<FallbackTarget> => {
        const adapter = await this.#create(provider);
        return model === undefined ? { adapter } : { adapter, model };
      }),
    );
    return withFallback(primary, chain);
  }

  /** A new adapter (or the one handed over), owned from then on: `close` closes it. */
  async #create(name: string): Promise<ProviderAdapter> {
    const adapter = await createProvider(name, this.#options.get(name)!);
    this.#owned.add(adapter);
    return adapter;
  }
}

/** The `fallback` option (already validated) as `{ provider, model? }` entries. */
function fallbackEntries(options: Record<string, unknown>): { provider: string; model?: string }[] {
  const entries = (options.fallback as ProviderOptions["fallback"]) ?? [];
  return entries.map((e) => (typeof e === "string" ? { provider: e } : e));
}

function toOptions(name: string, setting: ProviderSetting): Record<string, unknown> {
  if (setting === null || setting === undefined || setting === "") return {};
  if (typeof setting === "string") return { apiKey: setting };
  return { ...parseOrThrow(ProviderOptions, setting, `providers.${name}`) };
}
