// Proves that a member of a 3-process ensemble catches up after a restart, both ways:
// - with an empty data directory (only its myid kept) it gets the leader's snapshot, streamed
//   in chunks, while a client keeps writing to the leader; afterwards its tree equals the
//   others' (znode counts from mntr, a sample of nodes read back through it) and it serves
//   clients, writes included;
// - down only briefly, it catches up from the leader's log, without a snapshot.
// The leader has compacted its log (a low snapCount) before the member comes back, so the
// empty member cannot be brought up to date from the log.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { waitFor } from "../client/helpers.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { fourLetterWord } from "../support/four-letter.js";

const znodes = 20000;
const createsPerMulti = 250;
const installedLine = "state replaced by a snapshot from the leader";

async function znodeCount(port: number): Promise<number> {
  const text = await fourLetterWord(port, "mntr").catch(() => "");
  const m = /zk_znode_count\s+(\d+)/.exec(text);
  return m === null ? -1 : Number(m[1]);
}

function dataOf(i: number): Uint8Array {
  return new TextEncoder().encode(`value-${i}-${"x".repeat(i % 37)}`);
}

/** Creates /fill/n-0 ... /fill/n-(count-1) with multis of createsPerMulti nodes. */
async function fill(client: ZooKeeperClient, count: number): Promise<void> {
  await client.create("/fill");
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < count; start += createsPerMulti) {
    const tx = client.transaction();
    for (let i = start; i < Math.min(count, start + createsPerMulti); i++)
      tx.create(`/fill/n-${i}`, dataOf(i));
    pending.push(tx.commit());
    // A few multis in flight keep the pipeline busy without queueing megabytes.
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

/** Writes /load/w-N one after another until `stop` is set; returns how many were acknowledged. */
async function writeUntil(client: ZooKeeperClient, stop: { set: boolean }): Promise<number> {
  let written = 0;
  const deadline = performance.now() + 120000;
  while (!stop.set && performance.now() < deadline) {
    await client.create(`/load/w-${written}`, dataOf(written));
    written++;
  }
  return written;
}

async function sameCountEverywhere(ensemble: CorralEnsemble): Promise<number> {
  let counts: number[] = [];
  await waitFor(
    async () => {
      counts = await Promise.all(ensemble.members.map((id) => znodeCount(ensemble.port(id))));
      return counts[0] > 0 && counts.every((c) => c === counts[0]);
    },
    60000,
    "equal znode counts",
  );
  return counts[0];
}

describe("a member catching up after a restart", () => {
  let ensemble: CorralEnsemble;
  let leader: number;
  let writer: ZooKeeperClient;

  before(async () => {
    ensemble = await CorralEnsemble.start({
      members: 3,
      // Snapshots every 200 entries: with the entries written below, the leader compacts
      // (keeping 1000 entries behind its newest snapshot) before the test restarts anyone.
      extraConfig: ["snapCount=200"],
    });
    leader = await ensemble.waitForLeader();
    writer = await ZooKeeperClient.connect(ensemble.address(leader), { sessionTimeoutMs: 10000 });
    await fill(writer, znodes);
    await writer.create("/load");
    // Past the entries the leader keeps behind a snapshot: the start of the log is gone.
    await writer.create("/pad");
    for (let start = 0; start < 1500; start += 100) {
      const batch: Promise<unknown>[] = [];
      for (let i = start; i < start + 100; i++) batch.push(writer.create(`/pad/p-${i}`));
      await Promise.all(batch);
    }
  });

  after(async () => {
    await writer?.close();
    await ensemble?.stop();
  });

  test("an empty member gets the leader's snapshot while the leader keeps taking writes", async () => {
    const follower = ensemble.members.find((id) => id !== leader)!;
    await ensemble.kill(follower);
    ensemble.wipeData(follower);
    const stop = { set: false };
    const writing = writeUntil(writer, stop);
    await ensemble.restart(follower);
    await waitFor(
      () => ensemble.logs(follower).includes(installedLine),
      60000,
      "the snapshot installed on the restarted member",
    ).catch((e) => {
      throw new Error(`${e.message}; its log:\n${ensemble.logs(follower).slice(0, 6000)}`);
    });
    // Writes kept being answered during the install; a few more after it.
    const afterInstall = (await writer.exists("/load")) !== null;
    assert.equal(afterInstall, true);
    stop.set = true;
    const written = await writing;
    assert.ok(written > 0, "the leader answered writes during the catch-up");

    const total = await sameCountEverywhere(ensemble);
    // The root, /zookeeper and its children, /fill, /load, /pad and every created node.
    assert.ok(total >= znodes + 1500 + written + 4, `znode count ${total}`);

    const reader = await ZooKeeperClient.connect(ensemble.address(follower), {
      sessionTimeoutMs: 10000,
    });
    try {
      for (let k = 0; k < 200; k++) {
        const i = (k * 7919) % znodes;
        const got = await reader.getData(`/fill/n-${i}`);
        assert.deepEqual(new Uint8Array(got.data), dataOf(i), `/fill/n-${i}`);
      }
      const loads = await reader.getChildren("/load");
      assert.equal(loads.length, written);
      // It serves writes too: forwarded to the leader and visible there.
      await reader.create("/written-through-rejoined", "yes");
      await writer.sync("/written-through-rejoined");
      const seen = await writer.getData("/written-through-rejoined");
      assert.equal(seen.data.toString(), "yes");
    } finally {
      await reader.close();
    }
  });

  test("a member down briefly catches up from the leader's log", async () => {
    const follower = ensemble.members.find((id) => id !== leader)!;
    await ensemble.kill(follower);
    await writer.create("/brief");
    for (let i = 0; i < 50; i++) await writer.create(`/brief/b-${i}`);
    await ensemble.restart(follower);
    await sameCountEverywhere(ensemble);
    const reader = await ZooKeeperClient.connect(ensemble.address(follower), {
      sessionTimeoutMs: 10000,
    });
    try {
      assert.equal((await reader.getChildren("/brief")).length, 50);
    } finally {
      await reader.close();
    }
    // The log sufficed: no snapshot was installed (the leader keeps compactRetainEntries
    // entries behind its snapshots for just this).
    assert.equal(ensemble.logs(follower).includes(installedLine), false);
  });
});
