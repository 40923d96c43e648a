// Proves the client's server list (src/client/host-list.ts) and the ensemble tracker's pure
// part, without a server:
// - the plain round over the list, and where it resumes after a list update that keeps the
//   client on its server;
// - each rule of a list update (ZooKeeper 3.5+'s updateServerList): a client whose server
//   left always moves; one whose server stays moves to a newcomer only with probability
//   1 - before/after when the list grew, never when it did not; a move tries the group its
//   draw names, then the other group, then goes round as usual; the exact thresholds are
//   checked with a scripted random source;
// - the point of the rule: over many clients with seeded randomness, every server of the new
//   list ends up with an even share, whether servers are added, removed, or both;
// - the tracker's connect string from /zookeeper/config: client addresses of participants and
//   observers, members without one left out, wildcard addresses replaced by the member's host.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConnectString } from "../../src/client/connect-string.js";
import { HostList } from "../../src/client/host-list.js";
import { parseDynamicConfig } from "../../src/protocol/membership-text.js";
import { connectStringOfConfig } from "../../src/recipes/ensemble-tracker.js";
import { rng } from "../support/rng.js";

function hosts(text: string) {
  return parseConnectString(text).hosts;
}

function names(list: HostList, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(list.next().host);
  return out;
}

/** A random source that returns the given values in turn (and fails when they run out). */
function scripted(...values: number[]): () => number {
  return () => {
    const v = values.shift();
    if (v === undefined) throw new Error("random source exhausted");
    return v;
  };
}

function connectedTo(list: HostList, host: string): void {
  for (let i = 0; i < list.size; i++) {
    if (list.next().host === host) {
      list.connected();
      return;
    }
  }
  throw new Error(`${host} is not in the list`);
}

test("the list goes round in order; an update that keeps the server keeps the place", () => {
  const list = new HostList(hosts("a,b,c"), scripted(), false);
  assert.deepEqual(names(list, 4), ["a", "b", "c", "a"]);
  list.connected();
  // Same size, server a stays: no move, no random draw, and the round resumes after a.
  assert.equal(list.update(hosts("c,a,d"), { host: "a", port: 2181 }), false);
  assert.equal(list.moving, false);
  assert.deepEqual(names(list, 3), ["d", "c", "a"]);
  // Shrinking with the server kept: still no move.
  assert.equal(list.update(hosts("a"), { host: "A", port: 2181 }), false);
  assert.deepEqual(names(list, 2), ["a", "a"]);
  assert.throws(() => list.update([], undefined), RangeError);
});

test("a client whose server left moves: to a newcomer when the list grew", () => {
  const list = new HostList(hosts("a,b"), scripted(0.99, 0.99, 0.99, 0.99, 0.99), false);
  connectedTo(list, "a");
  assert.equal(list.update(hosts("b,c,d"), { host: "a", port: 2181 }), true);
  assert.equal(list.moving, true);
  // Newcomers first whatever the draw (probability 1), then the shared server, then the round
  // goes on from the last server tried (b, first of the new list).
  assert.deepEqual(names(list, 3), ["c", "d", "b"]);
  assert.equal(list.moving, true);
  assert.deepEqual(names(list, 2), ["c", "d"]);
  assert.equal(list.moving, false);
});

test("a client whose server left moves: to a newcomer with probability 1 - pOld otherwise", () => {
  // before = 5, after = 3, shared = 2 (a, b), newcomer f:
  // pOld = 2 * (5 - 3) / (3 * (5 - 2)) = 4/9, so a newcomer is drawn below 5/9.
  const current = { host: "e", port: 2181 };
  const toNewcomer = new HostList(hosts("a,b,c,d,e"), scripted(5 / 9 - 1e-9, 0.99, 0.99), false);
  assert.equal(toNewcomer.update(hosts("a,b,f"), current), true);
  assert.deepEqual(names(toNewcomer, 3), ["f", "a", "b"]);

  const toShared = new HostList(hosts("a,b,c,d,e"), scripted(5 / 9 + 1e-9, 0.99, 0.0), false);
  assert.equal(toShared.update(hosts("a,b,f"), current), true);
  // Shared a first; then the draw says shared again (b); then only the newcomer is left.
  assert.deepEqual(names(toShared, 3), ["a", "b", "f"]);

  // Only shared servers remain (servers removed, none added): pOld = 1.
  const removed = new HostList(hosts("a,b,c"), scripted(0.5), false);
  assert.equal(removed.update(hosts("a,b"), { host: "c", port: 2181 }), true);
  assert.equal(removed.next().host, "a");
});

test("a client whose server stays moves only when the list grew, with probability 1 - before/after", () => {
  const current = { host: "a", port: 2181 };
  // before 3, after 5: move below 1 - 3/5 = 0.4.
  const moves = new HostList(hosts("a,b,c"), scripted(0.4 - 1e-9, 0.5), false);
  assert.equal(moves.update(hosts("a,b,c,d,e"), current), true);
  assert.equal(moves.next().host, "d");
  const stays = new HostList(hosts("a,b,c"), scripted(0.4), false);
  assert.equal(stays.update(hosts("a,b,c,d,e"), current), false);
  assert.equal(stays.moving, false);
});

test("without a connection the server of the last connection stands for the current one", () => {
  const list = new HostList(hosts("a,b,c"), scripted(0.99), false);
  connectedTo(list, "b");
  list.next(); // trying c now, not connected
  assert.equal(list.update(hosts("a,b,c,d"), undefined), false, "b stays, draw 0.99 >= 1/4");
  const fresh = new HostList(hosts("a,b"), scripted(), false);
  // Never connected: the first server of the list stands for it; a is gone, so it moves.
  assert.equal(fresh.update(hosts("b,c"), undefined), true);
});

test("over many clients, every server of the new list gets an even share", () => {
  const cases: [string, string][] = [
    ["s1,s2,s3", "s1,s2,s3,s4,s5"], // grow
    ["s1,s2,s3,s4,s5", "s1,s2,s6"], // shrink, one newcomer
    ["s1,s2,s3", "s1,s2,s4,s5"], // grow while one leaves
    ["s1,s2,s3,s4", "s1,s5,s6"], // shrink while two join
  ];
  const clients = 12_000;
  for (const [beforeText, afterText] of cases) {
    const random = rng(0x5eed).next;
    const after = hosts(afterText);
    const load = new Map(after.map((h) => [h.host, 0]));
    for (let c = 0; c < clients; c++) {
      const list = new HostList(hosts(beforeText), random);
      const first = list.next();
      list.connected();
      const server = list.update(after, first) ? list.next() : first;
      load.set(server.host, (load.get(server.host) ?? Number.NaN) + 1);
    }
    const even = clients / after.length;
    for (const [host, n] of load) {
      assert.ok(
        Math.abs(n - even) < even * 0.05,
        `${beforeText} -> ${afterText}: ${host} has ${n}, even is ${even}`,
      );
    }
  }
});

test("the tracker's connect string: members' client addresses, observers too", () => {
  const config = parseDynamicConfig(
    [
      "server.3=10.0.0.3:2888:3888:observer;10.0.1.3:2183",
      "server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181",
      "server.2=10.0.0.2:2888:3888:participant",
      "server.4=h4:2888:3888:participant;2184",
      "server.5=10.0.0.5:2888:3888:participant;[::1]:2185",
      "version=100000003",
    ].join("\n"),
  );
  assert.equal(connectStringOfConfig(config), "10.0.0.1:2181,10.0.1.3:2183,h4:2184,[::1]:2185");
  assert.equal(connectStringOfConfig(parseDynamicConfig("server.1=a:1:2\nversion=0")), "");
});
