// Helpers every recipe shares: making parent nodes, sorting sequential children, waiting for
// a one-shot watch with abort and timeout, turning the session's fate into an AbortSignal (a
// lock, lease or leadership is lost when the session is), and the re-reads of the recipes
// that follow a node through watches (caches, the ensemble tracker).

import type { ZooKeeperClient } from "../client/client.js";
import { isRetriable, NodeExistsError, OperationTimeoutError } from "../client/errors.js";
import { joinPath } from "../client/paths.js";
import type { ConnectionState, CreateModeName } from "../client/types.js";

/** Creates `path` and its missing ancestors as persistent (or container) nodes. */
export async function ensurePath(
  client: ZooKeeperClient,
  path: string,
  mode: CreateModeName = "persistent",
): Promise<void> {
  if (path === "/" || (await client.exists(path)) !== null) return;
  let current = "";
  for (const part of path.split("/").slice(1)) {
    current = `${current}/${part}`;
    try {
      await client.create(current, null, { mode });
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }
}

/** The 10-digit sequence suffix of a sequential node name. */
export function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

/** Sorts sequential node names by their suffix (prefixes may differ). */
export function sortBySequence(names: string[]): string[] {
  return names.slice().sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

export { joinPath };

/** A random token to mark our own nodes so we can find them after a lost create reply. */
export function randomToken(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Resolves when `trigger` is called, the signal aborts (rejects with its reason), or the
 * deadline passes (rejects with OperationTimeoutError). Returns the trigger to hand to a
 * watch, plus the promise.
 */
export function waitable(
  signal: AbortSignal | undefined,
  deadlineMs: number | undefined,
): { trigger: () => void; promise: Promise<void> } {
  let trigger!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(signal?.reason);
    };
    trigger = () => {
      done();
      resolve();
    };
    if (signal !== undefined) {
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort);
    }
    if (deadlineMs !== undefined) {
      const left = deadlineMs - performance.now();
      if (left <= 0) {
        done();
        reject(new OperationTimeoutError(undefined, "recipe wait timed out"));
        return;
      }
      timer = setTimeout(() => {
        done();
        reject(new OperationTimeoutError(undefined, "recipe wait timed out"));
      }, left);
    }
  });
  // The caller may still be busy setting its watch when the signal aborts; mark the
  // rejection handled so it is not reported as unhandled before the caller awaits it.
  promise.catch(() => {});
  return { trigger, promise };
}

/**
 * An AbortSignal that aborts when the client's session is gone: the connection was lost for
 * a whole session timeout ("lost"), a server confirmed expiry, or the client closed. With
 * `onSuspend`, a mere disconnection counts too (the strictest reading of "I may not hold it").
 * `dispose()` stops listening.
 */
export function sessionLossSignal(
  client: ZooKeeperClient,
  onSuspend = false,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const session = client.sessionId;
  const onState = (state: ConnectionState): void => {
    if (
      state === "lost" ||
      state === "expired" ||
      state === "closed" ||
      (onSuspend && state === "suspended") ||
      (state === "connected" && client.sessionId !== session)
    ) {
      dispose();
      controller.abort(new Error(`session ${state}`));
    }
  };
  const dispose = (): void => {
    client.off("state", onState);
  };
  if (client.closed || client.sessionId !== session) onState("closed");
  else client.on("state", onState);
  return { signal: controller.signal, dispose };
}

/**
 * Runs a watching recipe's read until `attempt` returns true or `stopped()` says the recipe
 * closed. A retriable failure (connection loss, timeout) waits for the client to reconnect
 * and tries again, up to 10 times; any other failure is thrown. `attempt` returns false to go
 * round again at once (say, the node it found missing was created meanwhile).
 */
export async function retryAcrossReconnects(
  client: ZooKeeperClient,
  stopped: () => boolean,
  attempt: () => Promise<boolean>,
): Promise<void> {
  for (let n = 0; !stopped(); n++) {
    try {
      if (await attempt()) return;
    } catch (e) {
      if (!isRetriable(e) || n > 10) throw e;
      await client.waitConnected({ timeoutMs: 60000 });
    }
  }
}

/** Where a watching recipe reports failures of its background reads. */
export interface ErrorSink {
  listenerCount(event: "error"): number;
  emit(event: "error", error: unknown): boolean;
}

/**
 * Lets a background read fail quietly once the recipe (`stopped()`) or its client has closed,
 * as is then expected, and reports any other failure to the recipe's "error" listeners.
 */
export function reportFailures(
  work: Promise<void>,
  sink: ErrorSink,
  client: ZooKeeperClient,
  stopped: () => boolean,
): void {
  work.catch((e) => {
    if (!stopped() && !client.closed && sink.listenerCount("error") > 0) sink.emit("error", e);
  });
}
