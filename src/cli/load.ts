// The load behind `corral bench`: a fixed number of client connections, each keeping a fixed
// number of requests in flight (closed loop), for a fixed time, against any server that
// speaks ZooKeeper's protocol. Closed loop because that is how coordination clients behave
// (a lock or a config read waits for its answer) and because it measures the server, not the
// generator's backlog: throughput and latency come out of the same run. Every workload works
// under a fresh root node so runs never collide and cleanup is one subtree.

import { ZooKeeperClient } from "../client/client.js";
import { NoNodeError, NotEmptyError } from "../client/errors.js";

export const workloadNames = ["create", "get", "exists", "set", "mixed", "delete"] as const;
export type WorkloadName = (typeof workloadNames)[number];

export interface LoadOptions {
  connectString: string;
  /** Client connections (each its own session). */
  clients: number;
  /** Requests each connection keeps in flight. */
  outstanding: number;
  durationMs: number;
  /** Run before measuring, so JIT, caches and connection buffers are warm. */
  warmupMs: number;
  /** Bytes of data per node written. */
  dataBytes: number;
  /** Nodes that get, exists, set and mixed spread over. */
  keys: number;
  sessionTimeoutMs?: number;
  /**
   * Spread the clients evenly over the connect string's hosts (client i starts at host i mod
   * n) instead of letting each pick one at random, so that a read figure measures every member.
   */
  spreadHosts?: boolean;
}

export interface WorkloadResult {
  workload: WorkloadName;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
}

// Latencies go into buckets 1/16 of a power of two wide (6% resolution), so recording costs
// no allocation and percentiles need no sort, whatever the run's length.
const subBuckets = 16;
const bucketCount = 40 * subBuckets;
const unitMs = 0.001;

export class LatencyHistogram {
  private readonly counts = new Float64Array(bucketCount);
  private total = 0;
  private maxMs = 0;

  record(ms: number): void {
    const units = Math.max(1, ms / unitMs);
    const exp = Math.floor(Math.log2(units));
    const sub = Math.floor((units / 2 ** exp - 1) * subBuckets);
    const i = Math.min(bucketCount - 1, exp * subBuckets + sub);
    this.counts[i]++;
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxMs;
  }

  /** The upper edge of the bucket holding the q-th quantile (0 < q <= 1). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const exp = Math.floor(i / subBuckets);
        const sub = i % subBuckets;
        return Math.min(this.maxMs, 2 ** exp * (1 + (sub + 1) / subBuckets) * unitMs);
      }
    }
    return this.maxMs;
  }
}

/** One benchmark session: connections, the root node, and the names the workloads share. */
export class Load {
  readonly root = `/corral-bench-${process.pid}-${Date.now().toString(36)}`;
  private clients: ZooKeeperClient[] = [];
  private readonly data: Uint8Array;
  /** `create` names its nodes n0, n1, ...; `delete` removes them in the same order. */
  private createdCount = 0;
  private deleteCursor = 0;
  private keyCursor = 0;

  constructor(private readonly options: LoadOptions) {
    this.data = new Uint8Array(options.dataBytes).fill(0x61);
  }

  async open(): Promise<void> {
    const slash = this.options.connectString.indexOf("/");
    const chroot = slash < 0 ? "" : this.options.connectString.slice(slash);
    const hosts = (
      slash < 0 ? this.options.connectString : this.options.connectString.slice(0, slash)
    ).split(",");
    for (let i = 0; i < this.options.clients; i++) {
      const spread = this.options.spreadHosts === true;
      // Rotated, so that each client still fails over to the other members in turn.
      const at = i % hosts.length;
      const connectString = spread
        ? [...hosts.slice(at), ...hosts.slice(0, at)].join(",") + chroot
        : this.options.connectString;
      const c = new ZooKeeperClient(connectString, {
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 30_000,
        shuffleHosts: !spread,
      });
      c.on("error", () => {});
      this.clients.push(c);
    }
    await Promise.all(this.clients.map((c) => c.waitConnected({ timeoutMs: 30_000 })));
    const c = this.clients[0];
    await c.create(this.root);
    await c.create(`${this.root}/k`);
    await c.create(`${this.root}/c`);
    // The keys are written with the same concurrency as the runs, so setup is quick too.
    let next = 0;
    await this.parallel(async (client) => {
      while (next < this.options.keys) {
        await client.create(`${this.root}/k/${next++}`, this.data);
      }
    });
  }

