// A children cache (Curator's PathChildrenCache): keeps every child of one node with its
// data and Stat, fresh through a child watch on the parent and a data watch on each child.
// Reports childAdded / childUpdated / childRemoved, and "initialized" once the first full
// read is done. After a session renewal it rebuilds from scratch.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { NoNodeError } from "../client/errors.js";
import { EventType } from "../client/index.js";
import { joinPath } from "../client/paths.js";
import type { ConnectionState, WatchedEvent } from "../client/types.js";
import type { CachedNode } from "./node-cache.js";
import { reportFailures, retryAcrossReconnects } from "./support.js";

export type ChildrenCacheEvents = {
  childAdded: [name: string, node: CachedNode];
  childUpdated: [name: string, node: CachedNode];
  childRemoved: [name: string, node: CachedNode];
  initialized: [];
  error: [unknown];
};

export class ChildrenCache extends EventEmitter<ChildrenCacheEvents> {
  private readonly children = new Map<string, CachedNode>();
  private closed = false;
  private initialized = false;
  private readonly parentWatcher = (e: WatchedEvent): void => {
    if (e.type !== EventType.none) this.spawn(this.refreshChildren());
  };
  private readonly childWatcher = (e: WatchedEvent): void => {
    if (e.type === EventType.nodeDataChanged) {
      const name = e.path.slice(e.path.lastIndexOf("/") + 1);
      this.spawn(this.refreshChild(name));
    } else if (e.type === EventType.nodeDeleted) {
      this.spawn(this.refreshChildren());
    }
  };
  private readonly onState = (state: ConnectionState): void => {
    if (state === "connected") this.spawn(this.refreshChildren());
  };

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.client.on("state", this.onState);
    await this.refreshChildren();
  }

  /** The cached children by name. */
  get current(): ReadonlyMap<string, CachedNode> {
    return this.children;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.off("state", this.onState);
  }

  private spawn(p: Promise<void>): void {
    reportFailures(p, this, this.client, this.isClosed);
  }

  private readonly isClosed = (): boolean => this.closed;

  private refreshChildren(): Promise<void> {
    return retryAcrossReconnects(this.client, this.isClosed, async () => {
      let names: string[];
      try {
        names = await this.client.getChildren(this.path, { watch: this.parentWatcher });
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        if ((await this.client.exists(this.path, { watch: this.parentWatcher })) !== null)
          return false;
        names = [];
      }
      const present = new Set(names);
      for (const [name, node] of this.children) {
        if (!present.has(name)) {
          this.children.delete(name);
          this.emit("childRemoved", name, node);
        }
      }
      await Promise.all(
        names.filter((n) => !this.children.has(n)).map((n) => this.refreshChild(n)),
      );
      if (!this.initialized) {
        this.initialized = true;
        this.emit("initialized");
      }
      return true;
    });
  }

  private async refreshChild(name: string): Promise<void> {
    if (this.closed) return;
    try {
      const r = await this.client.getData(joinPath(this.path, name), { watch: this.childWatcher });
      const prev = this.children.get(name);
      const node = { data: r.data, stat: r.stat };
      if (prev === undefined) {
        this.children.set(name, node);
        this.emit("childAdded", name, node);
      } else if (prev.stat.mzxid !== r.stat.mzxid || prev.stat.czxid !== r.stat.czxid) {
        this.children.set(name, node);
        this.emit("childUpdated", name, node);
      }
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      const prev = this.children.get(name);
      if (prev !== undefined) {
        this.children.delete(name);
        this.emit("childRemoved", name, prev);
      }
    }
  }
}
