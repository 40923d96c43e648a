// SnapshotTask: encoding runs in slices that each end once the clock says snapshotSliceMs
// have passed, yielding to the event loop (here: a queue the test drains) between them; the
// image it finally hands over is the state where it started, however many writes were
// applied between slices; an aborted task never reports.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "../../src/base/clock.js";
import {
  SnapshotTask,
  type SnapshotTaskStats,
  snapshotSliceMs,
} from "../../src/server/snapshot-task.js";
import { encodeSnapshot } from "../../src/state/snapshot-writer.js";
import { Harness, text } from "../state/harness.js";

/** A clock that moves 0.2 ms every time it is read: a slice is ten looks at it. */
function steppingClock(): Clock {
  let now = 0;
  return {
    nowMs: () => now,
    monotonicMs: () => (now += 0.2),
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
  assert.ok(stats.busyMs <= stats.slices * (snapshotSliceMs + 0.5));
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
  h.setData("/d1/n1", text("after abort"));
  assert.deepEqual(encodeSnapshot(h.state).length > 0, true);
});
