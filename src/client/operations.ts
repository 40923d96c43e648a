// The client's calls as requests: each method turns its arguments into one Request (the path
// checked and put under the chroot, the body record of its opcode, the watch to register on
// success) and hands it to `enqueue`. How a request then travels (queued while disconnected,
// xids, deadlines, replies matched in order) is the pipeline's business, in ZooKeeperClient
// (client.ts), which extends this class: here one reads what each call sends, there how. The
// watch calls also consult the local watch tables, which the pipeline fills from replies. The
// calls that change the session itself (addAuth, close) are in client.ts.

import { EventEmitter } from "node:events";
import { AddWatchMode, EventType, KeeperState, OpCode } from "../protocol/constants.js";
import type { ACL, MultiOp, Stat } from "../protocol/records.js";
import type { ClientEvents } from "./client-events.js";
import { NoWatcherError } from "./errors.js";
import { EventQueue } from "./event-queue.js";
import { createOp, readOps, transactionOps } from "./multi-ops.js";
import { prependChroot, validatePath } from "./paths.js";
import { watcherTypeNumber } from "./protocol-numbers.js";
import { Request, type RequestOwner, WatchTarget } from "./request.js";
import {
  type OpResult,
  type ReadOp,
  type ReadOpResult,
  Transaction,
  type TransactionOp,
  type TransactionRunner,
  toBytes,
} from "./transaction.js";
import type {
  AddWatchModeName,
  CallOptions,
  ClientInfo,
  CreateOptions,
  CreateResult,
  GetACLResult,
  GetChildrenResult,
  GetDataResult,
  WatchedEvent,
  Watcher,
  WatcherTypeName,
  WatchOptions,
} from "./types.js";
import { configPath, deliver, WatchRegistry } from "./watch-registry.js";

/**
 * What a removeWatches (or a checkWatches standing in for one) carries to its reply: the
 * local callbacks to remove once the server agrees, unless only the server's watch was meant.
 */
export interface RemoveWatchesExtra {
  type: WatcherTypeName;
  watcher: Watcher | undefined;
  serverOnly: boolean;
}

