// Proves znode.container.maxPerMinute is a rate per minute, as ZooKeeper's ContainerManager
// makes it, and not a cap per check: the budget on a simulated clock allows no more than
// maxPerMinute over a minute whatever the check interval, and a real server told to reap 120
// a minute, checking every 100 ms, deletes ten empty containers two a second, not at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL } from "../../src/protocol/records.js";
import { ReapBudget } from "../../src/server/reap-budget.js";
import { startCorralServer } from "../support/corral-server.js";
import { openSession } from "./raw-client.js";

const open: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];

/** Deletions over `minutes` of checks every `intervalMs`, with always more to delete. */
function deletions(maxPerMinute: number, intervalMs: number, minutes: number): number {
  const budget = new ReapBudget(maxPerMinute, intervalMs, 0);
  let total = 0;
  for (let t = intervalMs; t <= minutes * 60_000; t += intervalMs) {
    const n = budget.available(t);
    budget.spend(n);
    total += n;
  }
  return total;
}

test("maxPerMinute is a rate: the same deletions a minute at any check interval", () => {
  for (const intervalMs of [100, 1000, 5000, 60_000]) {
    const perMinute = deletions(600, intervalMs, 10) / 10;
    assert.ok(perMinute <= 600, `${intervalMs} ms: ${perMinute} a minute`);
    assert.ok(perMinute >= 590, `${intervalMs} ms: ${perMinute} a minute`);
  }
  // A rate below one per check still deletes, one at a time.
  assert.equal(deletions(6, 1000, 1), 6);
});

test("a quiet spell does not save up a burst", () => {
  const budget = new ReapBudget(600, 1000, 0);
  // An hour with nothing to reap, then a check: one interval's worth, not 36000.
  assert.equal(budget.available(3_600_000), 10);
});

test("a server reaps empty containers at the configured rate, not all at one check", async () => {
  const server = await startCorralServer({
    extraConfig: ["znode.container.checkIntervalMs=100", "znode.container.maxPerMinute=120"],
  });
  try {
    const { conn } = await openSession(server.port);
    try {
      const count = 10;
      for (let i = 0; i < count; i++) {
        const path = `/c${i}`;
        const req = { path, data: null, acl: open, flags: CreateMode.container };
        assert.equal((await conn.call(OpCode.createContainer, req)).header.err, 0);
        const child = { path: `${path}/x`, data: null, acl: open, flags: 0 };
        assert.equal((await conn.call(OpCode.create, child)).header.err, 0);
      }
      const emptiedAt = Date.now();
      for (let i = 0; i < count; i++) {
        await conn.call(OpCode.delete, { path: `/c${i}/x`, version: -1 });
      }
      const remaining = async (): Promise<number> => {
        let n = 0;
        for (let i = 0; i < count; i++) {
          if ((await conn.call(OpCode.exists, { path: `/c${i}`, watch: false })).header.err === 0)
            n++;
        }
        return n;
      };
      // Two a second: wait (bounded) for the first deletions, then check the pace.
      const deadline = Date.now() + 10_000;
      let left = await remaining();
      while (left === count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        left = await remaining();
      }
      assert.ok(left < count, "the reaper deleted nothing in 10 s");
      const elapsedS = (Date.now() - emptiedAt) / 1000;
      // At most 2 per second since the containers emptied, plus one check's allowance.
      assert.ok(count - left <= Math.ceil(elapsedS * 2) + 1, `${count - left} in ${elapsedS} s`);
    } finally {
      conn.destroy();
    }
  } finally {
    await server.stop();
  }
});
