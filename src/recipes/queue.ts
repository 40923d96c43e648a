// Distributed queues on sequential nodes (ZooKeeper's queue recipe; Curator's
// DistributedQueue, DistributedPriorityQueue and the lock-protected consumer).
//
// DistributedQueue: put() creates "q-<seq>" with the item as data; take() reads the oldest
// item and deletes it with the version read, so exactly one consumer wins each item. The
// item is gone from ZooKeeper when take() returns: a consumer that dies while processing
// loses it (at most once).
//
// LockingQueue: take() first creates an ephemeral lock node for the item
// ("<dir>-locks/<item>"); the item is deleted only by complete(). A consumer that dies
// (its session ends) frees its locks, and the item goes back to the others (at least once).
//
// Priority: with a priority, items are named "q-<priority>-<seq>" (priority as 10 digits,
// offset so negatives sort first) and taken lowest priority number first, then in order.

import type { ZooKeeperClient } from "../client/client.js";
import { BadVersionError, NodeExistsError, NoNodeError } from "../client/errors.js";
import type { WatchedEvent } from "../client/types.js";
import { ensurePath, sequenceOf, waitable } from "./support.js";

const priorityOffset = 2 ** 31;

function itemName(priority: number | undefined): string {
  if (priority === undefined) return "q-";
  if (!Number.isInteger(priority) || priority < -priorityOffset || priority >= priorityOffset) {
    throw new RangeError("priority must be a 32-bit integer");
  }
  return `q-${String(priority + priorityOffset).padStart(10, "0")}-`;
}

/** Orders item names: priority (when present), then sequence. */
function compareItems(a: string, b: string): number {
  const pa = a.length > 13 ? Number(a.slice(2, 12)) : priorityOffset;
  const pb = b.length > 13 ? Number(b.slice(2, 12)) : priorityOffset;
  return pa - pb || sequenceOf(a) - sequenceOf(b);
}

export interface TakeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

abstract class QueueBase {
  protected ready = false;
  constructor(
    readonly client: ZooKeeperClient,
    readonly dir: string,
  ) {}

  protected async prepare(): Promise<void> {
    if (this.ready) return;
    await ensurePath(this.client, this.dir);
    this.ready = true;
  }

  /** Adds an item; with a priority, lower numbers are taken first. */
  async put(data: Uint8Array | string, priority?: number): Promise<string> {
    await this.prepare();
    return (
      await this.client.create(`${this.dir}/${itemName(priority)}`, data, {
        mode: "persistentSequential",
      })
    ).path;
  }

  /** Number of items waiting (taken-but-locked items included for LockingQueue). */
  async size(): Promise<number> {
    await this.prepare();
    return (await this.client.getChildren(this.dir)).filter((n) => n.startsWith("q-")).length;
  }

  /** Item names in take order; sets `watch` on the directory's children. */
  protected async items(watch?: (e: WatchedEvent) => void): Promise<string[]> {
    const names = await this.client.getChildren(this.dir, watch === undefined ? {} : { watch });
    return names.filter((n) => n.startsWith("q-")).sort(compareItems);
  }
}

export class DistributedQueue extends QueueBase {
  /** Takes the head item, waiting for one if the queue is empty. */
  async take(options: TakeOptions = {}): Promise<Buffer> {
    await this.prepare();
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const wait = waitable(options.signal, deadline);
      const names = await this.items(wait.trigger);
      for (const name of names) {
        const got = await this.tryTake(`${this.dir}/${name}`);
        if (got !== null) {
          wait.trigger();
          await wait.promise;
          return got;
        }
      }
      await wait.promise;
    }
  }

  /** Takes the head item if there is one, else null. */
  async poll(): Promise<Buffer | null> {
    await this.prepare();
    for (const name of await this.items()) {
      const got = await this.tryTake(`${this.dir}/${name}`);
      if (got !== null) return got;
    }
    return null;
  }

  private async tryTake(path: string): Promise<Buffer | null> {
    try {
      const { data, stat } = await this.client.getData(path);
      await this.client.delete(path, stat.version);
      return data;
    } catch (e) {
      if (e instanceof NoNodeError || e instanceof BadVersionError) return null;
      throw e;
    }
  }
}

export interface LockedItem {
  readonly data: Buffer;
  readonly path: string;
  /** Deletes the item (and its lock) atomically: processing is done. */
  complete(): Promise<void>;
  /** Gives the item back to the queue without processing it. */
  release(): Promise<void>;
}

export class LockingQueue extends QueueBase {
  private get lockDir(): string {
    return `${this.dir}-locks`;
  }

  protected override async prepare(): Promise<void> {
    if (this.ready) return;
    await ensurePath(this.client, this.dir);
    await ensurePath(this.client, this.lockDir);
    this.ready = true;
  }

  async take(options: TakeOptions = {}): Promise<LockedItem> {
    await this.prepare();
    const deadline =
      options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const wait = waitable(options.signal, deadline);
      // Watch both the items and the locks: a dead consumer's lock vanishing frees an item.
      const names = await this.items(wait.trigger);
      await this.client.getChildren(this.lockDir, { watch: wait.trigger });
      for (const name of names) {
        const item = await this.tryLock(name);
        if (item !== null) {
          wait.trigger();
          await wait.promise;
          return item;
        }
      }
      await wait.promise;
    }
  }

  private async tryLock(name: string): Promise<LockedItem | null> {
    const itemPath = `${this.dir}/${name}`;
    const lockPath = `${this.lockDir}/${name}`;
    try {
      await this.client.create(lockPath, null, { mode: "ephemeral" });
    } catch (e) {
      if (e instanceof NodeExistsError) return null;
      throw e;
    }
    let data: Buffer;
    try {
      data = (await this.client.getData(itemPath)).data;
    } catch (e) {
      await this.client.delete(lockPath).catch(() => {});
      if (e instanceof NoNodeError) return null; // completed by someone else meanwhile
      throw e;
    }
    return {
      data,
      path: itemPath,
      complete: async () => {
        await this.client.transaction().delete(itemPath).delete(lockPath).commit();
      },
      release: async () => {
        await this.client.delete(lockPath).catch((e) => {
          if (!(e instanceof NoNodeError)) throw e;
        });
      },
    };
  }
}
