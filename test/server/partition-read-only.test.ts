// Proves the switch into and out of read-only mode on a partition (readonlymode.enabled) with
// three real members in one process (real storage, clients over real sockets, members linked
// by an in-process network that can cut links): a member cut off from both others first
// refuses every client, then, once it has known no leader for ZooKeeper's grace period
// (max(2 s, tickTime)) and not before, serves clients that accept a read-only server: local
// sessions, reads of its tree as last applied (a write the majority made meanwhile is not
// there), NotReadOnly for writes, isro "ro", srvr "Mode: read-only"; clients without the flag
// and resumes of replicated sessions are refused. When the links heal and the member hears
// from the leader, it leaves read-only mode: it closes the read-only connection, its local
// session ends, and the client, reconnecting as a canBeReadOnly client that has never seen a
// read-write server, gets a new replicated session there and writes. A leader cut off the same
// way steps down (CheckQuorum), turns read-only, and follows the new leader once healed.
// Without the setting, a cut-off member never serves anyone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { NotReadOnlyError, ZooKeeperClient } from "../../src/client/index.js";
import { readOnlyGraceMs } from "../../src/server/partition-read-only.js";
import { localSessionIdMin } from "../../src/server/read-only.js";
import { nextState, waitFor } from "../client/helpers.js";
import { fourLetterWord } from "../support/four-letter.js";
import { startTestMember, stopTestMember, type TestMember } from "./in-process-members.js";
import { LoopbackHub } from "./loopback-network.js";
import { RawConnection } from "./raw-client.js";

const ids = [1, 2, 3];
const tickTimeMs = 200;