  async run(workload: WorkloadName): Promise<WorkloadResult> {
    if (this.options.warmupMs > 0 && workload !== "delete") {
      await this.drive(workload, this.options.warmupMs, null);
    }
    const histogram = new LatencyHistogram();
    const started = performance.now();
    const errors = await this.drive(workload, this.options.durationMs, histogram);
    const seconds = (performance.now() - started) / 1000;
    const ops = histogram.count;
    return {
      workload,
      ops,
      errors,
      seconds,
      opsPerSecond: ops / seconds,
      latencyMs: {
        p50: histogram.quantile(0.5),
        p90: histogram.quantile(0.9),
        p99: histogram.quantile(0.99),
        p999: histogram.quantile(0.999),
        max: histogram.max,
      },
    };
  }

  /** Removes everything the run made and closes the sessions. */
  async close(): Promise<void> {
    try {
      if (this.clients.length > 0 && this.clients[0].connected) await this.removeTree();
    } finally {
      await Promise.all(this.clients.map((c) => c.close()));
      this.clients = [];
    }
  }

  private async removeTree(): Promise<void> {
    for (const dir of ["c", "k"]) {
      const names = await this.clients[0].getChildren(`${this.root}/${dir}`).catch(() => []);
      let next = 0;
      await this.parallel(async (client) => {
        while (next < names.length) {
          await client.delete(`${this.root}/${dir}/${names[next++]}`).catch(ignoreNoNode);
        }
      });
      await this.clients[0].delete(`${this.root}/${dir}`).catch(ignoreNoNode);
    }
    await this.clients[0].delete(this.root).catch(ignoreNoNode);
  }

  /** Runs one workload for `ms`; returns the failed requests (they are not timed). */
  private async drive(
    workload: WorkloadName,
    ms: number,
    histogram: LatencyHistogram | null,
  ): Promise<number> {
    const end = performance.now() + ms;
    let errors = 0;
    await this.parallel(async (client) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const op = this.operation(workload, client);
        if (op === null) return;
        try {
          await op;
          histogram?.record(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    });
    return errors;
  }

  private operation(workload: WorkloadName, client: ZooKeeperClient): Promise<unknown> | null {
    switch (workload) {
      case "create":
        return client.create(`${this.root}/c/n${this.createdCount++}`, this.data);
      case "delete":
        if (this.deleteCursor >= this.createdCount) return null;
        return client.delete(`${this.root}/c/n${this.deleteCursor++}`);
      case "get":
        return client.getData(this.key());
      case "exists":
        return client.exists(this.key());
      case "set":
        return client.setData(this.key(), this.data);
      case "mixed":
        // One write in ten, the read-heavy mix coordination services are built for.
        return this.keyCursor % 10 === 0
          ? client.setData(this.key(), this.data)
          : client.getData(this.key());
    }
  }

  /** Keys in turn, so every connection touches every key and none is hot. */
  private key(): string {
    this.keyCursor = (this.keyCursor + 1) % this.options.keys;
    return `${this.root}/k/${this.keyCursor}`;
  }

  /** Runs `outstanding` copies of `loop` on every connection and waits for all of them. */
  private async parallel(loop: (client: ZooKeeperClient) => Promise<void>): Promise<void> {
    const loops: Promise<void>[] = [];
    for (const client of this.clients) {
      for (let i = 0; i < this.options.outstanding; i++) loops.push(loop(client));
    }
    await Promise.all(loops);
  }
}

function ignoreNoNode(e: unknown): void {
  if (e instanceof NoNodeError || e instanceof NotEmptyError) return;
  throw e;
}
