/**
 * A storage object is accepted when it has `createSession`, `getSession`, `appendMessages` and
 * `getMessages` (config.ts `isStorage`); the other required members of `SessionStorage`
 * (`listSessions`, `updateSession`, `deleteSession`, `addMessage`, `clearMessages`,
 * `getMemoryUsage`, `close`) are never checked. A storage missing one is taken, and fails much
 * later, mid-operation, with a bare TypeError ("this.storage.close is not a function"), instead of
 * a ValidationError on `storage` naming the missing member when the manager is made ("Options
 * validated once, before any side effect").
 */
import { expect, it } from "vitest";
import { createSessionManager, ValidationError } from "../../src/index.js";
import { userStorage } from "../helpers/user-storage.js";

for (const missing of ["listSessions", "updateSession", "deleteSession", "close"] as const) {
  it(`a storage without ${missing} is refused when the manager is made, naming it`, () => {
    const storage = userStorage() as unknown as Record<string, unknown>;
    delete storage[missing];
    let error: unknown;
    try {
      createSessionManager({ storage: storage as never, providers: { mock: null } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("storage");
    expect((error as Error).message).toContain(missing);
  });
}
