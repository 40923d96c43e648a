// A distributed counting semaphore with leases (Curator's InterProcessSemaphoreV2 idea):
// at most `maxLeases` holders at once. Contenders queue as sequential nodes; the first
// `maxLeases` in sequence order hold leases. A waiting contender watches the directory's
// children, since any earlier lease's release may free its slot.

import type { ZooKeeperClient } from "../client/client.js";
import { type AcquireOptions, Contender } from "./contender.js";
import type { Lease } from "./mutex.js";

export class Semaphore {
  private readonly contender: Contender;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly maxLeases: number,
  ) {
    if (!Number.isInteger(maxLeases) || maxLeases < 1)
      throw new RangeError("maxLeases must be >= 1");
    this.contender = new Contender(client, path, "lease-");
  }

  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    const g = await this.contender.acquire(
      (_sorted, index) =>
        index < this.maxLeases ? { granted: true } : { granted: false, watch: null },
      options,
    );
    return { path: g.path, token: g.token, lost: g.lost, release: g.release };
  }

  /** Acquires `count` leases (all or none). */
  async acquireMany(count: number, options: AcquireOptions = {}): Promise<Lease[]> {
    const leases: Lease[] = [];
    try {
      for (let i = 0; i < count; i++) leases.push(await this.acquire(options));
      return leases;
    } catch (e) {
      await Promise.all(leases.map((l) => l.release()));
      throw e;
    }
  }
}
