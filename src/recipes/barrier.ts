// Barriers (ZooKeeper's barrier recipes; Curator's DistributedBarrier and
// DistributedDoubleBarrier).
//
// Barrier: while the barrier node exists, waiters block; removing it releases them all.
//
// DoubleBarrier: `memberCount` participants meet twice. enter() creates an ephemeral member
// node and waits until `memberCount` members are present (the one that completes the count
// creates a "ready" node that wakes the others); leave() deletes the member node and waits
// until every member has left. A member whose session ends counts as having left.

import type { ZooKeeperClient } from "../client/client.js";
import { NodeExistsError, NoNodeError } from "../client/errors.js";
import { parentPath } from "../client/paths.js";
import { ensurePath, randomToken, waitable } from "./support.js";

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class Barrier {
  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Raises the barrier (idempotent). */
  async set(): Promise<void> {
    await ensurePath(this.client, parentPath(this.path));
    try {
      await this.client.create(this.path);
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Removes the barrier, releasing every waiter (idempotent). */
  async remove(): Promise<void> {
    try {
      await this.client.delete(this.path);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /** Waits until the barrier is gone. */
  async wait(options: WaitOptions = {}): Promise<void> {
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    for (;;) {
      const w = waitable(options.signal, deadline);
      if ((await this.client.exists(this.path, { watch: w.trigger })) === null) {
        w.trigger();
        await w.promise;
        return;
      }
      await w.promise;
    }
  }
}

export class DoubleBarrier {
  private readonly memberName = randomToken();

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly memberCount: number,
  ) {
    if (!Number.isInteger(memberCount) || memberCount < 1)
      throw new RangeError("memberCount must be >= 1");
  }

  private get readyPath(): string {
    return `${this.path}/ready`;
  }

  private async members(watch?: () => void): Promise<string[]> {
    const names = await this.client.getChildren(this.path, watch === undefined ? {} : { watch });
    return names.filter((n) => n !== "ready");
  }

  /** Joins and waits until `memberCount` members have joined. */
  async enter(options: WaitOptions = {}): Promise<void> {
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    await ensurePath(this.client, this.path);
    const w = waitable(options.signal, deadline);
    const readyBefore = await this.client.exists(this.readyPath, { watch: w.trigger });
    await this.client.create(`${this.path}/${this.memberName}`, null, { mode: "ephemeral" });
    if (readyBefore !== null) {
      w.trigger();
      await w.promise;
      return;
    }
    if ((await this.members()).length >= this.memberCount) {
      try {
        await this.client.create(this.readyPath);
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
    }
    await w.promise;
  }

  /** Leaves and waits until every member has left. */
  async leave(options: WaitOptions = {}): Promise<void> {
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    try {
      await this.client.delete(`${this.path}/${this.memberName}`);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
    for (;;) {
      const w = waitable(options.signal, deadline);
      const left = await this.members(w.trigger);
      if (left.length === 0) {
        // The last one out lowers the ready flag so the barrier can be used again.
        await this.client.delete(this.readyPath).catch(() => {});
        w.trigger();
        await w.promise;
        return;
      }
      await w.promise;
    }
  }
}
