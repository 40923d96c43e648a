// A shared, watched count (Curator's SharedCount): every participant sees the current value
// (kept fresh by a data watch, re-read after reconnects and session renewals) and may change
// it with a versioned compare-and-set. Changes arrive as "change" events or through
// `changes()` as an async iterator.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { BadVersionError, NodeExistsError } from "../client/errors.js";
import { EventQueue } from "../client/event-queue.js";
import { NodeCache } from "./node-cache.js";

export type SharedCountEvents = { change: [value: number, version: number]; error: [unknown] };

export class SharedCount extends EventEmitter<SharedCountEvents> {
  private readonly cache: NodeCache;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly seed = 0,
  ) {
    super();
    this.cache = new NodeCache(client, path);
    this.cache.on("change", (node) => {
      if (node !== null) this.emit("change", parseCount(node.data), node.stat.version);
    });
    this.cache.on("error", (e) => {
      if (this.listenerCount("error") > 0) this.emit("error", e);
    });
  }

  async start(): Promise<void> {
    try {
      await this.client.create(this.path, String(this.seed));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
    await this.cache.start();
  }

  get count(): number {
    const node = this.cache.current;
    return node === null ? this.seed : parseCount(node.data);
  }

  get version(): number {
    return this.cache.current?.stat.version ?? -1;
  }

  /** Sets the count if the node is still at `expectedVersion`; false if someone was faster. */
  async trySetCount(value: number, expectedVersion = this.version): Promise<boolean> {
    try {
      await this.client.setData(this.path, String(value), expectedVersion);
      return true;
    } catch (e) {
      if (e instanceof BadVersionError) return false;
      throw e;
    }
  }

  /** The values as they change, until the signal aborts or close(). */
  changes(signal?: AbortSignal): AsyncIterableIterator<number> {
    const on = (v: number): void => q.push(v);
    const q = new EventQueue<number>(() => this.off("change", on));
    this.on("change", on);
    signal?.addEventListener("abort", () => q.end());
    return q;
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}

function parseCount(data: Buffer): number {
  const n = Number(data.toString("utf8").trim() || "0");
  return Number.isFinite(n) ? n : 0;
}
