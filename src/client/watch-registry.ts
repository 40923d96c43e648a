// The client's side of watches: which callbacks wait on which path, in the five tables the
// Java client keeps (ZKWatchManager): data watches (getData, and exists on a present node),
// exist watches (exists on an absent node), child watches (getChildren), persistent watches
// and persistent-recursive watches (addWatch). Paths here are client paths (chroot removed).
//
// A notification is turned into the set of callbacks to run ("materialized") by the rules of
// the Java client, which mirror the server's trigger rules (zookeeper-protocol.md §11.3):
//   nodeCreated, nodeDataChanged  -> data + exist watches at the path (removed)
//   nodeDeleted                   -> data + exist + child watches at the path (removed)
//   nodeChildrenChanged           -> child watches at the path (removed)
// then, for every type, persistent watches at the path and, except for nodeChildrenChanged,
// persistent-recursive watches at the path and at every ancestor. Each callback runs at most
// once per event, however many of its registrations match (the tables hold Sets).
//
// getConfig's watches have a table of their own. They watch the server's /zookeeper/config
// whatever the client's chroot, where every other table holds paths under the chroot: kept
// with the data watches, a chrooted client re-registered them at /<chroot>/zookeeper/config
// after a reconnect, and a node of that client path fired them. ZooKeeper's Java client had
// the same flaw until 3.9 (ZOOKEEPER-4601, ZOOKEEPER-838); this follows the fix.
//
// One-shot watches survive a reconnect (they are re-registered with setWatches) and end with
// the session: on expiry or close every watch gets one terminal event and the tables empty.

import { EventType } from "../protocol/constants.js";
import { prependChroot } from "./paths.js";
import { WatchTarget } from "./request.js";
import type { WatchedEvent, Watcher, WatcherTypeName } from "./types.js";

type Table = Map<string, Set<Watcher>>;

/** Callbacks taken out of the tables, with the event type that tells them so. */
export type RemovedWatches = [watchers: Set<Watcher>, eventType: number][];

/** The server path getConfig reads and watches, never under a chroot. */
export const configPath = "/zookeeper/config";

export class WatchRegistry {
  /** getConfig's one-shot watches, on the server's /zookeeper/config. */
  readonly config = new Set<Watcher>();
  readonly data: Table = new Map();
  readonly exist: Table = new Map();
  readonly child: Table = new Map();
  readonly persistent: Table = new Map();
  readonly persistentRecursive: Table = new Map();

  constructor(private readonly chroot = "") {}

  /** True when a client path names the server's /zookeeper/config under this chroot. */
  private isConfig(path: string): boolean {
    return prependChroot(this.chroot, path) === configPath;
  }

  add(table: Table, path: string, watcher: Watcher): void {
    let set = table.get(path);
    if (set === undefined) {
      set = new Set();
      table.set(path, set);
    }
    set.add(watcher);
  }

  /** Removes one watcher (or all at the path when omitted); true if anything was removed. */
  remove(table: Table, path: string, watcher?: Watcher): boolean {
    const set = table.get(path);
    if (set === undefined) return false;
    if (watcher === undefined) {
      table.delete(path);
      return true;
    }
    const removed = set.delete(watcher);
    if (set.size === 0) table.delete(path);
    return removed;
  }

  has(table: Table, path: string, watcher?: Watcher): boolean {
    const set = table.get(path);
    if (set === undefined) return false;
    return watcher === undefined ? set.size > 0 : set.has(watcher);
  }

  /** Registers the watcher of a successful request in the table its WatchTarget names. */
  register(target: number, path: string, watcher: Watcher): void {
    switch (target) {
      case WatchTarget.data:
      case WatchTarget.exists:
        this.add(this.data, path, watcher);
        break;
      case WatchTarget.child:
        this.add(this.child, path, watcher);
        break;
      case WatchTarget.persistent:
        this.add(this.persistent, path, watcher);
        break;
      case WatchTarget.persistentRecursive:
        this.add(this.persistentRecursive, path, watcher);
        break;
      case WatchTarget.config:
        this.config.add(watcher);
        break;
    }
  }

  /** True when any callback of any kind waits on `path`. */
  hasAnyAt(path: string): boolean {
    return (
      (this.config.size > 0 && this.isConfig(path)) ||
      this.data.has(path) ||
      this.exist.has(path) ||
      this.child.has(path) ||
      this.persistent.has(path) ||
      this.persistentRecursive.has(path)
    );
  }

  /** True when `watcher` waits on `path` as a watch of `type` (data includes exist watches). */
  hasOfType(path: string, type: WatcherTypeName, watcher: Watcher): boolean {
    switch (type) {
      case "data":
        return (
          this.hasConfig(path, watcher) ||
          this.has(this.data, path, watcher) ||
          this.has(this.exist, path, watcher)
        );
      case "children":
        return this.has(this.child, path, watcher);
      case "persistent":
        return this.has(this.persistent, path, watcher);
      case "persistentRecursive":
        return this.has(this.persistentRecursive, path, watcher);
      case "any":
        return (
          this.hasConfig(path, watcher) ||
          this.has(this.data, path, watcher) ||
          this.has(this.exist, path, watcher) ||
          this.has(this.child, path, watcher) ||
          this.has(this.persistent, path, watcher) ||
          this.has(this.persistentRecursive, path, watcher)
        );
    }
  }

