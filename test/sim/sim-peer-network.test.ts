// Proves SimPeerNetwork keeps the PeerNetwork contract on the time line: messages on one
// link arrive in order, exactly once, unaltered, whatever their drawn delays; a cut drops
// what is in flight and tells the sender its link went down, then up again after healing;
// a one-way cut leaves the other direction carrying; a crashed member's links go down and
// nothing sent to it arrives at its next incarnation.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerHandler } from "../../src/base/peer-network.js";
import { Prng } from "../../src/sim/prng.js";
import { SimPeerNetwork } from "../../src/sim/sim-peer-network.js";
import { Owner, Timeline } from "../../src/sim/timeline.js";

function recorder() {
  const got: string[] = [];
  const links: string[] = [];
  const handler: PeerHandler = {
    message: (from, body) => got.push(`${from}:${body[0]}`),
    linkChanged: (peer, up) => links.push(`${peer}:${up ? "up" : "down"}`),
  };
  return { got, links, handler };
}

function setup(seed = 1) {
  const timeline = new Timeline();
  const wire = new Owner("wire");
  const net = new SimPeerNetwork({
    timeline,
    random: new Prng(seed),
    wire,
    members: [1, 2, 3],
    latencyMsMax: 20,
    jitterMsMax: 30,
    reconnectMsMax: 10,
    lossPerMille: 0,
  });
  const run = (ms: number) => {
    const end = timeline.nowMs + ms;
    while (timeline.pending > 0 && timeline.nowMs <= end) timeline.step();
  };
  return { timeline, net, run };
}

test("one link is FIFO and exactly once despite jitter", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { net, run } = setup(seed);
    const a = net.attach(1, new Owner("m1"));
    const b = net.attach(2, new Owner("m2"));
    const rb = recorder();
    a.start(recorder().handler);
    b.start(rb.handler);
    run(50);
    for (let i = 0; i < 100; i++) a.send(2, new Uint8Array([i]));
    run(1000);
    assert.deepEqual(
      rb.got,
      Array.from({ length: 100 }, (_, i) => `1:${i}`),
    );
  }
});

test("a cut drops what is in flight, reports down, and up after healing", () => {
  const { net, run } = setup();
  const ra = recorder();
  const rb = recorder();
  const a = net.attach(1, new Owner("m1"));
  const b = net.attach(2, new Owner("m2"));
  a.start(ra.handler);
  b.start(rb.handler);
  run(50);
  assert.deepEqual(ra.links, ["2:up"]);
  a.send(2, new Uint8Array([7]));
  net.cut(1, 2, false);
  a.send(2, new Uint8Array([8]));
  run(200);
  assert.deepEqual(rb.got, [], "nothing crosses a cut, not even what was in flight");
  assert.deepEqual(ra.links, ["2:up", "2:down"]);
  net.healAll();
  run(200);
  assert.deepEqual(ra.links, ["2:up", "2:down", "2:up"]);
  a.send(2, new Uint8Array([9]));
  run(200);
  assert.deepEqual(rb.got, ["1:9"]);
});

test("a one-way cut leaves the other direction carrying", () => {
  const { net, run } = setup();
  const ra = recorder();
  const rb = recorder();
  const a = net.attach(1, new Owner("m1"));
  const b = net.attach(2, new Owner("m2"));
  a.start(ra.handler);
  b.start(rb.handler);
  run(50);
  net.cut(1, 2, true);
  a.send(2, new Uint8Array([1]));
  b.send(1, new Uint8Array([2]));
  run(200);
  assert.deepEqual(rb.got, []);
  assert.deepEqual(ra.got, ["2:2"]);
  assert.ok(net.isUp(2, 1) && !net.isUp(1, 2));
});

test("a crashed member's links go down and its next incarnation gets nothing old", () => {
  const { net, run } = setup();
  const ra = recorder();
  const a = net.attach(1, new Owner("m1"));
  const owner2 = new Owner("m2#1");
  const b = net.attach(2, owner2);
  a.start(ra.handler);
  b.start(recorder().handler);
  run(50);
  a.send(2, new Uint8Array([5]));
  owner2.alive = false;
  net.crashed(2);
  run(10);
  assert.deepEqual(ra.links, ["2:up", "2:down"]);
  const rb2 = recorder();
  const b2 = net.attach(2, new Owner("m2#2"));
  b2.start(rb2.handler);
  run(200);
  assert.deepEqual(rb2.got, [], "what was sent to the dead incarnation died with it");
  assert.deepEqual(ra.links, ["2:up", "2:down", "2:up"]);
  a.send(2, new Uint8Array([6]));
  run(200);
  assert.deepEqual(rb2.got, ["1:6"]);
});
