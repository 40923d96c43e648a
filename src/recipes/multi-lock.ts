// Several mutexes taken as one (Curator's InterProcessMultiLock): acquired in path order so
// two multi-locks over overlapping sets cannot deadlock, released together; if one acquire
// fails, the ones already held are released. The lease's token is the largest of the parts'
// tokens and `lost` aborts when any part is lost.

import type { ZooKeeperClient } from "../client/client.js";
import type { AcquireOptions } from "./contender.js";
import { type Lease, Mutex } from "./mutex.js";

export class MultiLock {
  private readonly mutexes: Mutex[];

  constructor(
    readonly client: ZooKeeperClient,
    paths: string[],
  ) {
    this.mutexes = [...new Set(paths)].sort().map((p) => new Mutex(client, p));
  }

  async acquire(options: AcquireOptions = {}): Promise<Lease & { parts: Lease[] }> {
    const parts: Lease[] = [];
    try {
      for (const m of this.mutexes) parts.push(await m.acquire(options));
    } catch (e) {
      for (const p of parts.reverse()) await p.release();
      throw e;
    }
    const lost = AbortSignal.any(parts.map((p) => p.lost));
    return {
      path: parts.map((p) => p.path).join(","),
      token: Math.max(...parts.map((p) => p.token)),
      lost,
      parts,
      release: async () => {
        for (const p of parts.slice().reverse()) await p.release();
      },
    };
  }
}
