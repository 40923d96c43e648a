// Proves the ensemble's request path with three real members in one process (storage on the
// real disk, clients over real sockets, members linked by an in-process network): writes
// sent to any member are committed once and answered by the member that took them, a
// session's reads see its own writes on a follower, sync on a follower sees a write made
// through another member, a session created on one member resumes on another with its
// ephemerals, the leader expires a session whose client is connected to a follower, a forward
// the transport drops at once (a full queue) costs its client the connection rather than a
// hang, and the ensemble carries on when its leader stops.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConnectionLossError, ZooKeeperClient } from "../../src/client/index.js";
import { ClientListener } from "../../src/io/client-listener.js";
import { waitFor } from "../client/helpers.js";
import { startTestMember, stopTestMember, type TestMember } from "./in-process-members.js";
import { LoopbackHub } from "./loopback-network.js";

const ids = [1, 2, 3];

describe("a 3-member ensemble in one process", () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-ensemble-"));
  const hub = new LoopbackHub();
  const members = new Map<number, TestMember>();
  const clients: ZooKeeperClient[] = [];

  const leader = (): TestMember | undefined =>
    [...members.values()].find((m) => m.running.log.isLeader);
  const follower = (): TestMember =>
    [...members.values()].find((m) => !m.running.log.isLeader && m.running.log.serving)!;
  const connect = async (m: TestMember | TestMember[], sessionTimeoutMs = 4000) => {
    const list = Array.isArray(m) ? m : [m];
    const c = await ZooKeeperClient.connect(list.map((x) => `127.0.0.1:${x.port}`).join(","), {
      sessionTimeoutMs,
      shuffleHosts: false,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    for (const id of ids) members.set(id, await startTestMember(hub, dir, id, ids));
    await waitFor(
      () => leader() !== undefined && [...members.values()].every((m) => m.running.log.serving),
      10000,
    );
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const m of members.values()) await stopTestMember(m);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a write through a follower is committed once, everywhere, and read back there", async () => {
    const f = follower();
    const zk = await connect(f);
    await zk.create("/a", Buffer.from("one"));
    const { data, stat } = await zk.getData("/a");
    assert.equal(Buffer.from(data!).toString(), "one");
    // Every member applies it, at the same zxid.
    await waitFor(() =>
      [...members.values()].every((m) => m.running.member.state.tree.get("/a") !== undefined),
    );
    for (const m of members.values()) {
      assert.equal(m.running.member.state.tree.get("/a")!.mzxid, stat.mzxid, `member ${m.id}`);
    }
  });

  test("a forward dropped at once by a full queue costs its client the connection, not a hang", async () => {
    const f = follower();
    const lead = leader()!;
    const zk = await connect(f);
    await zk.create("/jam-before");
    // The follower's queue to the leader is full: the transport drops the forward and says so,
    // while the link stays up. The client must hear ConnectionLoss (its write is uncertain).
    hub.jam(f.id, lead.id);
    try {
      await assert.rejects(zk.create("/jammed"), ConnectionLossError);
    } finally {
      hub.unjam(f.id, lead.id);
    }
    assert.ok(
      f.logger.lines.some((l) => l.message === "forwarded writes dropped on the way to the leader"),
    );
    // The session lives on: the client reconnects and writes again.
    await zk.create("/jam-after");
    assert.notEqual(await zk.exists("/jam-after"), null);
  });

  test("a pipeline of writes and reads on a follower keeps the session's order", async () => {
    const zk = await connect(follower());
    await zk.create("/seq", null);
    const creates = [];
    for (let i = 0; i < 50; i++)
      creates.push(zk.create("/seq/n-", null, { mode: "persistentSequential" }));
    const reads = zk.getChildren("/seq");
    const made = (await Promise.all(creates)).map((r) => r.path);
    assert.deepEqual(
      made,
      made.map((_, i) => `/seq/n-${String(i).padStart(10, "0")}`),
    );
    assert.equal((await reads).length, 50, "the read after 50 writes sees all 50");
  });

  test("sync on one member sees a write acknowledged through another", async () => {
    const l = leader()!;
    const f = follower();
    const writer = await connect(l);
    const reader = await connect(f);
    await writer.setData("/a", Buffer.from("two"));
    await reader.sync("/a");
    assert.equal(Buffer.from((await reader.getData("/a")).data!).toString(), "two");
  });

  test("a session moves to another member with its ephemerals", async () => {
    const f = follower();
    const others = [...members.values()].filter((m) => m !== f);
    const zk = await connect([f, ...others]);
    const sessionId = zk.sessionId;
    await zk.create("/eph", null, { mode: "ephemeral" });
    // Stop the member it is connected to; the client resumes elsewhere.
    const resumed = new Promise<void>((resolve) => zk.once("reconnected", () => resolve()));
    await f.listener.close();
    await resumed;
    assert.equal(zk.sessionId, sessionId);
    assert.ok(await zk.exists("/eph"));
    // Bring the listener back for the other tests.
    const listener = new ClientListener(f.listener.options, f.running.member, f.logger);
    const port = await listener.listen();
    members.set(f.id, { ...f, listener, port });
  });

  test("the leader expires a session whose client was on a follower", async () => {
    const f = follower();
    const zk = await connect(f, 1000);
    await zk.create("/gone", null, { mode: "ephemeral" });
    const watcher = await connect(leader()!);
    // Cut the client off without closing its session: its member stops hearing from it.
    await members.get(f.id)!.listener.close();
    await zk.close().catch(() => {});
    await waitFor(async () => (await watcher.exists("/gone")) === null, 10000);
    const listener = new ClientListener(f.listener.options, f.running.member, f.logger);
    const port = await listener.listen();
    members.set(f.id, { ...members.get(f.id)!, listener, port });
  });

  test("the ensemble elects a new leader and keeps its data when the leader stops", async () => {
    const old = leader()!;
    const zk = await connect([...members.values()].filter((m) => m !== old));
    await zk.create("/before", Buffer.from("x"));
    await stopTestMember(old);
    members.delete(old.id);
    await waitFor(() => leader() !== undefined, 10000);
    // The client may have lost its connection in the election: it reconnects by itself.
    await zk.create("/after", Buffer.from("y"));
    assert.ok(await zk.exists("/before"));
    assert.ok(await zk.exists("/after"));
  });
});

