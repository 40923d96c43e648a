// Small waiting helpers for client and recipe tests: every wait is bounded, and conditions
// are awaited instead of slept for.
import type { ZooKeeperClient } from "../../src/client/client.js";
import type { ConnectionState } from "../../src/client/types.js";

/** Resolves when `client` next enters `state` (rejects after `timeoutMs`). */
export function nextState(
  client: ZooKeeperClient,
  state: ConnectionState,
  timeoutMs = 15000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(state, on);
      reject(new Error(`state ${state} not reached within ${timeoutMs} ms (now ${client.state})`));
    }, timeoutMs);
    const on = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once(state, on);
  });
}

/** Polls `condition` every 20 ms until true; rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15000,
  what = "condition",
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise with its resolve function, for events a test awaits. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Unique node names per test run, so tests sharing a server never collide. */
let counter = 0;
export function uniquePath(prefix: string): string {
  counter++;
  return `/${prefix}-${process.pid}-${counter}`;
}
