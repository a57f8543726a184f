/**
 * @module @langswarm/session/testing — test doubles for code that uses sessions: the mock
 * provider (deterministic, latency and failure injection) and a ready manager on memory storage.
 */
import type { CommonManagerOptions, StorageChoice } from "../config.js";
import { createSessionManager, type SessionManager } from "../manager.js";
import { MockProvider, type MockProviderOptions } from "../providers/mock.js";

export { MockProvider } from "../providers/mock.js";
export type { MockFailure, MockProviderOptions } from "../providers/mock.js";

/**
 * A manager on memory storage whose `mock` provider is the returned `MockProvider`.
 *
 * ```ts
 * const { manager, mock } = createTestManager();
 * mock.failNext(1, { status: 503 });
 * ```
 */
export function createTestManager(
  options: { mock?: MockProviderOptions } & Omit<CommonManagerOptions, "providers"> &
    StorageChoice = {},
): { manager: SessionManager; mock: MockProvider } {
  const { mock: mockOptions, ...rest } = options;
  const mock = new MockProvider(mockOptions);
  const manager = createSessionManager({
    storage: "memory",
    ...rest,
    providers: { mock: { adapter: mock } },
  });
  return { manager, mock };
}
