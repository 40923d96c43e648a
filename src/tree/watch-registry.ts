// The watches of one member's client connections (zookeeper-protocol.md §11). Watches are not
// replicated: each member keeps its own registry and resolves the triggers that apply()
// returns into notifications for its own connections.
//
// Two tables, data and child, map a path to the connections watching it, each with a bit set
// of modes (standard one-shot, persistent, persistent-recursive). Since ZooKeeper 3.9 the
// modes of one connection on one path are independent, which the bit set gives directly.
// Connections are numbers chosen by the server; each carries its auth ids for the READ filter
// on notifications (3.8.4+/3.9.2+).

import { assert } from "../base/assert.js";
import { ErrorCode, EventType, Perm, WatcherType } from "../protocol/constants.js";
import type { Id, SetWatches, SetWatches2 } from "../protocol/records.js";
import { hasPermission } from "./acl.js";
import type { DataTree } from "./data-tree.js";
import type { WatchTrigger } from "./events.js";
import { parentOf, rootPath } from "./path.js";

const standard = 1;
const persistent = 2;
const recursive = 4;

/** One notification to send: a WatcherEvent (state SyncConnected) for a connection. */
export interface Delivery {
  connection: number;
  type: number;
  path: string;
  /** The trigger's zxid; -1 for setWatches catch-up events (§11.4). */
  zxid: number;
}

/** Counts in the shape of ZooKeeper's WatchesSummary (the `wchs` four-letter word). */
export interface WatchSummary {
  connections: number;
  paths: number;
  watches: number;
}

type Table = Map<string, Map<number, number>>;

class ConnectionWatches {
  readonly dataPaths = new Set<string>();
  readonly childPaths = new Set<string>();
  constructor(public ids: readonly Id[]) {}
}

export class WatchRegistry {
  private readonly data: Table = new Map();
  private readonly child: Table = new Map();
  private readonly connections = new Map<number, ConnectionWatches>();
  /** Number of persistent-recursive entries: the ancestor walk is skipped while it is 0. */
  private recursiveCount = 0;

  addConnection(connection: number, ids: readonly Id[]): void {
    assert(!this.connections.has(connection), `connection ${connection} registered twice`);
    this.connections.set(connection, new ConnectionWatches(ids));
  }

  /** After `addauth`: notifications are filtered with the connection's current ids. */
  setAuthIds(connection: number, ids: readonly Id[]): void {
    this.conn(connection).ids = ids;
  }

  /** Drops a closed connection and every watch it held. */
  removeConnection(connection: number): void {
    const c = this.connections.get(connection);
    if (c === undefined) return;
    for (const path of c.dataPaths) this.clear(this.data, path, connection, true);
    for (const path of c.childPaths) this.clear(this.child, path, connection, true);
    this.connections.delete(connection);
  }

  private conn(connection: number): ConnectionWatches {
    const c = this.connections.get(connection);
    assert(c !== undefined, `unknown connection ${connection}`);
    return c;
  }

  private add(table: Table, path: string, connection: number, mode: number): void {
    let entries = table.get(path);
    if (entries === undefined) {
      entries = new Map();
      table.set(path, entries);
    }
    const before = entries.get(connection) ?? 0;
    if (mode === recursive && (before & recursive) === 0) this.recursiveCount++;
    entries.set(connection, before | mode);
    const c = this.conn(connection);
    (table === this.data ? c.dataPaths : c.childPaths).add(path);
  }

  /** Removes `modes` of one connection at one path; `all` removes every mode. */
  private clear(table: Table, path: string, connection: number, all: boolean, modes = 0): void {
    const entries = table.get(path);
    if (entries === undefined) return;
    const before = entries.get(connection);
    if (before === undefined) return;
    const after = all ? 0 : before & ~modes;
    if ((before & recursive) !== 0 && (after & recursive) === 0) this.recursiveCount--;
    if (after !== 0) {
      entries.set(connection, after);
      return;
    }
    entries.delete(connection);
    if (entries.size === 0) table.delete(path);
    const c = this.connections.get(connection);
    if (c !== undefined) (table === this.data ? c.dataPaths : c.childPaths).delete(path);
  }