describe("linearizableReads=true", () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-ensemble-lin-"));
  const hub = new LoopbackHub();
  const members: TestMember[] = [];

  after(async () => {
    for (const m of members) await stopTestMember(m);
    rmSync(dir, { recursive: true, force: true });
  });

  test("every read on a follower waits for a quorum-confirmed index and sees the latest write", async () => {
    for (const id of ids)
      members.push(
        await startTestMember(hub, dir, id, ids, (c) => {
          c.linearizableReads = true;
        }),
      );
    await waitFor(
      () =>
        members.some((m) => m.running.log.isLeader) && members.every((m) => m.running.log.serving),
      10000,
    );
    const leader = members.find((m) => m.running.log.isLeader)!;
    const follower = members.find((m) => !m.running.log.isLeader)!;
    const writer = await ZooKeeperClient.connect(`127.0.0.1:${leader.port}`, {
      sessionTimeoutMs: 4000,
    });
    const reader = await ZooKeeperClient.connect(`127.0.0.1:${follower.port}`, {
      sessionTimeoutMs: 4000,
    });
    try {
      await writer.create("/lin", "0");
      for (let i = 1; i <= 20; i++) {
        await writer.setData("/lin", String(i));
        // No sync: the read itself is confirmed by a quorum before it runs.
        assert.equal(Buffer.from((await reader.getData("/lin")).data!).toString(), String(i));
      }
      // Cut the follower off: a write commits without it, and a read there must not answer
      // the stale value (without linearizableReads it would, until the follower notices).
      for (const m of members) if (m !== follower) hub.cut(follower.id, m.id);
      await writer.setData("/lin", "after-cut");
      const stale = await reader.getData("/lin").then(
        (r) => Buffer.from(r.data!).toString(),
        () => "no answer",
      );
      assert.notEqual(stale, "20", "a linearizable read answered a stale value");
      hub.heal();
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
