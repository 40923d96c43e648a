// Proves session deadlines are bucketed to tick boundaries strictly after lastHeard+timeout,
// that touching moves a session's deadline, and that expired() returns each due item once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExpiryQueue } from "../../src/server/expiry-queue.js";

test("deadlines round up to the next tick strictly after lastHeard + timeout", () => {
  const q = new ExpiryQueue<number>(2000);
  assert.equal(q.deadline(0, 4000), 6000);
  assert.equal(q.deadline(1, 4000), 6000);
  assert.equal(q.deadline(1999, 4000), 6000);
  assert.equal(q.deadline(2000, 4000), 8000);
});

test("touch moves an item; expired returns due items once, oldest first", () => {
  const q = new ExpiryQueue<string>(1000);
  q.touch("a", 0, 3000);
  q.touch("b", 500, 1000);
  q.touch("c", 0, 10000);
  assert.deepEqual(q.expired(1999), []);
  assert.deepEqual(q.expired(2000), ["b"]);
  q.touch("a", 2500, 3000);
  assert.deepEqual(q.expired(4000), []);
  assert.equal(q.deadlineFor("a"), 6000);
  assert.deepEqual(q.expired(20000), ["a", "c"]);
  assert.equal(q.size, 0);
  assert.deepEqual(q.expired(30000), []);
});

test("remove forgets an item", () => {
  const q = new ExpiryQueue<number>(100);
  q.touch(1, 0, 100);
  q.touch(2, 0, 100);
  q.remove(1);
  assert.equal(q.has(1), false);
  assert.deepEqual(
    q.snapshot().map((b) => b.keys),
    [[2]],
  );
  assert.deepEqual(q.expired(1000), [2]);
});
