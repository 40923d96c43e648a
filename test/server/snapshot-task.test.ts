// SnapshotTask: encoding runs in slices that each end as soon as the clock says
// snapshotSliceMs have passed (never more than one look at the clock later), yielding to the
// event loop (here: a queue the test drains) between them; the clock is looked at after at
// most nodesPerCheck nodes or bytesPerCheck bytes, so large nodes cannot stretch a slice; the
// image it finally hands over is the state where it started, however many writes were
// applied between slices; an aborted task never reports and the next task's image is exact.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "../../src/base/clock.js";
import {
  bytesPerCheck,
  nodesPerCheck,
  SnapshotTask,
  type SnapshotTaskStats,
  snapshotSliceMs,
} from "../../src/server/snapshot-task.js";
import { encodeSnapshot, SnapshotWriter } from "../../src/state/snapshot-writer.js";
import { Harness, text } from "../state/harness.js";

/** One look at the stepping clock moves it this far. */
const lookMs = 0.3;

/** A clock that moves lookMs every time it is read: a slice is a few looks at it. */
function steppingClock(): Clock {
  let now = 0;
  return {
    nowMs: () => now,
    monotonicMs: () => (now += lookMs),
    setTimer: () => {
      throw new Error("no timers here");
    },
    cancelTimer: () => {},
  };
}

function bigTree(): Harness {
  const h = new Harness();
  for (let i = 0; i < 40; i++) {
    h.create(`/d${i}`, { data: text(`dir ${i}`) });
    for (let j = 0; j < 200; j++) h.create(`/d${i}/n${j}`, { data: text(`value ${i}.${j}`) });
  }
  return h;
}

test("a snapshot task encodes in several slices and shows the state where it began", () => {
  const h = bigTree();
  const expected = encodeSnapshot(h.state);
  const queue: (() => void)[] = [];
  let result: { parts: Uint8Array[]; stats: SnapshotTaskStats } | null = null;
  const task = new SnapshotTask(
    h.state,
    steppingClock(),
    (cb) => queue.push(cb),
    (parts, stats) => {
      result = { parts, stats };
    },
  );
  assert.equal(task.zxid, h.zxid);
  let between = 0;
  for (let turns = 0; queue.length > 0; turns++) {
    assert.ok(turns < 10000, "task never finished");
    queue.shift()!();
    // Writes between slices: new nodes, changed and deleted old ones, far and near the walk.
    const i = 39 - (between++ % 40);
    h.create(`/d${i}/late${between}`, { data: text("late") });
    h.setData(`/d${(i * 7) % 40}/n${between % 200}`, text("changed"));
    h.delete(`/d${(i * 13) % 40}/n${(between * 3) % 200}`);
    h.delete(`/d${i}/n${between + 100}`);
  }
  assert.ok(result !== null, "task did not report");
  const { parts, stats } = result as { parts: Uint8Array[]; stats: SnapshotTaskStats };
  assert.ok(stats.slices > 1, `expected several slices, got ${stats.slices}`);
  // A slice ends at the first look at or past the bound: with looks lookMs apart, it lasts
  // less than the bound plus one look, and every slice but the last reached the bound.
  assert.ok(stats.maxSliceMs < snapshotSliceMs + lookMs, `longest slice ${stats.maxSliceMs}`);
  assert.ok(stats.busyMs >= (stats.slices - 1) * snapshotSliceMs, JSON.stringify(stats));
  assert.ok(
    stats.keptNodes > 0,
    `writes between slices should have kept nodes aside: ${JSON.stringify(stats)}`,
  );
  assert.equal(stats.bytes, expected.length);
  assert.deepEqual(Buffer.concat(parts), expected);
});

test("an aborted snapshot task never reports and frees the tree for the next one", () => {
  const h = bigTree();
  const queue: (() => void)[] = [];
  let reported = false;
  const task = new SnapshotTask(
    h.state,
    steppingClock(),
    (cb) => queue.push(cb),
    () => {
      reported = true;
    },
  );
  queue.shift()!();
  task.abort();
  while (queue.length > 0) queue.shift()!();
  assert.equal(reported, false);
  // The tree is free: a change is not kept aside for the dead task, and a new task (which
  // could not begin while the old image was open) writes an exact image.
  h.setData("/d1/n1", text("after abort"));
  const expected = encodeSnapshot(h.state);
  let parts: Uint8Array[] | null = null;
  new SnapshotTask(
    h.state,
    steppingClock(),
    (cb) => queue.push(cb),
    (p, stats) => {
      parts = p;
      assert.equal(stats.keptNodes, 0);
    },
  );
  for (let turns = 0; queue.length > 0; turns++) {
    assert.ok(turns < 10000, "second task never finished");
    queue.shift()!();
  }
  assert.ok(parts !== null, "second task did not report");
  assert.deepEqual(Buffer.concat(parts), expected);
});

test("the clock is looked at after nodesPerCheck small nodes or bytesPerCheck bytes", () => {
  const h = new Harness();
  const big = new Uint8Array(bytesPerCheck / 2).fill(0x61);
  for (let i = 0; i < 20; i++) h.create(`/big${i}`, { data: big });
  for (let i = 0; i < 3 * nodesPerCheck; i++) h.create(`/small${i}`, { data: text("s") });
  const writer = new SnapshotWriter(h.state);
  const stepBytes: number[] = [];
  for (let done = false, before = 0; !done; ) {
    done = writer.step(nodesPerCheck, bytesPerCheck);
    stepBytes.push(writer.bytesWritten - before);
    before = writer.bytesWritten;
  }
  // A step stops once past the byte budget: at most one node (a big one) beyond it.
  for (const bytes of stepBytes) {
    assert.ok(bytes < bytesPerCheck + big.length + 256, `a step wrote ${bytes} bytes`);
  }
  // 20 big nodes at half a budget each need about 10 steps; the small ones 3 more.
  assert.ok(stepBytes.length >= 12, `${stepBytes.length} steps`);
  assert.deepEqual(Buffer.concat(writer.parts()), encodeSnapshot(h.state));
});
