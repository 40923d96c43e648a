// Proves a peer's outbound queue: frames leave as u32 length + body, all queued frames in one
// chunk, in order, counted as sent; a body above frameBytesMax and one that would take the
// queue (with what the socket holds) past queueBytesMax are dropped and counted, with one
// log line per kind and interval that carries how many were dropped since the last; a lost
// link counts what was queued as dropped, a stop does not.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { MemoryLogger } from "../../src/base/logger.js";
import { OutboundQueue } from "../../src/io/peer-outbound-queue.js";

const limits = { frameBytesMax: 100, queueBytesMax: 250, dropLogIntervalMs: 60_000 };

test("frames go out in one chunk, in order, and are counted as sent", () => {
  const queue = new OutboundQueue(7, limits, new MemoryLogger());
  assert.ok(queue.push(Buffer.from("ab"), 0));
  assert.ok(queue.push(new Uint8Array(0), 0));
  assert.ok(queue.push(Buffer.from("xyz"), 0));
  assert.equal(queue.bytes, 4 + 2 + 4 + 4 + 3);
  assert.equal(queue.messages, 3);
  const chunk = queue.take();
  assert.deepEqual([...chunk], [0, 0, 0, 2, 97, 98, 0, 0, 0, 0, 0, 0, 0, 3, 120, 121, 122]);
  assert.equal(queue.bytes, 0);
  assert.equal(queue.messagesSent, 3);
  // The chunk handed to the socket is not overwritten by what is queued next.
  queue.push(Buffer.from("Q"), 0);
  assert.equal(chunk[4], 97);
});

test("oversize and queue-full drops are counted and logged once per interval", () => {
  const logger = new MemoryLogger();
  const queue = new OutboundQueue(7, limits, logger);
  assert.equal(queue.push(Buffer.alloc(101), 0), false);
  assert.equal(queue.push(Buffer.alloc(200), 0), false);
  assert.equal(queue.messagesDroppedOversize, 2);
  assert.ok(queue.push(Buffer.alloc(100), 0));
  assert.ok(queue.push(Buffer.alloc(100), 0), "208 bytes fit in 250");
  assert.equal(queue.push(Buffer.alloc(30), 10), false, "242 would, but not with the socket's 10");
  assert.equal(queue.push(Buffer.alloc(40), 0), false);
  assert.equal(queue.messagesDroppedQueueFull, 2);
  assert.ok(queue.push(Buffer.alloc(30), 0), "242 fit with an empty socket");
  assert.equal(queue.push(Buffer.alloc(30), 8), false, "242 + 8 socket bytes + 34 do not");
  assert.deepEqual(
    logger.lines.map((l) => [l.level, l.message, l.fields?.dropped]),
    [
      ["error", "peer message larger than frameBytesMax dropped", 1],
      ["warn", "peer queue full; dropping messages", 1],
    ],
    "one line per kind within the interval",
  );
  assert.equal(logger.lines[1].fields?.queueBytesMax, 250);
  assert.equal(queue.messagesDroppedQueueFull, 3);

  // Once the interval has passed, the next line says how many were dropped since the last.
  const quick = new OutboundQueue(8, { ...limits, dropLogIntervalMs: 0 }, logger);
  logger.lines.length = 0;
  quick.push(Buffer.alloc(101), 0);
  quick.push(Buffer.alloc(101), 0);
  assert.deepEqual(
    logger.lines.map((l) => l.fields?.dropped),
    [1, 1],
  );
});

test("a lost link counts what was queued as dropped; a stop does not", () => {
  const queue = new OutboundQueue(7, limits, new MemoryLogger());
  queue.push(Buffer.from("a"), 0);
  queue.push(Buffer.from("b"), 0);
  queue.clear(true);
  assert.equal(queue.messagesDroppedLinkDown, 2);
  assert.equal(queue.bytes, 0);
  queue.push(Buffer.from("c"), 0);
  queue.clear(false);
  assert.equal(queue.messagesDroppedLinkDown, 2);
  assert.equal(queue.messages, 0);
});
