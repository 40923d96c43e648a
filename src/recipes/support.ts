// Helpers every recipe shares: making parent nodes, sorting sequential children, waiting for
// a one-shot watch with abort and timeout, and turning the session's fate into an
// AbortSignal (a lock, lease or leadership is lost when the session is).

import type { ZooKeeperClient } from "../client/client.js";
import { NodeExistsError, OperationTimeoutError } from "../client/errors.js";
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
