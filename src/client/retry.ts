// Retry policies for operations that failed with a retriable error (connection loss,
// operation timeout, throttling): bounded exponential backoff with jitter, as Curator's
// ExponentialBackoffRetry and kazoo's KazooRetry do. A policy answers "how long to wait
// before attempt n, or stop"; `withRetry` runs an operation under a policy and an optional
// AbortSignal. Only idempotent operations, or ones whose effect the caller checks, should be
// retried: a create that timed out may have happened (use `createIdempotent`-style checks or
// sequential-node markers as the recipes do).

import { setTimeout as sleep } from "node:timers/promises";
import { isRetriable } from "./errors.js";

export interface RetryPolicy {
  /**
   * Milliseconds to wait before retry number `attempt` (1 for the first retry), given the time
   * already spent; undefined to give up.
   */
  delayMs(attempt: number, elapsedMs: number): number | undefined;
}

export interface ExponentialBackoffOptions {
  /** First delay; doubles each retry. Default 100. */
  baseDelayMs?: number;
  /** Cap on one delay. Default 10 000. */
  maxDelayMs?: number;
  /** Give up after this many retries. Default 10. */
  maxRetries?: number;
  /** Give up once this much time has passed since the first attempt. Default unlimited. */
  maxElapsedMs?: number;
  /** Fraction of each delay randomised (0 = none, 0.5 = +/- 50%). Default 0.5. */
  jitter?: number;
  /** Random source in [0, 1); Math.random by default, injectable for tests. */
  random?: () => number;
}

export class ExponentialBackoff implements RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  readonly maxElapsedMs: number;
  readonly jitter: number;
  private readonly random: () => number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 10;
    this.maxElapsedMs = options.maxElapsedMs ?? Number.POSITIVE_INFINITY;
    this.jitter = options.jitter ?? 0.5;
    this.random = options.random ?? Math.random;
    if (!(this.baseDelayMs >= 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new RangeError("need 0 <= baseDelayMs <= maxDelayMs");
    }
    if (!(this.maxRetries >= 0) || !(this.jitter >= 0 && this.jitter <= 1)) {
      throw new RangeError("need maxRetries >= 0 and 0 <= jitter <= 1");
    }
  }

  delayMs(attempt: number, elapsedMs: number): number | undefined {
    if (attempt > this.maxRetries || elapsedMs >= this.maxElapsedMs) return undefined;
    // 2^(attempt-1) overflows to Infinity for huge attempts, which min() then caps.
    const raw = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const spread = raw * this.jitter;
    const delay = raw - spread + 2 * spread * this.random();
    return Math.max(0, Math.min(this.maxDelayMs, Math.round(delay)));
  }
}

/** Never retries. */
export const noRetry: RetryPolicy = { delayMs: () => undefined };

export interface WithRetryOptions {
  policy?: RetryPolicy;
  signal?: AbortSignal;
  /** Which errors to retry; retriable ZooKeeper errors by default. */
  retryOn?: (error: unknown) => boolean;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retriable error, or the policy gives
 * up (then the last error is thrown). `attempt` counts from 0.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: WithRetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? new ExponentialBackoff();
  const retryOn = options.retryOn ?? isRetriable;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!retryOn(error)) throw error;
      const delay = policy.delayMs(attempt + 1, performance.now() - started);
      if (delay === undefined) throw error;
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
