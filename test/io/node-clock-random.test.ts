// Proves the Node Clock and Random: timers fire once after their delay and can be
// cancelled, monotonic time never goes back; random values stay in range, below() is
// uniform enough to catch an off-by-one or a biased reduction, and fill() fills.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeRandom } from "../../src/io/node-random.js";

test("NodeClock timers fire once, in order, and cancel", async () => {
  const clock = new NodeClock();
  const fired: string[] = [];
  const start = clock.monotonicMs();
  const cancelled = clock.setTimer(5, () => fired.push("cancelled"));
  await new Promise<void>((resolve) => {
    clock.setTimer(20, () => {
      fired.push("late");
      resolve();
    });
    clock.setTimer(10, () => fired.push("early"));
    clock.cancelTimer(cancelled);
  });
  assert.deepEqual(fired, ["early", "late"]);
  assert.ok(clock.monotonicMs() - start >= 19);
  assert.ok(Math.abs(clock.nowMs() - Date.now()) < 1000);
  clock.cancelTimer(cancelled); // cancelling twice is harmless
});

test("NodeRandom stays in range and is not visibly biased", () => {
  const random = new NodeRandom();
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) {
    const v = random.below(6);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 6);
    counts[v]++;
  }
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `counts ${counts}`);
  for (let i = 0; i < 2000; i++) {
    const u = random.uint32();
    assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
  }
  assert.equal(random.below(1), 0);
  assert.ok(random.below(2 ** 32) < 2 ** 32);
  assert.throws(() => random.below(0), RangeError);
  const bytes = random.fill(new Uint8Array(64));
  assert.ok(bytes.some((b) => b !== 0));
});
