// RaftLog's pipelining on a storage whose fsyncs complete only when the test says: entries
// committed by earlier Readies reach the member before the fsync of the entries proposed
// since, so a write waits for its own fsync only, not also for the next batch's; and nothing
// reaches the member before its own fsync.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock, TimerHandle } from "../../src/base/clock.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { RaftNode } from "../../src/raft/node.js";
import { Role } from "../../src/raft/types.js";
import { persistedStateFrom, RaftLog } from "../../src/server/raft-log.js";
import type { CommitSink } from "../../src/server/replicated-log.js";
import { Prng } from "../../src/sim/prng.js";
import type { Storage } from "../../src/storage/storage.js";

type Done = (error: Error | null) => void;

/** Appends wait in `unsynced` until sync() completes them, as one group-committed fsync. */
class GatedStorage {
  readonly wal = { nextAppendIndex: 1 };
  unsynced: { index: number; done: Done }[] = [];
  durable = 0;
  append(index: number, _term: number, _kind: number, _data: Uint8Array, done: Done): void {
    this.wal.nextAppendIndex = index + 1;
    this.unsynced.push({ index, done });
  }
  truncateSuffix(index: number, done: Done): void {
    this.wal.nextAppendIndex = index;
    done(null);
  }
  saveHardState(_state: unknown, done: Done): void {
    done(null);
  }
  sync(): void {
    const batch = this.unsynced;
    this.unsynced = [];
    for (const a of batch) {
      this.durable = Math.max(this.durable, a.index);
      a.done(null);
    }
  }
}

class ManualClock implements Clock {
  private timers = new Map<number, () => void>();
  private next = 1;
  nowMs(): number {
    return 0;
  }
  monotonicMs(): number {
    return 0;
  }
  setTimer(_delayMs: number, callback: () => void): TimerHandle {
    const id = this.next++;
    this.timers.set(id, callback);
    return { id };
  }
  cancelTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }
  fireAll(): void {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const f of due) f();
  }
}

test("committed entries reach the member before the next batch's fsync, never before their own", () => {
  const storage = new GatedStorage();
  const clock = new ManualClock();
  const deferred: (() => void)[] = [];
  const drain = () => {
    for (let i = 0; i < 1000 && deferred.length > 0; i++) deferred.shift()!();
  };
  const node = new RaftNode(
    { id: 1, random: new Prng(7), electionTicks: 10, heartbeatTicks: 1 },
    persistedStateFrom(
      { snapshot: null, entries: [], hardState: { term: 0, vote: 0, commit: 0 } },
      { voters: [1], learners: [] },
    ),
  );
  const log = new RaftLog({
    id: 1,
    clock,
    logger: new MemoryLogger(),
    storage: storage as unknown as Storage,
    node,
    defer: (f) => deferred.push(f),
    tickMs: 20,
  });
  const applied: number[] = [];
  const sink: CommitSink = {
    committed: (index) => {
      assert.ok(index <= storage.durable, `entry ${index} applied before its fsync`);
      applied.push(index);
    },
    skipped: (index) => {
      assert.ok(index <= storage.durable, `entry ${index} applied before its fsync`);
      applied.push(index);
    },
    restore: () => assert.fail("no snapshot in a group of one"),
    epochChanged: () => {},
    sessionsTouched: () => {},
    failed: (error) => assert.fail(error),
  };
  log.start(sink);
  // A single voter elects itself within its election timeout; each tick is one timer round.
  for (let i = 0; i < 100 && node.role !== Role.leader; i++) {
    clock.fireAll();
    drain();
    storage.sync();
    drain();
  }
  assert.equal(node.role, Role.leader);
  const base = applied.length === 0 ? 0 : applied[applied.length - 1];

  const a = log.propose(new Uint8Array([1]));
  drain();
  assert.equal(storage.unsynced.length, 1, "the first write is being persisted");
  const b = log.propose(new Uint8Array([2]));
  const c = log.propose(new Uint8Array([3]));
  drain();
  assert.equal(storage.unsynced.length, 1, "later writes wait for the Ready in flight");
  storage.sync(); // a is durable
  drain();
  assert.deepEqual(
    storage.unsynced.map((u) => u.index),
    [b, c],
    "b and c went out as one batch",
  );
  assert.equal(applied[applied.length - 1], a, "a is applied while b and c are being persisted");
  storage.sync();
  drain();
  assert.deepEqual(applied.slice(applied.indexOf(base) + 1), [a, b, c]);
  log.stop();
});
