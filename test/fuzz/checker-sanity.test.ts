/**
 * The checker must notice a broken storage, or a clean fuzz run would mean nothing: each storage
 * here loses or reorders data now and then, and the fuzz must report a violation.
 */
import { expect, it } from "vitest";
import { ConcurrencyError, memoryStorage, type SessionStorage } from "../../src/index.js";
import { runFuzz } from "./runner.js";

/** Turns must go through `appendMessages` (the one broken here), not the synchronous path. */
function asyncAppendOnly(s: SessionStorage): SessionStorage {
  (s as { appendTurnSync?: unknown }).appendTurnSync = undefined;
  return s;
}

const dropsAReply = (s: SessionStorage): SessionStorage => {
  let n = 0;
  const append = s.appendMessages.bind(s);
  s.appendMessages = (id, msgs, c) =>
    append(id, ++n % 50 === 0 && msgs.length === 2 ? msgs.slice(0, 1) : msgs, c);
  return asyncAppendOnly(s);
};

const listsOneTooFew = (s: SessionStorage): SessionStorage => {
  const list = s.listSessions.bind(s);
  s.listSessions = async (q) => {
    const page = await list(q);
    if (q.userId === "u1" && !q.after && page.sessions.length > 2) page.sessions.splice(1, 1);
    return page;
  };
  return s;
};

const swapsATurn = (s: SessionStorage): SessionStorage => {
  let n = 0;
  const append = s.appendMessages.bind(s);
  s.appendMessages = (id, msgs, c) => append(id, ++n % 40 === 0 ? [...msgs].reverse() : msgs, c);
  return asyncAppendOnly(s);
};

/** A refusal the checker allows only after a switch through another storage object (none here). */
const refusesATurn = (s: SessionStorage): SessionStorage => {
  let n = 0;
  const append = s.appendMessages.bind(s);
  s.appendMessages = (id, msgs, c) =>
    ++n % 60 === 0 && c?.ranOn
      ? Promise.reject(new ConcurrencyError("switched"))
      : append(id, msgs, c);
  return asyncAppendOnly(s);
};

it.each([
  ["drops a reply now and then", dropsAReply, /./],
  ["lists one session too few", listsOneTooFew, /listing of u1 misses/],
  ["swaps the order of a turn", swapsATurn, /./],
  ["refuses a turn as if its provider were switched elsewhere", refusesATurn, /ConcurrencyError/],
])("the checker catches a storage that %s", async (_, broken, violation) => {
  const res = await runFuzz({ seed: 5, ops: 600, makeStorage: () => broken(memoryStorage()) });
  expect(res.violations.some((v) => violation.test(v))).toBe(true);
});
