// The fault test's workload: concurrent clients of the project's own TypeScript client
// against one connect string, recording everything in a FaultHistory.
//
// - register clients: pick one of a few keys, read it (getData, after a pipelined sync when
//   syncReads is on, so a read on an ensemble follower is linearizable too), then usually
//   setData with the version read (a compare-and-set), sometimes unconditionally (-1);
// - set clients: create <root>/set/item- PERSISTENT_SEQUENTIAL with a payload unique to
//   the attempt, recording the name each acknowledgement returns;
// - ephemeral clients: see ephemeral-client.ts.
//
// A client issues nothing while it has no connection (it waits, bounded by the run), so a
// dead server does not turn into a pile of indeterminate operations. After the run,
// finish() (called once the nemesis has healed everything) reads the final state: one more
// read of every register, the set's listing with each node's payload, the ephemerals with
// their owners, and then proves which sessions are still alive.
import type { ZooKeeperClient } from "../../src/client/client.js";
import { NodeExistsError } from "../../src/client/errors.js";
import type { RegisterInput } from "../../src/sim/register-model.js";
import { rng, type TestRng } from "../support/rng.js";
import { awaitConnection, type ClientSettings, newClient, retryUntil } from "./client-loop.js";
import { EphemeralClient } from "./ephemeral-client.js";
import { classifyError, type FaultHistory } from "./history.js";

export interface WorkloadOptions {
  connectString: string;
  /** Root of this run's nodes (created by setup; must not exist). */
  root?: string;
  durationMs: number;
  seed: number;
  registerClients?: number;
  registerKeys?: number;
  setClients?: number;
  ephemeralClients?: number;
  sessionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Sync before each register read (needed where followers answer reads locally). */
  syncReads?: boolean;
  /** How long setup and the final collection may wait for the service. */
  settleTimeoutMs?: number;
  /** Longest pause between one client's operations (keeps a 2-core machine breathing). */
  thinkMsMax?: number;
}

/** Client numbers of the collector's final register reads in the history. */
const collectorClient = 1000;

