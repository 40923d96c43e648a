// The engine behind locks, semaphores and leader election (ZooKeeper's lock recipe, as
// Curator's LockInternals runs it): each contender creates an ephemeral sequential node
// under one directory; the order of the sequence numbers is the queue. A contender decides
// from the sorted children whether it holds a grant; if not, it watches only the node it
// waits behind (no herd effect) and looks again when that node changes or goes.
//
// Lost replies: the node name carries a random token ("_c_<token>-<prefix>"), so after a
// connection loss during the create the contender finds the node it may have made instead
// of making a second one (Curator's "protected" mode).
//
// Grants end with the session: the `lost` signal of a Grant aborts when the session is lost
// or expires, when the client closes, or when the node is deleted by someone else. Its
// fencing token is the node's czxid, which only grows across grants of one directory, so a
// resource can refuse a paused former holder's late writes.

import type { ZooKeeperClient } from "../client/client.js";
import { isRetriable, NoNodeError } from "../client/errors.js";
import { EventType } from "../client/index.js";
import type { Stat } from "../client/types.js";
import {
  ensurePath,
  joinPath,
  randomToken,
  sequenceOf,
  sessionLossSignal,
  waitable,
} from "./support.js";

export interface Grant {
  /** Full path of the contender's node. */
  readonly path: string;
  /** The node's czxid: the fencing token. */
  readonly token: number;
  readonly stat: Stat;
  /** Aborts when the grant can no longer be trusted (session lost/expired, node deleted). */
  readonly lost: AbortSignal;
  /** Deletes the node; safe to call more than once. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Give up (OperationTimeoutError) after this long; the node is removed. */
  timeoutMs?: number;
  /** Data stored in the contender's node (e.g. a participant id). */
  data?: Uint8Array | string;
}

/**
 * Decides from the sorted children whether the contender at `index` holds a grant. If not,
 * returns the child name to watch (it must come before `index`), or null to watch the whole
 * directory's children.
 */
export type Decide = (
  sorted: string[],
  index: number,
) => { granted: true } | { granted: false; watch: string | null };

export class Contender {
  constructor(
    readonly client: ZooKeeperClient,
    readonly dir: string,
    readonly prefix: string,
  ) {}

  /** Sorted children of the directory that belong to this contest (same prefix family). */
  async contenders(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.client.getChildren(this.dir);
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    return names.filter((n) => /\d{10}$/.test(n)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
  }

  async acquire(decide: Decide, options: AcquireOptions = {}): Promise<Grant> {
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    await ensurePath(this.client, this.dir);
    const path = await this.createNode(options.data ?? null);
    const name = path.slice(this.dir.length + 1);
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        let sorted: string[];
        try {
          sorted = await this.contenders();
        } catch (e) {
          // A dropped connection is not a reason to leave the queue: the session (and our
          // node) usually survive it. Wait for the reconnect and look again.
          if (!isRetriable(e) || this.client.closed) throw e;
          await this.client.waitConnected({
            signal: options.signal,
            timeoutMs: remaining(deadline),
          });
          continue;
        }
        const index = sorted.indexOf(name);
        if (index < 0)
          throw new NoNodeError(path, "our contender node vanished (session expired?)");
        const decision = decide(sorted, index);
        if (decision.granted) return await this.grant(path);
        const wait = waitable(options.signal, deadline);
        try {
          if (decision.watch === null) {
            await this.client.getChildren(this.dir, { watch: wait.trigger });
          } else {
            const watched = joinPath(this.dir, decision.watch);
            if ((await this.client.exists(watched, { watch: wait.trigger })) === null)
              wait.trigger();
          }
        } catch (e) {
          if (!isRetriable(e) || this.client.closed) throw e;
          wait.trigger();
        }
        // A session loss ends every watch with an Expired event, which also triggers.
        await wait.promise;
      }
    } catch (e) {
      await this.deleteQuietly(path);
      throw e;
    }
  }

  private async createNode(data: Uint8Array | string | null): Promise<string> {
    const token = randomToken();
    const marker = `_c_${token}-`;
    const base = joinPath(this.dir, `${marker}${this.prefix}`);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.client.create(base, data, { mode: "ephemeralSequential" })).path;
      } catch (e) {
        if (!isRetriable(e) || attempt >= 5) throw e;
        // The create may have happened: look for our marker before trying again.
        await this.client.waitConnected({ timeoutMs: this.client.sessionTimeoutMs || 30000 });
        const mine = (await this.client.getChildren(this.dir)).find((n) => n.startsWith(marker));
        if (mine !== undefined) return joinPath(this.dir, mine);
      }
    }
  }

  private async grant(path: string): Promise<Grant> {
    const session = sessionLossSignal(this.client);
    const controller = new AbortController();
    const onSessionLoss = (): void => controller.abort(session.signal.reason);
    session.signal.addEventListener("abort", onSessionLoss);
    let released = false;
    const watchSelf = (event: { type: number }): void => {
      if (released) return;
      if (event.type === EventType.nodeDeleted) controller.abort(new Error("lock node deleted"));
      else if (event.type !== EventType.none)
        this.client.exists(path, { watch: watchSelf }).catch(() => {});
    };
    const stat = await this.client.exists(path, { watch: watchSelf });
    if (stat === null) {
      session.dispose();
      throw new NoNodeError(path, "our contender node vanished");
    }
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      session.dispose();
      session.signal.removeEventListener("abort", onSessionLoss);
      if (!controller.signal.aborted) controller.abort(new Error("released"));
      await this.deleteQuietly(path);
    };
    return { path, token: stat.czxid, stat, lost: controller.signal, release };
  }

  async deleteQuietly(path: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // Bounded: a client cut off from every server must not hang its owner's cleanup.
        await this.client.delete(path, -1, { timeoutMs: 5000 });
        return;
      } catch (e) {
        if (e instanceof NoNodeError) return;
        if (!isRetriable(e) || this.client.closed) return;
        // Retry after a reconnect; if the session is gone the ephemeral node is gone too.
        try {
          await this.client.waitConnected({ timeoutMs: 10000 });
        } catch {
          return;
        }
      }
    }
  }
}

function remaining(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
}
