// A distributed atomic counter (Curator's DistributedAtomicLong, optimistic mode): the value
// lives in one node as decimal text; every change is a compare-and-set on the node's
// version (setData with the version read), retried when another writer got in first.
// Connection losses are retried under a bounded backoff; an add that lost its reply may
// have happened, as with any non-idempotent write, so `add` reports what it saw.

import type { ZooKeeperClient } from "../client/client.js";
import { BadVersionError, NodeExistsError, NoNodeError } from "../client/errors.js";
import { parentPath } from "../client/paths.js";
import { ExponentialBackoff, type RetryPolicy, withRetry } from "../client/retry.js";
import { ensurePath } from "./support.js";

export interface CounterChange {
  /** True when the compare-and-set was applied. */
  succeeded: boolean;
  preValue: number;
  postValue: number;
}

export class DistributedCounter {
  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly initial = 0,
    readonly policy: RetryPolicy = new ExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 1000 }),
  ) {}

  async get(): Promise<number> {
    try {
      return parse((await this.client.getData(this.path)).data);
    } catch (e) {
      if (e instanceof NoNodeError) return this.initial;
      throw e;
    }
  }

  increment(): Promise<CounterChange> {
    return this.add(1);
  }

  decrement(): Promise<CounterChange> {
    return this.add(-1);
  }

  /** Adds `delta`, retrying the compare-and-set until it applies. */
  add(delta: number): Promise<CounterChange> {
    return this.update((v) => v + delta);
  }

  /** Sets the value if it currently equals `expected`. */
  async compareAndSet(expected: number, value: number): Promise<CounterChange> {
    return withRetry(
      async () => {
        const { current, version } = await this.read();
        if (current !== expected)
          return { succeeded: false, preValue: current, postValue: current };
        return (
          (await this.tryWrite(version, current, value)) ?? {
            succeeded: false,
            preValue: current,
            postValue: current,
          }
        );
      },
      { policy: this.policy },
    );
  }

  /** Applies `f` to the current value atomically (retrying on contention). */
  async update(f: (value: number) => number): Promise<CounterChange> {
    return withRetry(
      async () => {
        for (let spins = 0; ; spins++) {
          const { current, version } = await this.read();
          const result = await this.tryWrite(version, current, f(current));
          if (result !== null) return result;
          // Contention: another writer won. Back off a little, growing, with jitter.
          if (spins > 3)
            await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, spins * 2)));
        }
      },
      { policy: this.policy },
    );
  }

  private async read(): Promise<{ current: number; version: number }> {
    try {
      const { data, stat } = await this.client.getData(this.path);
      return { current: parse(data), version: stat.version };
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      return { current: this.initial, version: -2 };
    }
  }

  /** One compare-and-set; null when another writer changed the node first. */
  private async tryWrite(
    version: number,
    current: number,
    next: number,
  ): Promise<CounterChange | null> {
    if (!Number.isSafeInteger(next))
      throw new RangeError(`counter value ${next} is not a safe integer`);
    try {
      if (version === -2) {
        await ensurePath(this.client, parentPath(this.path));
        await this.client.create(this.path, String(next));
      } else {
        await this.client.setData(this.path, String(next), version);
      }
      return { succeeded: true, preValue: current, postValue: next };
    } catch (e) {
      if (e instanceof BadVersionError || e instanceof NodeExistsError || e instanceof NoNodeError)
        return null;
      throw e;
    }
  }
}

function parse(data: Buffer): number {
  const text = data.toString("utf8").trim();
  if (text === "") return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`counter node holds "${text}", not an integer`);
  return n;
}
