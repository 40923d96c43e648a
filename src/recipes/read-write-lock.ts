// A distributed read/write lock (ZooKeeper's shared-lock recipe): readers and writers queue
// in one directory as "read-" and "write-" sequential nodes. A writer holds the lock when
// its node is first; a reader holds it when no write node comes before it. Each waits on
// the nearest node that blocks it, so a release wakes only those it unblocks.

import type { ZooKeeperClient } from "../client/client.js";
import { type AcquireOptions, Contender } from "./contender.js";
import type { Lease } from "./mutex.js";

export class ReadWriteLock {
  readonly read: { acquire(options?: AcquireOptions): Promise<Lease> };
  readonly write: { acquire(options?: AcquireOptions): Promise<Lease> };

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    const readers = new Contender(client, path, "read-");
    const writers = new Contender(client, path, "write-");
    this.read = {
      acquire: async (options = {}) => {
        const g = await readers.acquire((sorted, index) => {
          for (let i = index - 1; i >= 0; i--) {
            if (sorted[i].includes("-write-")) return { granted: false, watch: sorted[i] };
          }
          return { granted: true };
        }, options);
        return { path: g.path, token: g.token, lost: g.lost, release: g.release };
      },
    };
    this.write = {
      acquire: async (options = {}) => {
        const g = await writers.acquire(
          (sorted, index) =>
            index === 0 ? { granted: true } : { granted: false, watch: sorted[index - 1] },
          options,
        );
        return { path: g.path, token: g.token, lost: g.lost, release: g.release };
      },
    };
  }
}
