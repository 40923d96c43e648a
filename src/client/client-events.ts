// The client's events, and the wait for a connection built on them. "state" comes with every
// transition and each state also under its own name, so that `client.on("suspended", ...)`
// reads as well as a switch over "state"; "error" carries trouble the client recovers from
// by itself and watcher exceptions, and is emitted only when someone listens.

import type { EventEmitter } from "node:events";
import { ClientClosedError, OperationTimeoutError } from "./errors.js";
import type { CallOptions, ConnectionState } from "./types.js";

/** The client's events: "state" with every transition, and each state by its own name. */
export type ClientEvents = { state: [ConnectionState]; error: [unknown] } & {
  [K in ConnectionState]: [];
};

/**
 * Resolves at the next connected, reconnected or readOnly state; rejects at closed, when
 * `signal` aborts or after `timeoutMs`.
 */
export function nextConnection(
  client: EventEmitter<ClientEvents>,
  options: CallOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      client.off("state", onState);
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    const onState = (s: ConnectionState): void => {
      if (s === "connected" || s === "reconnected" || s === "readOnly") {
        cleanup();
        resolve();
      } else if (s === "closed") {
        cleanup();
        reject(new ClientClosedError());
      }
    };
    const onAbort = (): void => {
      cleanup();
      reject(options.signal?.reason);
    };
    client.on("state", onState);
    if (options.signal !== undefined) {
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener("abort", onAbort);
    }
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        reject(new OperationTimeoutError(undefined, "not connected within the timeout"));
      }, options.timeoutMs);
    }
  });
}
