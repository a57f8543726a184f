import { z } from "zod";
import { ValidationError } from "./errors.js";
import type { MemoryStorageOptions } from "./storage/memory.js";
import type { PostgresStorageOptions } from "./storage/postgres.js";
import type { SqliteStorageOptions } from "./storage/sqlite.js";
import type { SessionStorage } from "./storage/types.js";
import type { SessionMessage } from "./types.js";
import { isAdapter } from "./providers/registry.js";
import type { ModelPrice, ProviderAdapter } from "./providers/types.js";

const positiveInt = z.number().int().positive();
/** A duration Node's timers take: past 2^31 - 1 ms they fire after 1 ms instead. */
const timerMs = positiveInt.max(2 ** 31 - 1);

/**
 * Per-provider options. Unknown keys are kept for an adapter of your own; a built-in provider's
 * are checked strictly (`BuiltInOptions`).
 */
export const ProviderOptions = z.looseObject({
  apiKey: z.string().min(1).optional(),
  // fetch refuses a URL with credentials, so every request would fail as a "connection error".
  baseURL: z
    .url()
    .refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u), {
      message: "must not hold a user name or password; pass them in apiKey or defaultHeaders",
    })
    .optional(),
  timeoutMs: positiveInt.optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  /** A ready SDK client (e.g. `new OpenAI(...)`), used instead of building one. */
  client: z.unknown().optional(),
  /** Your own provider: any name, with an object implementing `ProviderAdapter`. */
  adapter: z
    .custom<ProviderAdapter>(isAdapter, "must implement ProviderAdapter (sendTurn, streamTurn)")
    .optional(),
  /**
   * Providers to try, in order, when this one fails after its retries: a name (the session's model
   * is sent as it is) or `{ provider, model }` (the fallback's own model, priced at its rate).
   */
  fallback: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({ provider: z.string().min(1), model: z.string().min(1) }),
      ]),
    )
    .optional(),
});
export type ProviderOptions = z.infer<typeof ProviderOptions>;

/** The mock's own options (see `MockProviderOptions`). */
const MOCK_SHAPE = {
  latencyMs: z.number().min(0).optional(),
  reply: z.custom<unknown>((v) => typeof v === "function", "must be a function").optional(),
  chunkSize: positiveInt.optional(),
  historyAware: z.boolean().optional(),
  recordCalls: z.boolean().optional(),
};
export const MockOptions = z.strictObject(MOCK_SHAPE);

/**
 * A built-in provider's options, strictly: the common ones and those a built-in provider reads
 * (`nativeState`, the mock's), so that a misspelt one (`timeout` for `timeoutMs`) is refused
 * rather than ignored. (One set for all, so options shared between providers stay valid.) An
 * `adapter` of your own takes any.
 */
export const BuiltInOptions = z.strictObject({
  ...ProviderOptions.shape,
  nativeState: z.boolean().optional(),
  ...MOCK_SHAPE,
});

export const MemoryConfig = z.strictObject({});

export const SqliteConfig = z.strictObject({
  dbPath: z.string().min(1).optional(),
  enableWal: z.boolean().optional(),
  // SQLite takes a 32-bit int; a larger value would silently mean no waiting at all.
  busyTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** An open better-sqlite3 `Database` to use instead of opening `dbPath`. */
  database: z.unknown().optional(),
});

export const PostgresConfig = z.strictObject({
  connectionString: z.string().min(1).optional(),
  poolSize: positiveInt.optional(),
  /** An existing `pg.Pool` to use instead of creating one. */
  pool: z.unknown().optional(),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/i, "must be a plain SQL identifier")
    .max(63, "must be at most 63 characters (Postgres truncates longer names)")
    .refine((s) => !s.startsWith("pg_"), "names starting with pg_ are reserved")
    .optional(),
});

/**
 * `storageConfig` as the manager first reads it: any backend's keys. The chosen backend then
 * refuses the others' (see `StorageFactory`); the types below say the same to the compiler.
 */