export class Workload {
  private readonly settings: ClientSettings;
  private readonly root: string;
  private readonly keys: string[];
  private readonly ephemerals: EphemeralClient[] = [];
  private readonly clients = new Set<ZooKeeperClient>();
  private readonly r: TestRng;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly history: FaultHistory,
  ) {
    this.settings = {
      connectString: options.connectString,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 4000,
      requestTimeoutMs: options.requestTimeoutMs ?? 1500,
    };
    this.root = options.root ?? "/fault";
    this.keys = Array.from(
      { length: options.registerKeys ?? 3 },
      (_, i) => `${this.root}/register/k${i}`,
    );
    this.r = rng(options.seed);
    history.setPrefix = "item-";
  }

  private get settleTimeoutMs(): number {
    return this.options.settleTimeoutMs ?? 30_000;
  }

  private client(r: TestRng, extra = {}): ZooKeeperClient {
    const c = newClient(this.settings, r, extra);
    this.clients.add(c);
    return c;
  }

  /** Creates the run's nodes; every register starts as "init" at version 0. */
  async setup(): Promise<void> {
    const h = this.history;
    const zk = this.client(rng(this.options.seed ^ 0x5e7));
    const until = h.now() + this.settleTimeoutMs;
    const paths = [
      this.root,
      `${this.root}/register`,
      `${this.root}/set`,
      `${this.root}/eph`,
      `${this.root}/alive`,
    ];
    for (const path of [...paths, ...this.keys]) {
      await retryUntil(
        () => h.now(),
        until,
        () =>
          zk.create(path, this.keys.includes(path) ? "init" : "").catch((e) => {
            // A retried create that had landed the first time.
            if (!(e instanceof NodeExistsError)) throw e;
          }),
      );
    }
    for (const key of this.keys) {
      const { data, stat } = await retryUntil(
        () => h.now(),
        until,
        () => zk.getData(key),
      );
      h.registerInitial.set(key, { value: data.toString(), version: stat.version });
    }
    await zk.close();
    this.clients.delete(zk);
  }

  /** Runs every client for durationMs; ephemeral sessions stay open for finish(). */
  async run(): Promise<void> {
    const h = this.history;
    const until = h.now() + this.options.durationMs;
    const loops: Promise<void>[] = [];
    let id = 0;
    for (let i = 0; i < (this.options.registerClients ?? 4); i++) {
      loops.push(this.registerLoop(++id, rng(this.r.int(2 ** 31)), until));
    }
    for (let i = 0; i < (this.options.setClients ?? 2); i++) {
      loops.push(this.setLoop(++id, rng(this.r.int(2 ** 31)), until));
    }
    for (let i = 0; i < (this.options.ephemeralClients ?? 2); i++) {
      const e = new EphemeralClient(
        ++id,
        this.settings,
        rng(this.r.int(2 ** 31)),
        h,
        `${this.root}/eph`,
        `${this.root}/alive`,
      );
      this.ephemerals.push(e);
      loops.push(e.run(until));
    }
    await Promise.all(loops);
  }

  private think(r: TestRng): Promise<void> {
    const ms = r.int((this.options.thinkMsMax ?? 20) + 1);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async registerLoop(id: number, r: TestRng, untilMs: number): Promise<void> {
    const h = this.history;
    const zk = this.client(r);
    let written = 0;
    while (h.now() < untilMs) {
      if (!(await awaitConnection(zk, () => h.now(), untilMs))) continue;
      const key = r.pick(this.keys);
      if (r.chance(0.1)) {
        await this.write(zk, id, key, `c${id}-${written++}`, -1);
      } else {
        const version = await this.read(zk, id, key);
        if (version >= 0 && r.chance(0.8)) {
          await this.write(zk, id, key, `c${id}-${written++}`, version);
        }
      }
      await this.think(r);
    }
    await zk.close();
    this.clients.delete(zk);
  }

  /** Records one read; returns the version read, or -1 when it failed. */
  private async read(zk: ZooKeeperClient, client: number, key: string): Promise<number> {
    const h = this.history;
    const input: RegisterInput = { f: "read" };
    const invokeMs = h.now();
    try {
      const [, got] = await Promise.all([
        this.options.syncReads === false ? null : zk.sync(key),
        zk.getData(key),
      ]);
      const completeMs = h.now();
      h.register.push({
        key,
        client,
        input,
        invokeMs,
        completeMs,
        outcome: "ok",
        output: { f: "read", value: got.data.toString(), version: got.stat.version },
      });
      return got.stat.version;
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unexpected" || kind === "badVersion") h.noteAnomaly(`read ${key}`, e);
      // A read that did not answer constrains nothing; it is kept for the figures.
      h.register.push({ key, client, input, invokeMs, outcome: "failed" });
      return -1;
    }
  }

  private async write(
    zk: ZooKeeperClient,
    client: number,
    key: string,
    value: string,
    expectedVersion: number,
  ): Promise<void> {
    const h = this.history;
    const input: RegisterInput = { f: "write", value, expectedVersion };
    const invokeMs = h.now();
    try {
      const stat = await zk.setData(key, value, expectedVersion);
      h.register.push({
        key,
        client,
        input,
        invokeMs,
        completeMs: h.now(),
        outcome: "ok",
        output: { f: "written", version: stat.version },
      });
    } catch (e) {
      const kind = classifyError(e);
      const completeMs = h.now();
      if (kind === "badVersion") {
        h.register.push({
          key,
          client,
          input,
          invokeMs,
          completeMs,
          outcome: "ok",
          output: { f: "badVersion" },
        });
        return;
      }
      if (kind === "unexpected") h.noteAnomaly(`setData ${key}`, e);
      h.register.push({
        key,
        client,
        input,
        invokeMs,
        outcome: kind === "failed" ? "failed" : "indeterminate",
      });
    }
  }

  private async setLoop(id: number, r: TestRng, untilMs: number): Promise<void> {
    const h = this.history;
    const zk = this.client(r);
    const prefix = `${this.root}/set/${h.setPrefix}`;
    let n = 0;
    while (h.now() < untilMs) {
      if (!(await awaitConnection(zk, () => h.now(), untilMs))) continue;
      const tag = `s${id}-${n++}`;
      const invokeMs = h.now();
      try {
        const { path } = await zk.create(prefix, tag, { mode: "persistentSequential" });
        h.creates.push({
          client: id,
          tag,
          invokeMs,
          completeMs: h.now(),
          outcome: "ok",
          name: path.slice(path.lastIndexOf("/") + 1),
        });
      } catch (e) {
        const kind = classifyError(e);
        if (kind === "unexpected" || kind === "badVersion") h.noteAnomaly(`create ${prefix}`, e);
        h.creates.push({
          client: id,
          tag,
          invokeMs,
          outcome: kind === "failed" ? "failed" : "indeterminate",
        });
      }
      await this.think(r);
    }
    await zk.close();
    this.clients.delete(zk);
  }

  /**
   * Reads the final state once the service is whole again: a last read of every register
   * (part of the history, so an acknowledged write lost in a crash shows), the set's
   * listing, the ephemerals and their owners; then settles every session's fate.
   */
  async finish(): Promise<void> {
    const h = this.history;
    const until = h.now() + this.settleTimeoutMs;
    const zk = this.client(rng(this.options.seed ^ 0xf1a));
    if (!(await awaitConnection(zk, () => h.now(), until))) {
      throw new Error("the service did not come back for the final reads");
    }
    for (const key of this.keys) {
      await retryUntil(
        () => h.now(),
        until,
        async () => {
          if ((await this.read(zk, collectorClient, key)) < 0) throw new Error(`read ${key}`);
        },
      );
    }
    const setDir = `${this.root}/set`;
    h.setListing = await retryUntil(
      () => h.now(),
      until,
      async () => {
        await zk.sync(setDir);
        const names = await zk.getChildren(setDir);
        const listing = [];
        for (const name of names.sort()) {
          const { data } = await zk.getData(`${setDir}/${name}`);
          listing.push({ name, data: data.toString() });
        }
        return listing;
      },
    );
    for (const e of this.ephemerals) await e.settle(until);
    const ephDir = `${this.root}/eph`;
    const listStartMs = h.now();
    h.ephemeralListing = await retryUntil(
      () => h.now(),
      until,
      async () => {
        await zk.sync(ephDir);
        const names = await zk.getChildren(ephDir);
        const listing = [];
        for (const name of names.sort()) {
          // A node gone since getChildren was deleted during the listing, by its
          // session's end; it counts as absent.
          const stat = await zk.exists(`${ephDir}/${name}`);
          if (stat !== null)
            listing.push({ path: `${ephDir}/${name}`, owner: stat.ephemeralOwner });
        }
        return listing;
      },
    );
    h.listedAtMs = listStartMs;
    for (const e of this.ephemerals) await e.finish(listStartMs, until);
    await zk.close();
    this.clients.delete(zk);
  }

  /** Closes every client still open (after a failure, for instance). */
  async close(): Promise<void> {
    for (const e of this.ephemerals) await e.close();
    await Promise.all([...this.clients].map((c) => c.close()));
    this.clients.clear();
  }
}
