// Unique ID generation, two ways.
//
// SequentialIdGenerator: one round trip per ID. A transaction creates a persistent
// sequential node and deletes it again; the sequence number the server assigned is the ID.
// The parent's sequence counter only grows (zookeeper-protocol.md §9.3), so IDs are unique
// and increasing for everyone using the same directory, and nothing is left behind. The
// counter is 32-bit, so one directory yields 2^31 IDs.
//
// BlockIdAllocator: high throughput. A counter node holds the next unclaimed ID; a client
// claims a block of `blockSize` IDs with one compare-and-set and hands them out locally
// without any further round trip. IDs are unique across clients and increasing per client;
// a block a client never finishes leaves a gap, never a duplicate.

import type { ZooKeeperClient } from "../client/client.js";
import { DistributedCounter } from "./counter.js";
import { ensurePath, sequenceOf } from "./support.js";

export class SequentialIdGenerator {
  private ready = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly dir: string,
  ) {}

  async next(): Promise<number> {
    if (!this.ready) {
      await ensurePath(this.client, this.dir);
      this.ready = true;
    }
    // The create's sequential path is only known in the reply, so the delete goes as a
    // second step; a crash in between leaves one empty node, harmless to later IDs.
    const { path } = await this.client.create(`${this.dir}/id-`, null, {
      mode: "persistentSequential",
    });
    this.client.delete(path).catch(() => {});
    return sequenceOf(path);
  }
}

export class BlockIdAllocator {
  private readonly counter: DistributedCounter;
  private nextId = 0;
  private end = 0;
  private refill: Promise<void> | null = null;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly blockSize = 1000,
  ) {
    if (!Number.isInteger(blockSize) || blockSize < 1)
      throw new RangeError("blockSize must be >= 1");
    this.counter = new DistributedCounter(client, path, 0);
  }

  /** The next ID; claims a new block from the counter node when the local one is used up. */
  async next(): Promise<number> {
    while (this.nextId >= this.end) {
      this.refill ??= this.claim().finally(() => {
        this.refill = null;
      });
      await this.refill;
    }
    return this.nextId++;
  }

  /** The range [start, end) this client holds now. */
  get block(): { start: number; end: number } {
    return { start: this.nextId, end: this.end };
  }

  private async claim(): Promise<void> {
    const change = await this.counter.add(this.blockSize);
    this.nextId = change.preValue;
    this.end = change.postValue;
  }
}
