// Proves what the member simulator relies on from its time line and clock: events run in
// time order and, at equal times, in the order scheduled; a dead owner's events never run
// (a crashed incarnation runs no more code); cancelled timers never fire; defer runs at the
// same simulated time, after what is already queued for it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SimClock, simWallOriginMs } from "../../src/sim/sim-clock.js";
import { Owner, Timeline } from "../../src/sim/timeline.js";

test("events run by time, then in the order scheduled", () => {
  const t = new Timeline();
  const owner = new Owner("a");
  const ran: string[] = [];
  t.at(5, owner, () => ran.push("5a"));
  t.at(1, owner, () => ran.push("1"));
  t.at(5, owner, () => ran.push("5b"));
  t.at(-3, owner, () => ran.push("now"));
  while (t.step()) {}
  assert.deepEqual(ran, ["now", "1", "5a", "5b"]);
  assert.equal(t.nowMs, 5);
});

test("a dead owner's events and cancelled timers never run", () => {
  const t = new Timeline();
  const member = new Owner("member#1");
  const harness = new Owner("harness");
  const clock = new SimClock(t, member);
  const ran: string[] = [];
  clock.setTimer(10, () => ran.push("timer"));
  const cancelled = clock.setTimer(5, () => ran.push("cancelled"));
  clock.cancelTimer(cancelled);
  t.at(7, harness, () => {
    member.alive = false;
    clock.defer(() => ran.push("deferred after death"));
  });
  t.at(20, harness, () => ran.push("harness"));
  while (t.step()) {}
  assert.deepEqual(ran, ["harness"]);
  assert.equal(t.dropped, 3);
});

test("the clock reads simulated time; defer runs at the same time after queued events", () => {
  const t = new Timeline();
  const owner = new Owner("m");
  const clock = new SimClock(t, owner);
  const seen: [string, number][] = [];
  t.at(3, owner, () => {
    t.at(0, owner, () => seen.push(["queued", clock.monotonicMs()]));
    clock.defer(() => seen.push(["deferred", clock.monotonicMs()]));
  });
  while (t.step()) {}
  assert.deepEqual(seen, [
    ["queued", 3],
    ["deferred", 3],
  ]);
  assert.equal(clock.nowMs(), simWallOriginMs + 3);
});