export abstract class ClientOperations
  extends EventEmitter<ClientEvents>
  implements RequestOwner, TransactionRunner
{
  /** Client-side chroot ("" for none). */
  readonly chroot: string;
  /**
   * This client's watch callbacks. Replies fill them and notifications take from them (in
   * client.ts); the watch calls below consult and clear them.
   */
  protected readonly watches: WatchRegistry;

  constructor(chroot: string) {
    super();
    this.chroot = chroot;
    this.watches = new WatchRegistry(chroot);
  }

  /**
   * Sends `req`, or queues it until connected, and returns the promise its reply settles;
   * rejects at once when the client is closing.
   */
  protected abstract enqueue(req: Request, options: CallOptions): Promise<unknown>;

  /** AbortSignal fired for a request (called through Request.handleEvent). */
  abstract abortRequest(req: Request): void;

  /** True from the moment close() is called. */
  protected abstract get closing(): boolean;

  /** Creates a node; uses create2 (or createContainer/createTTL) so the Stat comes back. */
  create(
    path: string,
    data: Uint8Array | string | null = null,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    let op: MultiOp;
    try {
      op = createOp(
        path,
        options.mode ?? "persistent",
        options.ttlMs,
        toBytes(data),
        options.acl,
        this.chroot,
      );
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit(op.type, op.request, path, options);
  }

  /** Deletes a node; `version` -1 (the default) matches any version. */
  delete(path: string, version = -1, options: CallOptions = {}): Promise<void> {
    return this.pathOp(OpCode.delete, path, options, (p) => ({ path: p, version }));
  }

  /** The node's Stat, or null if it does not exist (an exists watch is set either way). */
  exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    return this.watchedRead(OpCode.exists, path, options, WatchTarget.exists);
  }

  getData(path: string, options: WatchOptions = {}): Promise<GetDataResult> {
    return this.watchedRead(OpCode.getData, path, options, WatchTarget.data);
  }

  setData(
    path: string,
    data: Uint8Array | string | null,
    version = -1,
    options: CallOptions = {},
  ): Promise<Stat> {
    const bytes = toBytes(data);
    return this.pathOp(OpCode.setData, path, options, (p) => ({ path: p, data: bytes, version }));
  }

  getACL(path: string, options: CallOptions = {}): Promise<GetACLResult> {
    return this.pathOp(OpCode.getACL, path, options, (p) => ({ path: p }));
  }

  /** Replaces the node's ACL; `version` is the expected aversion (-1 for any). */
  setACL(path: string, acl: ACL[], version = -1, options: CallOptions = {}): Promise<Stat> {
    return this.pathOp(OpCode.setACL, path, options, (p) => ({ path: p, acl, version }));
  }

  /** The children's names (unordered, as the server returns them). */
  getChildren(path: string, options: WatchOptions = {}): Promise<string[]> {
    return this.watchedRead(OpCode.getChildren, path, options, WatchTarget.child);
  }

  /** The children's names and the parent's Stat (getChildren2). */
  getChildrenWithStat(path: string, options: WatchOptions = {}): Promise<GetChildrenResult> {
    return this.watchedRead(OpCode.getChildren2, path, options, WatchTarget.child);
  }

  /** Waits until the connected server has applied every write committed before the call. */
  sync(path = "/", options: CallOptions = {}): Promise<string> {
    return this.pathOp(OpCode.sync, path, options, (p) => ({ path: p }));
  }

  /** The paths of this session's ephemeral nodes, optionally under a prefix (3.6+). */
  getEphemerals(prefix = "/", options: CallOptions = {}): Promise<string[]> {
    const serverPrefix = prependChroot(this.chroot, prefix);
    return this.submit(OpCode.getEphemerals, { prefixPath: serverPrefix }, prefix, options);
  }

  /** The number of descendants of a node, the node excluded (3.6+). */
  getAllChildrenNumber(path: string, options: CallOptions = {}): Promise<number> {
    return this.pathOp(OpCode.getAllChildrenNumber, path, options, (p) => ({ path: p }));
  }

  /** The identities of this connection (3.7+): scheme and user of each. */
  whoAmI(options: CallOptions = {}): Promise<ClientInfo[]> {
    return this.submit(OpCode.whoAmI, null, "", options);
  }

  /** The ensemble configuration (getData of /zookeeper/config, never under the chroot). */
  getConfig(options: WatchOptions = {}): Promise<GetDataResult> {
    const req = new Request(
      this,
      OpCode.getData,
      { path: configPath, watch: options.watch !== undefined },
      configPath,
    );
    if (options.watch !== undefined) {
      req.watcher = options.watch;
      req.watchTarget = WatchTarget.config;
    }
    return this.enqueue(req, options) as Promise<GetDataResult>;
  }

  /** Dynamic reconfiguration (opcode 16); returns the new configuration data and Stat. */
  reconfig(
    change: { joining?: string; leaving?: string; newMembers?: string; fromConfig?: number },
    options: CallOptions = {},
  ): Promise<GetDataResult> {
    return this.submit(
      OpCode.reconfig,
      {
        joiningServers: change.joining ?? null,
        leavingServers: change.leaving ?? null,
        newMembers: change.newMembers ?? null,
        curConfigId: change.fromConfig ?? -1,
      },
      configPath,
      options,
    );
  }

  /** A transaction builder; commit() sends one multi. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Runs operations atomically (opcode 14). See Transaction for the failure shape. */
  multi(ops: readonly TransactionOp[], options: CallOptions = {}): Promise<OpResult[]> {
    return this.sendMulti(OpCode.multi, ops, transactionOps, options);
  }

  /** Runs reads together (opcode 22, 3.6+); each result succeeds or fails on its own. */
  multiRead(ops: readonly ReadOp[], options: CallOptions = {}): Promise<ReadOpResult[]> {
    return this.sendMulti(OpCode.multiRead, ops, readOps, options);
  }

  /** Encodes multi's or multiRead's operations; each result's error names its op's path. */
  private sendMulti<Op, T>(
    opcode: number,
    ops: readonly Op[],
    encode: (ops: readonly Op[], chroot: string, paths: string[]) => MultiOp[],
    options: CallOptions,
  ): Promise<T> {
    const paths: string[] = [];
    let wire: MultiOp[];
    try {
      wire = encode(ops, this.chroot, paths);
    } catch (e) {
      return Promise.reject(e);
    }
    const req = new Request(this, opcode, wire, paths[0] ?? "");
    req.extra = paths;
    return this.enqueue(req, options) as Promise<T>;
  }

  /**
   * Adds a persistent (or persistent-recursive) watch (3.6+). `watcher` runs for every event
   * until removeWatches; it is re-registered after reconnects.
   */
  addWatch(
    path: string,
    watcher: Watcher,
    mode: AddWatchModeName = "persistent",
    options: CallOptions = {},
  ): Promise<void> {
    const recursive = mode === "persistentRecursive";
    return this.pathOp(
      OpCode.addWatch,
      path,
      options,
      (p) => ({
        path: p,
        mode: recursive ? AddWatchMode.persistentRecursive : AddWatchMode.persistent,
      }),
      recursive ? WatchTarget.persistentRecursive : WatchTarget.persistent,
      watcher,
    );
  }

  /**
   * A persistent watch as an async iterator: `for await (const e of client.watchEvents(p))`.
   * Leaving the loop (or aborting `signal`) removes the watch. The iterator ends when the
   * session ends (expired or closed).
   */
  watchEvents(
    path: string,
    mode: AddWatchModeName = "persistent",
    options: { signal?: AbortSignal } = {},
  ): AsyncIterableIterator<WatchedEvent> {
    let sessionEnded = false;
    const watcher: Watcher = (event) => {
      if (event.type === EventType.none) {
        sessionEnded = true;
        queue.end();
      } else if (event.type !== EventType.persistentWatchRemoved) {
        queue.push(event);
      } else {
        queue.end();
      }
    };
    const queue: EventQueue<WatchedEvent> = new EventQueue(() => {
      options.signal?.removeEventListener("abort", onAbort);
      const table =
        mode === "persistentRecursive" ? this.watches.persistentRecursive : this.watches.persistent;
      this.watches.remove(table, path, watcher);
      // The server keeps one watch per path and kind for the whole connection; ask it to
      // drop the path's watches only when no other callback of this client still needs one
      // there (ZooKeeper 3.8 cannot remove a persistent watch by its own type).
      if (!sessionEnded && !this.watches.hasAnyAt(path) && !this.closing) {
        this.removeWatches(path, "any", { serverOnly: true }).catch(() => {});
      }
    });
    const onAbort = (): void => queue.fail(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort);
    this.addWatch(path, watcher, mode).catch((e) => queue.fail(e));
    return queue;
  }

  /**
   * Checks that a watch of `type` is set on `path` (opcode 17): resolves, or rejects with
   * NoWatcherError. With `watcher`, checks for that callback locally first.
   */
  checkWatches(
    path: string,
    type: WatcherTypeName = "any",
    options: CallOptions & { watcher?: Watcher } = {},
  ): Promise<void> {
    if (options.watcher !== undefined && !this.watches.hasOfType(path, type, options.watcher)) {
      return Promise.reject(new NoWatcherError(path));
    }
    return this.pathOp(OpCode.checkWatches, path, options, (p) => ({
      path: p,
      type: watcherTypeNumber[type],
    }));
  }

  /**
   * Removes watches of `type` on `path`. With `watcher`, only that callback is removed (the
   * server is asked with checkWatches, as the Java client does, unless other callbacks
   * remain); without, every watch of the type goes (removeWatches, opcode 18). `local: true`
   * removes the client's callbacks even if the server cannot be reached. Each removed
   * callback receives a *WatchRemoved event.
   */
  removeWatches(
    path: string,
    type: WatcherTypeName = "any",
    options: CallOptions & { watcher?: Watcher; local?: boolean; serverOnly?: boolean } = {},
  ): Promise<void> {
    try {
      validatePath(path);
    } catch (e) {
      return Promise.reject(e);
    }
    if (options.watcher !== undefined && !this.watches.hasOfType(path, type, options.watcher)) {
      return Promise.reject(new NoWatcherError(path));
    }
    if (options.local === true) {
      this.removeLocalWatches(path, type, options.watcher);
      return Promise.resolve();
    }
    const opcode = options.watcher !== undefined ? OpCode.checkWatches : OpCode.removeWatches;
    const req = new Request(
      this,
      opcode,
      { path: prependChroot(this.chroot, path), type: watcherTypeNumber[type] },
      path,
    );
    const extra: RemoveWatchesExtra = {
      type,
      watcher: options.watcher,
      serverOnly: options.serverOnly === true,
    };
    req.extra = extra;
    return this.enqueue(req, options) as Promise<void>;
  }

  /** Removes local callbacks, each told by its *WatchRemoved event (the server sends none). */
  protected removeLocalWatches(path: string, type: WatcherTypeName, watcher?: Watcher): void {
    for (const [set, eventType] of this.watches.removeOfType(path, type, watcher)) {
      deliver(
        set,
        { type: eventType, state: KeeperState.syncConnected, path },
        this.onWatcherError,
      );
    }
  }

  /** watcherError bound once, so delivering an event allocates no closure. */
  protected readonly onWatcherError = (error: unknown): void => this.watcherError(error);

  /** A watcher threw: like any EventEmitter listener, that is the application's bug. */
  protected watcherError(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else
      queueMicrotask(() => {
        throw error;
      });
  }

  /** The common shape: one path, checked and put under the chroot, and maybe a watch. */
  protected pathOp<T>(
    opcode: number,
    path: string,
    options: CallOptions & { watch?: Watcher },
    body: (serverPath: string) => unknown,
    watchTarget: number = WatchTarget.none,
    watcher?: Watcher,
  ): Promise<T> {
    const serverPath = this.serverPath(path);
    if (typeof serverPath !== "string") return Promise.reject(serverPath);
    const req = new Request(this, opcode, body(serverPath), path);
    return this.sendWatched(req, options, watcher ?? options.watch, watchTarget);
  }

  /** A read that may leave a watch: the body is { path, watch }, built without a closure. */
  protected watchedRead<T>(
    opcode: number,
    path: string,
    options: WatchOptions,
    watchTarget: number,
  ): Promise<T> {
    const serverPath = this.serverPath(path);
    if (typeof serverPath !== "string") return Promise.reject(serverPath);
    const watch = options.watch;
    const req = new Request(this, opcode, { path: serverPath, watch: watch !== undefined }, path);
    return this.sendWatched(req, options, watch, watchTarget);
  }

  /** The path under the chroot, or the error that an invalid path is. */
  private serverPath(path: string): string | unknown {
    try {
      validatePath(path);
    } catch (e) {
      return e;
    }
    return prependChroot(this.chroot, path);
  }

  private sendWatched<T>(
    req: Request,
    options: CallOptions,
    watcher: Watcher | undefined,
    watchTarget: number,
  ): Promise<T> {
    if (watcher !== undefined && watchTarget !== WatchTarget.none) {
      req.watcher = watcher;
      req.watchTarget = watchTarget;
    }
    return this.enqueue(req, options) as Promise<T>;
  }

  protected submit<T>(
    opcode: number,
    body: unknown,
    path: string,
    options: CallOptions,
  ): Promise<T> {
    return this.enqueue(new Request(this, opcode, body, path), options) as Promise<T>;
  }
}