  private hasConfig(path: string, watcher: Watcher): boolean {
    return this.config.has(watcher) && this.isConfig(path);
  }

  /**
   * Removes the watches of `type` on `path`, or only `watcher`'s when given, for
   * removeWatches. Returns what was removed, table by table, with the *WatchRemoved event
   * type each group is to be told (the server sends no such events; the client makes them).
   */
  removeOfType(path: string, type: WatcherTypeName, watcher?: Watcher): RemovedWatches {
    const removed: RemovedWatches = [];
    if ((type === "data" || type === "any") && this.config.size > 0 && this.isConfig(path)) {
      if (watcher === undefined) {
        removed.push([new Set(this.config), EventType.dataWatchRemoved]);
        this.config.clear();
      } else if (this.config.delete(watcher)) {
        removed.push([new Set([watcher]), EventType.dataWatchRemoved]);
      }
    }
    if (type === "data" || type === "any") {
      takeRemoved(this.data, path, watcher, EventType.dataWatchRemoved, removed);
      takeRemoved(this.exist, path, watcher, EventType.dataWatchRemoved, removed);
    }
    if (type === "children" || type === "any") {
      takeRemoved(this.child, path, watcher, EventType.childWatchRemoved, removed);
    }
    if (type === "persistent" || type === "any") {
      takeRemoved(this.persistent, path, watcher, EventType.persistentWatchRemoved, removed);
    }
    if (type === "persistentRecursive" || type === "any") {
      takeRemoved(
        this.persistentRecursive,
        path,
        watcher,
        EventType.persistentWatchRemoved,
        removed,
      );
    }
    return removed;
  }

  /** True when no watch of any kind is registered. */
  get empty(): boolean {
    return (
      this.config.size === 0 &&
      this.data.size === 0 &&
      this.exist.size === 0 &&
      this.child.size === 0 &&
      this.persistent.size === 0 &&
      this.persistentRecursive.size === 0
    );
  }

  /**
   * getConfig's callbacks a server notification triggers (all of them are one-shot): any
   * event on /zookeeper/config but a children change. They are told the server path.
   */
  takeConfig(type: number, serverPath: string): Set<Watcher> | null {
    if (this.config.size === 0 || serverPath !== configPath) return null;
    if (type === EventType.nodeChildrenChanged) return null;
    const result = new Set(this.config);
    this.config.clear();
    return result;
  }

  /** The callbacks a server notification triggers at a client path, removing the one-shot ones. */
  materialize(type: number, path: string): Set<Watcher> {
    const result = new Set<Watcher>();
    switch (type) {
      case EventType.nodeCreated:
      case EventType.nodeDataChanged:
        takeInto(this.data, path, result);
        takeInto(this.exist, path, result);
        break;
      case EventType.nodeDeleted:
        takeInto(this.data, path, result);
        takeInto(this.exist, path, result);
        takeInto(this.child, path, result);
        break;
      case EventType.nodeChildrenChanged:
        takeInto(this.child, path, result);
        break;
    }
    addInto(this.persistent.get(path), result);
    if (type !== EventType.nodeChildrenChanged && this.persistentRecursive.size > 0) {
      let p = path;
      for (;;) {
        addInto(this.persistentRecursive.get(p), result);
        if (p === "/") break;
        const i = p.lastIndexOf("/");
        p = i <= 0 ? "/" : p.slice(0, i);
      }
    }
    return result;
  }

  /** Every registered callback, once each, emptying all tables (session end). */
  drainAll(): Set<Watcher> {
    const result = new Set<Watcher>(this.config);
    this.config.clear();
    for (const table of [this.data, this.exist, this.child, this.persistent]) {
      for (const set of table.values()) addInto(set, result);
      table.clear();
    }
    for (const set of this.persistentRecursive.values()) addInto(set, result);
    this.persistentRecursive.clear();
    return result;
  }
}

function takeInto(table: Table, path: string, out: Set<Watcher>): void {
  const set = table.get(path);
  if (set === undefined) return;
  table.delete(path);
  for (const w of set) out.add(w);
}

function takeRemoved(
  table: Table,
  path: string,
  watcher: Watcher | undefined,
  eventType: number,
  removed: RemovedWatches,
): void {
  const set = table.get(path);
  if (set === undefined) return;
  if (watcher === undefined) {
    table.delete(path);
    removed.push([set, eventType]);
  } else if (set.delete(watcher)) {
    if (set.size === 0) table.delete(path);
    removed.push([new Set([watcher]), eventType]);
  }
}

function addInto(set: Set<Watcher> | undefined, out: Set<Watcher>): void {
  if (set === undefined) return;
  for (const w of set) out.add(w);
}

/** Runs each watcher with the event; a throwing watcher does not stop the others. */
export function deliver(
  watchers: Iterable<Watcher>,
  event: WatchedEvent,
  onError: (e: unknown) => void,
): void {
  for (const w of watchers) {
    try {
      w(event);
    } catch (e) {
      onError(e);
    }
  }
}