const AnyStorageConfig = z.strictObject({ ...SqliteConfig.shape, ...PostgresConfig.shape });

/** The options of one backend, as `storageConfig` or `StorageFactory.create` take them. */
export type StorageConfig = MemoryStorageOptions | SqliteStorageOptions | PostgresStorageOptions;

/**
 * Every method of the storage contract (`name` aside): a storage lacking one is refused when the
 * manager is made, not with a bare TypeError mid-operation. A `Record` so that the compiler
 * says when the contract gains a method this list lacks.
 */
const STORAGE_METHODS = Object.keys({
  createSession: true,
  getSession: true,
  updateSession: true,
  deleteSession: true,
  listSessions: true,
  appendMessages: true,
  addMessage: true,
  getMessages: true,
  clearMessages: true,
  getMemoryUsage: true,
  close: true,
} satisfies Record<Exclude<keyof SessionStorage, "name">, true>);

const isStorageObject = (v: unknown): v is SessionStorage => typeof v === "object" && v !== null;

/** Names the first method of `SessionStorage` a storage object lacks (field `storage`). */
function hasStorageMethods(storage: SessionStorage, ctx: z.core.$RefinementCtx): void {
  const missing = STORAGE_METHODS.find(
    (m) => typeof (storage as unknown as Record<string, unknown>)[m] !== "function",
  );
  if (missing === undefined) return;
  ctx.addIssue({
    code: "custom",
    message: `must implement SessionStorage: its ${missing} is not a function`,
  });
}

const rates = {
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
  cacheWrite1h: z.number().min(0).optional(),
};

export const ModelPriceSchema = z.strictObject({
  ...rates,
  longContext: z
    .strictObject({ inputTokensOver: z.number().int().min(0), price: z.strictObject(rates) })
    .optional(),
});

/**
 * Lifecycle hooks, as the Python original has. Each runs after what it announces is stored, a
 * turn's hooks once the session's turn is free again (a hook may run and await a turn on the same
 * session), before the call returns (or `stream.reply` settles); a hook that throws is reported
 * as a process warning (`LANGSWARM_HOOK_FAILED`) and does not fail the call.
 */
export interface SessionHooks {
  onSessionCreated?(sessionId: string): void | Promise<void>;
  onMessageSent?(message: SessionMessage): void | Promise<void>;
  onReplyReceived?(message: SessionMessage): void | Promise<void>;
  onSessionArchived?(sessionId: string): void | Promise<void>;
  onSessionDeleted?(sessionId: string): void | Promise<void>;
}

/**
 * Middleware can rewrite a message's `content` and `metadata` (the rest is kept) before it is
 * sent or after the reply arrives; what it returns is checked like caller input.
 */
export interface SessionMiddleware {
  outgoing?(message: SessionMessage): SessionMessage | Promise<SessionMessage>;
  incoming?(message: SessionMessage): SessionMessage | Promise<SessionMessage>;
}

const HOOK_NAMES = [
  "onSessionCreated",
  "onMessageSent",
  "onReplyReceived",
  "onSessionArchived",
  "onSessionDeleted",
] as const satisfies readonly (keyof SessionHooks)[];

/**
 * An object of callbacks, checked but kept as given (a class instance keeps its methods and
 * `this`). In a plain object a misspelt name would never be called, so it is refused like any
 * unknown option; an instance may hold state of its own besides.
 */
function callbacks<T extends object>(names: readonly string[], what: string) {
  return z
    .custom<T>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
      message: "must be an object",
    })
    .superRefine((value, ctx) => {
      const proto = Object.getPrototypeOf(value) as unknown;
      const plain = proto === Object.prototype || proto === null;
      for (const [key, fn] of Object.entries(value)) {
        const known = names.includes(key);
        if (!known && !plain) continue;
        if (known && (fn === undefined || typeof fn === "function")) continue;
        const message = known ? "must be a function" : `is not a ${what} (${names.join(", ")})`;
        ctx.addIssue({ code: "custom", path: [key], message });
      }
    });
}

