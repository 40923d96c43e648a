// A tree cache (Curator's TreeCache / CuratorCache): every node under a root with its data
// and Stat, kept current. On servers with persistent recursive watches (ZooKeeper 3.6+) one
// addWatch on the root reports every create, change and delete below it; on older servers
// (addWatch answered Unimplemented or MarshallingError) it falls back to one-shot data and
// child watches on every node, re-armed on each event. After a session renewal the cache
// reloads the whole tree, since the old session's watches are gone.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import {
  isRetriable,
  MarshallingError,
  NoNodeError,
  UnimplementedError,
} from "../client/errors.js";
import { EventType } from "../client/index.js";
import { joinPath, parentPath } from "../client/paths.js";
import type { ConnectionState, WatchedEvent } from "../client/types.js";
import type { CachedNode } from "./node-cache.js";

export type TreeCacheEvents = {
  nodeAdded: [path: string, node: CachedNode];
  nodeUpdated: [path: string, node: CachedNode];
  nodeRemoved: [path: string];
  initialized: [];
  error: [unknown];
};

export class TreeCache extends EventEmitter<TreeCacheEvents> {
  private readonly nodes = new Map<string, CachedNode>();
  private recursive = false;
  private closed = false;
  private readonly recursiveWatcher = (e: WatchedEvent): void => this.onRecursiveEvent(e);
  private readonly dataWatcher = (e: WatchedEvent): void => {
    if (e.type === EventType.nodeDataChanged || e.type === EventType.nodeCreated)
      this.spawn(this.loadNode(e.path, false));
    else if (e.type === EventType.nodeDeleted) this.removeSubtree(e.path);
  };
  private readonly childWatcher = (e: WatchedEvent): void => {
    if (e.type === EventType.nodeChildrenChanged) this.spawn(this.loadNode(e.path, true));
  };
  private readonly onState = (state: ConnectionState): void => {
    // A new session lost every watch; a resumed one keeps them, but the server sends no
    // catch-up events for persistent watches, so the recursive mode re-reads the tree.
    if (state === "connected" || (state === "reconnected" && this.recursive))
      this.spawn(this.reload());
  };

  constructor(
    readonly client: ZooKeeperClient,
    readonly root: string,
  ) {
    super();
  }

  /** True when the server's persistent recursive watch is in use. */
  get usesRecursiveWatch(): boolean {
    return this.recursive;
  }

  get current(): ReadonlyMap<string, CachedNode> {
    return this.nodes;
  }

  async start(options: { forceFallback?: boolean } = {}): Promise<void> {
    this.client.on("state", this.onState);
    if (options.forceFallback !== true) {
      try {
        await this.client.addWatch(this.root, this.recursiveWatcher, "persistentRecursive");
        this.recursive = true;
      } catch (e) {
        if (!(e instanceof UnimplementedError || e instanceof MarshallingError)) throw e;
      }
    }
    await this.loadNode(this.root, true);
    this.emit("initialized");
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.off("state", this.onState);
    if (this.recursive) {
      await this.client
        .removeWatches(this.root, "any", { watcher: this.recursiveWatcher, local: true })
        .catch(() => {});
    }
  }

  private spawn(p: Promise<void>): void {
    p.catch((e) => {
      if (!this.closed && !this.client.closed && this.listenerCount("error") > 0)
        this.emit("error", e);
    });
  }

  private async reload(): Promise<void> {
    if (this.recursive)
      await this.client.addWatch(this.root, this.recursiveWatcher, "persistentRecursive");
    await this.loadNode(this.root, true);
  }

  private onRecursiveEvent(e: WatchedEvent): void {
    if (this.closed) return;
    if (e.type === EventType.nodeDeleted) this.removeSubtree(e.path);
    else if (e.type === EventType.nodeCreated || e.type === EventType.nodeDataChanged) {
      this.spawn(this.loadNode(e.path, e.type === EventType.nodeCreated));
    }
  }

  /** Reads one node (and, with `deep`, its subtree) into the cache. */
  private async loadNode(path: string, deep: boolean): Promise<void> {
    if (this.closed) return;
    const watchData = this.recursive ? undefined : this.dataWatcher;
    let data: CachedNode;
    try {
      const r = await this.client.getData(path, { watch: watchData });
      data = { data: r.data, stat: r.stat };
    } catch (e) {
      if (e instanceof NoNodeError) {
        this.removeSubtree(path);
        if (!this.recursive && path === this.root)
          await this.client.exists(path, { watch: this.dataWatcher });
        return;
      }
      if (isRetriable(e)) return; // the reconnect's reload (or a watch) brings it back
      throw e;
    }
    this.put(path, data);
    if (!deep) return;
    let children: string[];
    try {
      children = await this.client.getChildren(path, {
        watch: this.recursive ? undefined : this.childWatcher,
      });
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    const present = new Set(children.map((c) => joinPath(path, c)));
    for (const known of [...this.nodes.keys()]) {
      if (known !== path && parentPath(known) === path && !present.has(known))
        this.removeSubtree(known);
    }
    await Promise.all(
      [...present].filter((p) => !this.nodes.has(p)).map((p) => this.loadNode(p, true)),
    );
  }

  private put(path: string, node: CachedNode): void {
    const prev = this.nodes.get(path);
    if (
      prev !== undefined &&
      prev.stat.mzxid === node.stat.mzxid &&
      prev.stat.czxid === node.stat.czxid
    ) {
      this.nodes.set(path, node);
      return;
    }
    this.nodes.set(path, node);
    if (prev === undefined) this.emit("nodeAdded", path, node);
    else this.emit("nodeUpdated", path, node);
  }

  private removeSubtree(path: string): void {
    const prefix = path === "/" ? "/" : `${path}/`;
    for (const p of [...this.nodes.keys()]) {
      if (p === path || p.startsWith(prefix)) {
        this.nodes.delete(p);
        this.emit("nodeRemoved", p);
      }
    }
  }
}