  /** exists (present or absent) and getData with watch=true. */
  addDataWatch(connection: number, path: string): void {
    this.add(this.data, path, connection, standard);
  }

  /** getChildren / getChildren2 with watch=true. */
  addChildWatch(connection: number, path: string): void {
    this.add(this.child, path, connection, standard);
  }

  /** addWatch mode 0 (both tables) or mode 1 (recursive, data table only). */
  addPersistentWatch(connection: number, path: string, isRecursive: boolean): void {
    if (isRecursive) this.add(this.data, path, connection, recursive);
    else {
      this.add(this.data, path, connection, persistent);
      this.add(this.child, path, connection, persistent);
    }
  }

  /** Resolves apply()'s triggers, in order, into deliveries (appended to `out`). */
  trigger(triggers: readonly WatchTrigger[], out: Delivery[] = []): Delivery[] {
    for (let i = 0; i < triggers.length; i++) {
      const t = triggers[i];
      switch (t.type) {
        case EventType.nodeCreated:
        case EventType.nodeDataChanged:
          this.fire(this.data, t, null, out);
          break;
        case EventType.nodeChildrenChanged:
          this.fire(this.child, t, null, out);
          break;
        case EventType.nodeDeleted: {
          // A connection notified through the data table is not told twice (§11.3).
          const seen = this.fire(this.data, t, null, out);
          this.fire(this.child, t, seen, out);
          break;
        }
        default:
          assert(false, `trigger type ${t.type}`);
      }
    }
    return out;
  }

  /**
   * Fires one trigger in one table: every watch at the path, and persistent-recursive watches
   * on the ancestors; each connection once. Standard watches are used up even when the READ
   * filter drops the notification. Returns the connections matched (null when none).
   */
  private fire(
    table: Table,
    t: WatchTrigger,
    skip: Set<number> | null,
    out: Delivery[],
  ): Set<number> | null {
    let matched: Set<number> | null = null;
    const entries = table.get(t.path);
    if (entries !== undefined) {
      matched = new Set();
      for (const [connection, modes] of entries) {
        if ((modes & standard) !== 0) this.clear(table, t.path, connection, false, standard);
        matched.add(connection);
      }
    }
    if (this.recursiveCount > 0 && table === this.data && t.path !== rootPath) {
      let p = t.path;
      do {
        p = parentOf(p);
        const above = table.get(p);
        if (above === undefined) continue;
        for (const [connection, modes] of above) {
          if ((modes & recursive) === 0) continue;
          if (matched === null) matched = new Set();
          matched.add(connection);
        }
      } while (p !== rootPath);
    }
    if (matched === null) return null;
    for (const connection of matched) {
      if (skip?.has(connection)) continue;
      const c = this.connections.get(connection);
      if (c === undefined || !hasPermission(t.acl, Perm.read, c.ids)) continue;
      out.push({ connection, type: t.type, path: t.path, zxid: t.zxid });
    }
    return matched;
  }