export const ManagerOptions = z.strictObject({
  storage: z
    .union(
      [
        z.enum(["memory", "sqlite", "postgres"]),
        z.custom<SessionStorage>(isStorageObject).superRefine(hasStorageMethods),
      ],
      { error: 'must be "memory", "sqlite", "postgres" or a storage object' },
    )
    .default("memory"),
  storageConfig: AnyStorageConfig.default({}),
  // A key, or null / undefined / "" for none given (so `openai: process.env.OPENAI_API_KEY`
  // works unset): the adapter then looks for the provider's environment variable.
  providers: z
    .record(z.string(), z.union([z.string(), z.null(), z.undefined(), ProviderOptions]))
    .default({ mock: null }),
  /** Largest message content accepted, in UTF-8 bytes. */
  maxMessageBytes: positiveInt.default(1024 * 1024),
  /** USD per million tokens, by model id; merged over the built-in table. */
  pricing: z.record(z.string(), ModelPriceSchema).default({}),
  /** How long a cross-process turn lease lives without renewal. */
  turnLeaseMs: timerMs.default(30_000),
  /**
   * How long a turn waits for another process's turn on the same session; then it fails with
   * `ConcurrencyError` and stores nothing. (Turns of one process queue without a limit.)
   */
  turnWaitMs: timerMs.default(120_000),
  hooks: callbacks<SessionHooks>(HOOK_NAMES, "hook").optional(),
  middleware: z
    .array(callbacks<SessionMiddleware>(["outgoing", "incoming"], "middleware step"))
    .default([]),
});

/** The backend and its options: `storageConfig` is typed by `storage`. */
export type StorageChoice =
  | { storage?: "memory"; storageConfig?: MemoryStorageOptions }
  | { storage: "sqlite"; storageConfig?: SqliteStorageOptions }
  | { storage: "postgres"; storageConfig?: PostgresStorageOptions }
  // A storage object was configured when it was made.
  | { storage: SessionStorage; storageConfig?: undefined };

/** The options of `createSessionManager` other than the storage. */
export type CommonManagerOptions = Omit<
  z.input<typeof ManagerOptions>,
  "storage" | "storageConfig"
>;

export type ManagerOptionsInput = CommonManagerOptions & StorageChoice;
export type ManagerConfig = Readonly<z.output<typeof ManagerOptions>> & {
  pricing: Record<string, ModelPrice>;
};

/**
 * Parses with a zod schema; the first issue becomes a `ValidationError` naming its field. An
 * unknown key is named itself (a misspelt option is refused, never ignored); `owner` says whose
 * options these are.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = "",
  owner = "",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { issue, path: at } = innermost(result.error.issues[0]!);
  const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const path = [...at, ...(unknownKey === undefined ? [] : [unknownKey])];
  const field = [prefix, ...path].filter(Boolean).join(".") || "options";
  const reason =
    unknownKey === undefined
      ? plainReason(issue)
      : `is not an option${owner ? ` of ${owner}` : ""}`;
  throw new ValidationError(field, reason);
}

/** Zod's wording, but for the most common case, which reads better in our own words. */
function plainReason(issue: z.core.$ZodIssue): string {
  const empty = issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1;
  return empty ? "must not be empty" : issue.message;
}

/**
 * The issue to report: for a value that fits no member of a union, the member that took it for
 * its own (an options object with one bad field), so that the field named is the one that is wrong.
 */
function innermost(first: z.core.$ZodIssue): { issue: z.core.$ZodIssue; path: string[] } {
  let issue = first;
  const path = issue.path.map(String);
  while (issue.code === "invalid_union") {
    // A member whose issue lies inside the value took it for its own; else the union says it.
    const fitting = issue.errors.find((branch) => branch[0] && branch[0].path.length > 0);
    if (!fitting) break;
    issue = fitting[0]!;
    path.push(...issue.path.map(String));
  }
  return { issue, path };
}
