// A distributed mutex (ZooKeeper's lock recipe; Curator's InterProcessMutex). Reentrant per
// Mutex object: acquiring again while holding only counts, and the lock is released when
// every acquire has been matched by a release. The Lease carries the fencing token (czxid of
// the lock node) and a `lost` signal that aborts if the session is lost or expires.

import type { ZooKeeperClient } from "../client/client.js";
import { type AcquireOptions, Contender, type Grant } from "./contender.js";

export interface Lease {
  readonly path: string;
  /** Fencing token: the czxid of the lock node, larger for every later holder. */
  readonly token: number;
  /** Aborts when the lock can no longer be trusted (session lost or expired). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export class Mutex {
  private readonly contender: Contender;
  private grant: Grant | null = null;
  private holds = 0;
  private acquiring: Promise<Grant> | null = null;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    this.contender = new Contender(client, path, "lock-");
  }

  /** Waits for the lock. Rejects with the signal's reason or OperationTimeoutError. */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    if (this.grant !== null && !this.grant.lost.aborted) {
      this.holds++;
      return this.lease(this.grant);
    }
    if (this.acquiring !== null) {
      // Same object, concurrent acquire: share the one node, as reentrancy would.
      const g = await this.acquiring;
      this.holds++;
      return this.lease(g);
    }
    this.acquiring = this.contender.acquire(
      (_sorted, index) =>
        index === 0 ? { granted: true } : { granted: false, watch: _sorted[index - 1] },
      options,
    );
    try {
      this.grant = await this.acquiring;
      this.holds = 1;
      return this.lease(this.grant);
    } finally {
      this.acquiring = null;
    }
  }

  get isHeld(): boolean {
    return this.grant !== null && !this.grant.lost.aborted;
  }

  /** Releases one hold; the node goes when the last hold is released. */
  async release(): Promise<void> {
    if (this.grant === null) return;
    this.holds--;
    if (this.holds > 0) return;
    const g = this.grant;
    this.grant = null;
    await g.release();
  }

  private lease(g: Grant): Lease {
    return { path: g.path, token: g.token, lost: g.lost, release: () => this.release() };
  }
}