  /**
   * setWatches (101) / setWatches2 (105) after a reconnect (§11.4): registers the watches
   * that are still current and returns the catch-up events (zxid -1, no ACL filter) for
   * those the client missed while away. The server sends them before the reply.
   */
  setWatches(connection: number, req: SetWatches | SetWatches2, tree: DataTree): Delivery[] {
    this.conn(connection);
    const out: Delivery[] = [];
    const rel = req.relativeZxid;
    const send = (type: number, path: string) => out.push({ connection, type, path, zxid: -1 });
    for (const path of req.dataWatches) {
      const node = tree.get(path);
      if (node === undefined) send(EventType.nodeDeleted, path);
      else if (node.mzxid > rel) send(EventType.nodeDataChanged, path);
      else this.add(this.data, path, connection, standard);
    }
    for (const path of req.existWatches) {
      if (tree.get(path) !== undefined) send(EventType.nodeCreated, path);
      else this.add(this.data, path, connection, standard);
    }
    for (const path of req.childWatches) {
      const node = tree.get(path);
      if (node === undefined) send(EventType.nodeDeleted, path);
      else if (node.pzxid > rel) send(EventType.nodeChildrenChanged, path);
      else this.add(this.child, path, connection, standard);
    }
    if ("persistentWatches" in req) {
      for (const path of req.persistentWatches) this.addPersistentWatch(connection, path, false);
      for (const path of req.persistentRecursiveWatches) {
        this.addPersistentWatch(connection, path, true);
      }
    }
    return out;
  }

  /** The modes `type` selects in each table (§11.5), or null for an unknown type. */
  private static selection(type: number): [number, number] | null {
    switch (type) {
      case WatcherType.children:
        return [0, standard];
      case WatcherType.data:
        return [standard, 0];
      case WatcherType.any:
        return [standard | persistent | recursive, standard | persistent];
      case WatcherType.persistent:
        return [persistent, persistent];
      case WatcherType.persistentRecursive:
        return [recursive, 0];
      default:
        return null;
    }
  }

  /**
   * checkWatches (17) when `remove` is false, removeWatches (18) when true: 0 when a watch of
   * `type` at `path` matched (and was removed), NoWatcher when none did, MarshallingError for
   * an unknown type.
   */
  checkOrRemove(connection: number, path: string, type: number, remove: boolean): number {
    const sel = WatchRegistry.selection(type);
    if (sel === null) return ErrorCode.marshallingError;
    const [dataModes, childModes] = sel;
    const inData = (this.data.get(path)?.get(connection) ?? 0) & dataModes;
    const inChild = (this.child.get(path)?.get(connection) ?? 0) & childModes;
    if (inData === 0 && inChild === 0) return ErrorCode.noWatcher;
    if (remove) {
      if (inData !== 0) this.clear(this.data, path, connection, false, inData);
      if (inChild !== 0) this.clear(this.child, path, connection, false, inChild);
    }
    return ErrorCode.ok;
  }

  /** The watch modes of one connection at one path, for tests and admin views. */
  modesOf(connection: number, path: string): { data: number; child: number } {
    return {
      data: this.data.get(path)?.get(connection) ?? 0,
      child: this.child.get(path)?.get(connection) ?? 0,
    };
  }

  private tableOf(which: "data" | "child"): Table {
    return which === "data" ? this.data : this.child;
  }

  /**
   * Summary of one table. ZooKeeper's `wchs`, `wchc` and `wchp` report the data table;
   * the child table is here for metrics.
   */
  summary(which: "data" | "child" = "data"): WatchSummary {
    const table = this.tableOf(which);
    const connections = new Set<number>();
    let watches = 0;
    for (const entries of table.values()) {
      watches += entries.size;
      for (const c of entries.keys()) connections.add(c);
    }
    return { connections: connections.size, paths: table.size, watches };
  }

  /** Paths watched per connection (`wchc`). */
  byConnection(which: "data" | "child" = "data"): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [connection, c] of this.connections) {
      const paths = which === "data" ? c.dataPaths : c.childPaths;
      if (paths.size > 0) out.set(connection, Array.from(paths));
    }
    return out;
  }

  /** Connections watching each path (`wchp`). */
  byPath(which: "data" | "child" = "data"): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [path, entries] of this.tableOf(which)) out.set(path, Array.from(entries.keys()));
    return out;
  }

  /** Total watches over both tables (ZooKeeper's getWatchCount, the `mntr` figure). */
  get watchCount(): number {
    let n = 0;
    for (const entries of this.data.values()) n += entries.size;
    for (const entries of this.child.values()) n += entries.size;
    return n;
  }
}
