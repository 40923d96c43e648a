// Proves leader election under failure against a real server: among latch participants
// exactly one leads at a time; closing the leader hands leadership on with a larger fencing
// token; a leader whose session the server expires (session taken over and closed, the
// classic ZooKeeper test trick) is told it is no longer leader, another participant takes
// over, and the expired one rejoins with a new session; selectors take turns, each
// relinquishing by returning, never two at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { LeaderLatch } from "../../src/recipes/leader-latch.js";
import { LeaderSelector } from "../../src/recipes/leader-selector.js";
import { nextState, uniquePath, waitFor } from "../client/helpers.js";
import { forEachServer } from "../client/targets.js";
import { TcpProxy } from "../client/tcp-proxy.js";

forEachServer((server) => {
  test("leader latch: one leader; closing it hands over with a larger token", async () => {
    const zks = await Promise.all(
      [0, 1, 2].map(() => ZooKeeperClient.connect(server.connectString)),
    );
    const path = uniquePath("latch");
    const latches = zks.map((zk, i) => new LeaderLatch(zk, path, `p${i}`));
    try {
      for (const l of latches) l.start();
      await waitFor(() => latches.some((l) => l.hasLeadership), 5000, "a leader");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(latches.filter((l) => l.hasLeadership).length, 1);
      const leader = latches.find((l) => l.hasLeadership)!;
      const firstToken = leader.token;
      assert.equal((await latches[0].participants()).length, 3);
      await leader.close();
      const rest = latches.filter((l) => l !== leader);
      await waitFor(() => rest.some((l) => l.hasLeadership), 5000, "a new leader");
      assert.equal(rest.filter((l) => l.hasLeadership).length, 1);
      assert.ok(rest.find((l) => l.hasLeadership)!.token > firstToken);
    } finally {
      for (const l of latches) await l.close();
      await Promise.all(zks.map((z) => z.close()));
    }
  });

  test("leader latch: a leader expired by the server loses leadership and rejoins", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const leaderZk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 4000 });
    const otherZk = await ZooKeeperClient.connect(server.connectString);
    const path = uniquePath("latch-expire");
    const first = new LeaderLatch(leaderZk, path, "first");
    const second = new LeaderLatch(otherZk, path, "second");
    try {
      first.start();
      const firstToken = await first.awaitLeadership();
      second.start();
      await waitFor(async () => (await first.participants()).length === 2, 5000, "both joined");
      const lostLeadership = new Promise<void>((r) => first.once("notLeader", () => r()));
      // Keep the leader away, take its session over and close it: the server expires it.
      proxy.refusing = true;
      const thief = await ZooKeeperClient.connect(server.connectString, {
        session: { id: leaderZk.sessionId, password: leaderZk.sessionPassword },
      });
      await thief.close();
      await lostLeadership;
      const secondToken = await second.awaitLeadership(AbortSignal.timeout(5000));
      assert.ok(secondToken > firstToken);
      assert.equal(first.hasLeadership, false);
      const renewed = nextState(leaderZk, "connected");
      proxy.refusing = false;
      await renewed;
      await waitFor(async () => (await second.participants()).length === 2, 5000, "rejoined");
      assert.deepEqual(await second.participants(), ["second", "first"]);
    } finally {
      await first.close();
      await second.close();
      await leaderZk.close();
      await otherZk.close();
      await proxy.stop();
    }
  });

  test("leader selectors take turns and relinquish by returning", async () => {
    const zks = await Promise.all(
      [0, 1, 2].map(() => ZooKeeperClient.connect(server.connectString)),
    );
    const path = uniquePath("selector");
    let active = 0;
    let maxActive = 0;
    const turns: number[] = [];
    const tokens: number[] = [];
    const selectors = zks.map(
      (zk, i) =>
        new LeaderSelector(
          zk,
          path,
          async (_signal, token) => {
            active++;
            maxActive = Math.max(maxActive, active);
            turns.push(i);
            tokens.push(token);
            await new Promise((r) => setTimeout(r, 20));
            active--;
          },
          { autoRequeue: true },
        ),
    );
    try {
      for (const s of selectors) s.start();
      await waitFor(() => turns.length >= 9, 10000, "nine turns");
      assert.equal(maxActive, 1);
      assert.deepEqual(new Set(turns.slice(0, 9)), new Set([0, 1, 2]));
      for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i] > tokens[i - 1]);
    } finally {
      for (const s of selectors) await s.close();
      await Promise.all(zks.map((z) => z.close()));
    }
  });
});