/** Three members, started and serving, for one describe block. */
function ensembleFixture(readOnlyModeEnabled: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "corral-partition-ro-"));
  const hub = new LoopbackHub();
  const members = new Map<number, TestMember>();
  const clients: ZooKeeperClient[] = [];
  return {
    hub,
    members,
    leader: (): TestMember => [...members.values()].find((m) => m.running.log.isLeader)!,
    follower: (): TestMember => [...members.values()].find((m) => !m.running.log.isLeader)!,
    track(c: ZooKeeperClient): ZooKeeperClient {
      clients.push(c);
      return c;
    },
    async start(): Promise<void> {
      for (const id of ids) {
        const member = await startTestMember(hub, dir, id, ids, (c) => {
          c.readOnlyModeEnabled = readOnlyModeEnabled;
          c.tickTimeMs = tickTimeMs;
          // Only srvr is allowed: isro must still answer when read-only mode is enabled.
          c.fourLetterWords = new Set(["srvr"]);
        });
        members.set(id, member);
      }
      await waitFor(
        () =>
          [...members.values()].some((m) => m.running.log.isLeader) &&
          [...members.values()].every((m) => m.running.log.serving),
        15000,
        "a leader known to every member",
      );
    },
    async stop(): Promise<void> {
      for (const c of clients) await c.close().catch(() => {});
      for (const m of members.values()) await stopTestMember(m);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cuts `m` off from every other member, both ways. */
function isolate(hub: LoopbackHub, m: TestMember): void {
  for (const other of ids) if (other !== m.id) hub.cut(m.id, other);
}

/** Whether a client (with or without the read-only flag) gets a session on `port` within 1.5 s. */
async function clientServed(port: number, canBeReadOnly: boolean): Promise<boolean> {
  try {
    const c = await ZooKeeperClient.connect(`127.0.0.1:${port}`, {
      sessionTimeoutMs: 4000,
      canBeReadOnly,
      connectTimeoutMs: 500,
      timeoutMs: 1500,
    });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

describe("read-only mode on a partition (readonlymode.enabled)", () => {
  const f = ensembleFixture(true);
  before(() => f.start());
  after(() => f.stop());

  test("a cut-off member serves read-only clients after the grace period, and stops when healed", async () => {
    const writer = f.track(
      await ZooKeeperClient.connect(`127.0.0.1:${f.leader().port}`, { sessionTimeoutMs: 8000 }),
    );
    await writer.create("/p", "before the cut");
    const cutOff = f.follower();
    // A replicated session on the member to be cut off: its resume must be refused there.
    const replicated = f.track(
      await ZooKeeperClient.connect(`127.0.0.1:${cutOff.port}`, { sessionTimeoutMs: 8000 }),
    );
    await replicated.sync("/p");
    assert.equal((await replicated.getData("/p")).data.toString(), "before the cut");
    assert.equal(await fourLetterWord(cutOff.port, "isro"), "rw");
    const replicatedId = replicated.sessionId;
    const replicatedPassword = replicated.sessionPassword;
    // The client stays open (tracked), so its session is alive in the cut-off member's state.

    const cutAtMs = performance.now();
    isolate(f.hub, cutOff);
    await waitFor(() => !cutOff.running.log.serving, 10000, "the cut-off member losing its leader");
    assert.equal(cutOff.running.member.readOnly, false, "read-only before the grace period");
    // During the grace period even a client that accepts a read-only server is refused.
    const early = await RawConnection.open(cutOff.port);
    assert.equal(await early.handshake({ readOnly: true }), null, "served during the grace");
    early.destroy();
    await waitFor(() => cutOff.running.member.readOnly, 10000, "read-only mode");
    // The member loses its leader an election timeout (at least 1 s, 20 ticks of 50 ms) after
    // the last heartbeat it got before the cut, then waits out the grace period.
    const graceMs = readOnlyGraceMs(tickTimeMs);
    const elapsedMs = performance.now() - cutAtMs;
    assert.ok(elapsedMs >= graceMs + 900, `read-only ${Math.round(elapsedMs)} ms after the cut`);
    assert.ok(cutOff.logger.lines.some((e) => /serves read-only clients/.test(e.message)));

    // The majority goes on writing; the cut-off member cannot know.
    await waitFor(() => f.leader() !== undefined && f.leader() !== cutOff, 10000, "a leader");
    await writer.create("/during", "majority write");

    assert.equal(await fourLetterWord(cutOff.port, "isro"), "ro");
    assert.match(await fourLetterWord(cutOff.port, "srvr"), /Mode: read-only/);
    assert.equal(await clientServed(cutOff.port, false), false, "served a client without the flag");
    // A raw handshake: a client library would not resume a session it never saw read-write.
    const resume = await RawConnection.open(cutOff.port);
    const resumed = await resume.handshake({
      sessionId: replicatedId,
      passwd: replicatedPassword,
      readOnly: true,
    });
    resume.destroy();
    assert.equal(resumed, null, "resumed a replicated session while read-only");
    assert.ok(cutOff.logger.lines.some((e) => /resume a replicated session/.test(e.message)));

    const ro = f.track(
      await ZooKeeperClient.connect(`127.0.0.1:${cutOff.port}`, {
        sessionTimeoutMs: 4000,
        canBeReadOnly: true,
      }),
    );
    assert.equal(ro.state, "readOnly");
    assert.ok(ro.sessionId >= BigInt(localSessionIdMin), "not a local session id");
    assert.equal(cutOff.running.member.localSessionCount, 1);
    assert.equal((await ro.getData("/p")).data.toString(), "before the cut");
    assert.equal(await ro.exists("/during"), null);
    await assert.rejects(ro.create("/ro-write", "x"), NotReadOnlyError);
    await assert.rejects(ro.setData("/p", "x"), NotReadOnlyError);
    assert.equal((await ro.getData("/p")).data.toString(), "before the cut");
    const roSession = ro.sessionId;

    // Heal: the member hears from the leader, leaves read-only mode and closes the
    // connection; the client finds it read-write and gets a replicated session.
    const connected = nextState(ro, "connected", 20000);
    f.hub.heal();
    await connected;
    assert.equal(cutOff.running.member.readOnly, false);
    assert.equal(cutOff.running.member.localSessionCount, 0);
    assert.notEqual(ro.sessionId, roSession);
    assert.ok(ro.sessionId < BigInt(localSessionIdMin), "still a local session id");
    assert.ok(cutOff.logger.lines.some((e) => /leaving read-only mode/.test(e.message)));
    assert.equal(await fourLetterWord(cutOff.port, "isro"), "rw");
    await ro.sync("/");
    assert.equal((await ro.getData("/during")).data.toString(), "majority write");
    await ro.create("/after-heal", "written");
    assert.equal((await writer.getData("/after-heal")).data.toString(), "written");
  });
});

describe("read-only mode on a partition, the leader cut off", () => {
  const f = ensembleFixture(true);
  before(() => f.start());
  after(() => f.stop());

  test("a leader that loses its quorum steps down, turns read-only, and follows once healed", async () => {
    const old = f.leader();
    const writer = f.track(
      await ZooKeeperClient.connect(`127.0.0.1:${old.port}`, { sessionTimeoutMs: 4000 }),
    );
    await writer.create("/led", "by the old leader");
    isolate(f.hub, old);
    // CheckQuorum makes it step down, then the grace period passes.
    await waitFor(() => old.running.member.readOnly, 15000, "read-only mode");
    assert.equal(old.running.log.isLeader, false);
    // Its replicated session cannot resume there (ZOOKEEPER-3864); a new client can read.
    const ro = f.track(
      await ZooKeeperClient.connect(`127.0.0.1:${old.port}`, {
        sessionTimeoutMs: 4000,
        canBeReadOnly: true,
      }),
    );
    assert.equal(ro.state, "readOnly");
    assert.equal((await ro.getData("/led")).data.toString(), "by the old leader");
    await assert.rejects(ro.delete("/led"), NotReadOnlyError);
    const connected = nextState(ro, "connected", 20000);
    f.hub.heal();
    await connected;
    assert.equal(old.running.member.readOnly, false);
    assert.equal(old.running.log.serving, true);
    await ro.setData("/led", "after the heal");
    assert.equal((await ro.getData("/led")).data.toString(), "after the heal");
  });
});

describe("without readonlymode.enabled", () => {
  const f = ensembleFixture(false);
  before(() => f.start());
  after(() => f.stop());

  test("a cut-off member serves nobody, read-only clients included", async () => {
    const cutOff = f.follower();
    isolate(f.hub, cutOff);
    await waitFor(() => !cutOff.running.log.serving, 10000, "the cut-off member losing its leader");
    // Past the grace period a member with the setting would have used.
    await new Promise((r) => setTimeout(r, readOnlyGraceMs(tickTimeMs) + 500));
    assert.equal(cutOff.running.member.readOnly, false);
    const served = await clientServed(cutOff.port, true);
    assert.equal(served, false);
    assert.equal(
      await fourLetterWord(cutOff.port, "isro"),
      "isro is not executed because it is not in the whitelist.\n",
    );
    f.hub.heal();
  });
});
