import { afterEach } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import type { ManagerOptionsInput } from "../../src/config.js";

/**
 * Returns `createSessionManager` for a test file, with every manager it made closed after each
 * test (a close that fails, e.g. after a storage method was broken on purpose, is ignored).
 */
export function managersClosedAfterEach(): (options: ManagerOptionsInput) => SessionManager {
  let managers: SessionManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.map((m) => m.close().catch(() => undefined)));
    managers = [];
  });
  return (options) => {
    const manager = createSessionManager(options);
    managers.push(manager);
    return manager;
  };
}
