// Test helpers for storage on a SimDisk: a seeded Random, a logger that records its lines,
// and a way to run callback-style storage calls to completion on the simulated event queue.

import type { Random } from "../../src/base/random.js";
import { SimDisk, type SimDiskOptions } from "../../src/sim/sim-disk.js";
import { SimDiskEventQueue } from "../../src/sim/sim-disk-event-queue.js";
import {
  openStorage,
  type Recovered,
  type Storage,
  type StorageOptions,
} from "../../src/storage/storage.js";
import type { StorageLogger } from "../../src/storage/types.js";

/** mulberry32: small, fast, good enough for fault schedules; the seed replays a run. */
export class SeededRandom implements Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(bound: number): number {
    return bound === 1 ? 0 : Math.floor((this.uint32() / 2 ** 32) * bound);
  }
  fill(target: Uint8Array): Uint8Array {
    for (let i = 0; i < target.length; i++) target[i] = this.uint32() & 0xff;
    return target;
  }
}

export class RecordingLogger implements StorageLogger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`INFO ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`WARN ${message}`);
  }
  error(message: string): void {
    this.lines.push(`ERROR ${message}`);
  }
  has(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }
}

export interface Sim {
  random: SeededRandom;
  queue: SimDiskEventQueue;
  disk: SimDisk;
  logger: RecordingLogger;
}

export function makeSim(seed: number, options: Partial<SimDiskOptions> = {}): Sim {
  const random = new SeededRandom(seed);
  const queue = new SimDiskEventQueue();
  const disk = new SimDisk({ random, schedule: queue.schedule, ...options });
  return { random, queue, disk, logger: new RecordingLogger() };
}

export function storageOptions(sim: Sim, extra: Partial<StorageOptions> = {}): StorageOptions {
  return {
    disk: sim.disk,
    logDir: "/data/log",
    snapDir: "/data/snap",
    logger: sim.logger,
    ...extra,
  };
}

/** Starts `operation`, runs the simulated disk until idle, and returns what its callback got. */
export function complete<T extends unknown[]>(
  sim: Sim,
  operation: (done: (...args: T) => void) => void,
): T {
  let result: T | null = null;
  operation((...args: T) => {
    if (result !== null) throw new Error("callback ran twice");
    result = args;
  });
  sim.queue.runUntilIdle();
  if (result === null) throw new Error("callback never ran");
  return result;
}

export interface Opened {
  storage: Storage;
  recovered: Recovered;
}

export function open(sim: Sim, extra: Partial<StorageOptions> = {}): Opened {
  const [error, storage, recovered] = complete(
    sim,
    (done: (e: Error | null, s: Storage | null, r: Recovered | null) => void) =>
      openStorage(storageOptions(sim, extra), done),
  );
  if (error) throw error;
  return { storage: storage!, recovered: recovered! };
}

export function openError(sim: Sim, extra: Partial<StorageOptions> = {}): Error {
  const [error] = complete(
    sim,
    (done: (e: Error | null, s: Storage | null, r: Recovered | null) => void) =>
      openStorage(storageOptions(sim, extra), done),
  );
  if (error === null) throw new Error("openStorage succeeded where it should have refused");
  return error;
}

/** A deterministic payload for an index, so recovered data can be checked byte for byte. */
export function payloadFor(index: number, size = 16 + (index % 23)): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (index * 31 + i * 7) & 0xff;
  return bytes;
}

export function termFor(index: number): number {
  return 1 + Math.floor(index / 50);
}

/** Appends indexes [from, to] and runs the disk until all are durable. */
export function appendRange(sim: Sim, storage: Storage, from: number, to: number): void {
  let acked = 0;
  for (let i = from; i <= to; i++) {
    storage.append(i, termFor(i), i % 3, payloadFor(i), (error) => {
      if (error) throw error;
      acked++;
    });
  }
  sim.queue.runUntilIdle();
  if (acked !== to - from + 1)
    throw new Error(`only ${acked} of ${to - from + 1} appends acknowledged`);
}
