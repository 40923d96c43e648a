// Leader election, selector style (Curator's LeaderSelector): participants take turns
// running `takeLeadership(signal, token)`. Leadership lasts until that function returns
// (relinquish) or the signal aborts (session lost/expired, or the selector closed); then the
// participant gives the lock up and, with autoRequeue, queues again. Built on the mutex.

import type { ZooKeeperClient } from "../client/client.js";
import { isRetriable } from "../client/errors.js";
import { Mutex } from "./mutex.js";

export type TakeLeadership = (signal: AbortSignal, token: number) => Promise<void>;

export class LeaderSelector {
  private readonly mutex: Mutex;
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;
  private leading = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly takeLeadership: TakeLeadership,
    readonly options: { autoRequeue?: boolean; onError?: (e: unknown) => void } = {},
  ) {
    this.mutex = new Mutex(client, path);
  }

  get hasLeadership(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.loop === null) this.loop = this.run();
  }

  private async run(): Promise<void> {
    do {
      try {
        const lease = await this.mutex.acquire({ signal: this.stop.signal });
        const signal = AbortSignal.any([lease.lost, this.stop.signal]);
        this.leading = true;
        try {
          await this.takeLeadership(signal, lease.token);
        } catch (e) {
          if (!signal.aborted) this.options.onError?.(e);
        } finally {
          this.leading = false;
          await lease.release();
        }
      } catch (e) {
        if (this.stop.signal.aborted) return;
        if (!isRetriable(e)) this.options.onError?.(e);
        await new Promise((r) => setTimeout(r, 50));
      }
    } while (this.options.autoRequeue !== false && !this.stop.signal.aborted);
  }

  /** Stops taking part; an ongoing takeLeadership sees its signal abort. */
  async close(): Promise<void> {
    this.stop.abort(new Error("selector closed"));
    await this.loop;
  }
}
