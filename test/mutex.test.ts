import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../src/internal/mutex.js";

describe("KeyedMutex", () => {
  it("hands a key to its waiters in request order, and nobody cuts in meanwhile", async () => {
    const mutex = new KeyedMutex();
    const order: number[] = [];
    expect(mutex.tryAcquire("k")).toBe(true);
    const waiting = [1, 2, 3].map((n) => mutex.acquire("k").then(() => order.push(n)));
    expect(mutex.tryAcquire("k")).toBe(false);
    expect(mutex.tryAcquire("other")).toBe(true);
    for (let i = 0; i < 3; i++) {
      mutex.release("k");
      await Promise.resolve();
      // Between a release and the next holder running, the key stays taken.
      expect(mutex.tryAcquire("k")).toBe(false);
    }
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    mutex.release("k");
    expect(mutex.tryAcquire("k")).toBe(true);
  });

  it("lets an aborted waiter leave the queue; the others keep their order", async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    expect(mutex.tryAcquire("k")).toBe(true);
    const controller = new AbortController();
    const reason = new Error("stop");
    const left = mutex.acquire("k", controller.signal);
    const waiting = ["b", "c"].map((n) => mutex.acquire("k").then(() => order.push(n)));
    controller.abort(reason);
    await expect(left).rejects.toBe(reason);
    await expect(mutex.acquire("k", AbortSignal.abort(reason))).rejects.toBe(reason);
    mutex.release("k");
    await waiting[0];
    mutex.release("k");
    await waiting[1];
    expect(order).toEqual(["b", "c"]);
    mutex.release("k");
    expect(mutex.tryAcquire("k")).toBe(true); // nobody left behind holds or waits for it
  });

  it("stays correct when free keys are swept (thousands of keys)", async () => {
    const mutex = new KeyedMutex();
    for (let i = 0; i < 5000; i++) {
      expect(mutex.tryAcquire(`k${i}`)).toBe(true);
      mutex.release(`k${i}`);
    }
    expect(mutex.tryAcquire("held")).toBe(true);
    for (let i = 0; i < 3000; i++) {
      expect(mutex.tryAcquire(`k${i}`)).toBe(true);
      mutex.release(`k${i}`);
    }
    // The held key survived the sweeps.
    expect(mutex.tryAcquire("held")).toBe(false);
    let ran = false;
    const next = mutex.acquire("held").then(() => (ran = true));
    mutex.release("held");
    await next;
    expect(ran).toBe(true);
  });
});
