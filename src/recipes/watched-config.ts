// Watched configuration values: a typed view of one node's data, parsed by the caller's
// function (JSON by default), always current (NodeCache underneath), with change events and
// an async iterator. A value that fails to parse is reported and the last good one kept.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { EventQueue } from "../client/event-queue.js";
import { NodeCache } from "./node-cache.js";

export type WatchedConfigEvents<T> = { change: [T]; error: [unknown] };

export class WatchedConfig<T> extends EventEmitter<WatchedConfigEvents<T>> {
  private readonly cache: NodeCache;
  private current: T;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly defaultValue: T,
    private readonly parse: (data: Buffer) => T = (d) => JSON.parse(d.toString("utf8")) as T,
  ) {
    super();
    this.current = defaultValue;
    this.cache = new NodeCache(client, path);
    this.cache.on("change", (node) => {
      try {
        this.current = node === null ? this.defaultValue : this.parse(node.data);
        this.emit("change", this.current);
      } catch (e) {
        if (this.listenerCount("error") > 0) this.emit("error", e);
      }
    });
  }

  get value(): T {
    return this.current;
  }

  async start(): Promise<void> {
    await this.cache.start();
  }

  /** Writes a new value (serialized as JSON unless `serialize` says otherwise). */
  async set(value: T, serialize: (v: T) => string = (v) => JSON.stringify(v)): Promise<void> {
    try {
      await this.client.setData(this.path, serialize(value));
    } catch {
      await this.client.create(this.path, serialize(value));
    }
  }

  changes(signal?: AbortSignal): AsyncIterableIterator<T> {
    const on = (v: T): void => q.push(v);
    const q = new EventQueue<T>(() => this.off("change", on));
    this.on("change", on);
    signal?.addEventListener("abort", () => q.end());
    return q;
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}
