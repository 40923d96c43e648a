// A node cache (Curator's NodeCache): keeps the current data and Stat of one node (or null
// while it does not exist) in memory, fresh through one-shot watches re-armed on every
// event. Watches survive reconnects (the client re-registers them); after a session renewal
// the cache reads the node again, since the old session's watches died with it.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { NoNodeError } from "../client/errors.js";
import { EventType } from "../client/index.js";
import type { ConnectionState, Stat, WatchedEvent } from "../client/types.js";
import { reportFailures, retryAcrossReconnects } from "./support.js";

export interface CachedNode {
  data: Buffer;
  stat: Stat;
}

export type NodeCacheEvents = { change: [CachedNode | null]; error: [unknown] };

export class NodeCache extends EventEmitter<NodeCacheEvents> {
  private node: CachedNode | null = null;
  private closed = false;
  private readonly watcher = (e: WatchedEvent): void => {
    if (e.type !== EventType.none) this.refreshSoon();
  };
  private readonly onState = (state: ConnectionState): void => {
    if (state === "connected") this.refreshSoon();
  };

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    super();
  }

  get current(): CachedNode | null {
    return this.node;
  }

  /** Reads the node once and starts watching; resolves when the first value is cached. */
  async start(): Promise<void> {
    this.client.on("state", this.onState);
    await this.refresh();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.off("state", this.onState);
    await this.client
      .removeWatches(this.path, "any", { watcher: this.watcher, local: true })
      .catch(() => {});
  }

  private readonly isClosed = (): boolean => this.closed;

  private refreshSoon(): void {
    reportFailures(this.refresh(), this, this.client, this.isClosed);
  }

  private refresh(): Promise<void> {
    return retryAcrossReconnects(this.client, this.isClosed, async () => {
      let next: CachedNode | null;
      try {
        const r = await this.client.getData(this.path, { watch: this.watcher });
        next = { data: r.data, stat: r.stat };
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        // Absent: an exists watch tells us when it appears (it may have appeared already).
        const stat = await this.client.exists(this.path, { watch: this.watcher });
        if (stat !== null) return false;
        next = null;
      }
      this.set(next);
      return true;
    });
  }

  private set(next: CachedNode | null): void {
    const prev = this.node;
    if (prev === null && next === null) return;
    if (
      prev !== null &&
      next !== null &&
      prev.stat.mzxid === next.stat.mzxid &&
      prev.stat.czxid === next.stat.czxid
    ) {
      return;
    }
    this.node = next;
    this.emit("change", next);
  }
}
