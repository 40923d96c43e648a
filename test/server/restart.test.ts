// Proves that restarting a Corral server on the same data directory and port keeps
// everything, whether it was stopped gracefully (SIGTERM) or killed (SIGKILL): a live
// client's session resumes with the same id and its ephemerals are still there, sequence
// counters continue, digest ACLs and hard quotas still hold, TTL and container nodes still
// exist with the same data and Stats, and later are reaped when due. A session whose client
// never comes back gets a fresh full timeout after the restart and then expires, taking its
// ephemerals with it.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { CreateMode, ErrorCode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL, ConnectResponse, Stat } from "../../src/protocol/records.js";
import { digestId } from "../../src/server/digest.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { openSession, RawConnection } from "./raw-client.js";

const tickTimeMs = 200;
const extraConfig = ["znode.container.checkIntervalMs=100", "enforceQuota=true"];
const liveTimeoutMs = 4000;
const goneTimeoutMs = 3000;
const ttlMs = 5000;
const credentials = "alice:secret";
const openAcl: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];
const aliceAcl: ACL[] = [{ perms: Perm.all, id: { scheme: "digest", id: digestId(credentials) } }];

const checkedPaths = [
  "/p",
  "/eph-a",
  "/eph-b",
  "/seq",
  "/seq/n-0000000000",
  "/seq/n-0000000001",
  "/seq/n-0000000002",
  "/seq/e-0000000003",
  "/cont",
  "/cont/child",
  "/ttl",
  "/secure",
  "/q",
  "/q/a",
  "/zookeeper/quota/q/zookeeper_limits",
  "/zookeeper/quota/q/zookeeper_stats",
];

interface NodeView {
  data: string | null;
  stat: Stat;
  acl: ACL[] | null;
}

async function view(conn: RawConnection): Promise<Map<string, NodeView>> {
  const out = new Map<string, NodeView>();
  for (const path of checkedPaths) {
    const got = await conn.call(OpCode.getData, { path, watch: false });
    assert.equal(got.header.err, 0, `getData ${path}`);
    const acl = await conn.call(OpCode.getACL, { path });
    assert.equal(acl.header.err, 0, `getACL ${path}`);
    const data = got.body!.data;
    out.set(path, {
      data: data === null ? null : Buffer.from(data).toString(),
      stat: got.body!.stat,
      acl: acl.body!.acl,
    });
  }
  return out;
}

async function create(
  conn: RawConnection,
  path: string,
  data: string | null,
  flags: number,
  acl: ACL[] = openAcl,
): Promise<string> {
  const res = await conn.call(OpCode.create, {
    path,
    data: data === null ? null : Buffer.from(data),
    acl,
    flags,
  });
  assert.equal(res.header.err, 0, `create ${path}`);
  return res.body!.path;
}

async function addAuth(conn: RawConnection): Promise<void> {
  const res = await conn.call(OpCode.auth, {
    type: 0,
    scheme: "digest",
    auth: Buffer.from(credentials),
  });
  assert.equal(res.header.err, 0);
}

/** Polls `exists` on `conn` (which also keeps its session alive) until `path` is gone. */
async function waitGone(conn: RawConnection, path: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const res = await conn.call(OpCode.exists, { path, watch: false });
    if (res.header.err === ErrorCode.noNode) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${path} still exists after ${withinMs} ms`);
}

/** SIGTERM without removing the data directory (the helper's stop() removes it). */
async function stopKeepingData(server: CorralServer): Promise<void> {
  const exited = once(server.process, "exit");
  server.process.kill("SIGTERM");
  const [code] = await exited;
  assert.equal(code, 0, `graceful stop exit code; logs:\n${server.logs().slice(-2000)}`);
}

for (const how of ["SIGTERM", "SIGKILL"] as const) {
  test(`restart after ${how} keeps sessions, ephemerals, counters, ACLs, quotas, TTL and containers`, async () => {
    const first = await startCorralServer({ tickTimeMs, extraConfig });
    let second: CorralServer | undefined;
    try {
      // ---- before: a live client A and a client B that will not come back ----
      const { conn: a, session: sa } = await openSession(first.port, liveTimeoutMs);
      const { conn: b, session: sb } = await openSession(first.port, goneTimeoutMs);
      await addAuth(a);
      await create(a, "/p", "persistent", CreateMode.persistent);
      assert.equal(
        (await a.call(OpCode.setData, { path: "/p", data: Buffer.from("v2"), version: 0 })).header
          .err,
        0,
      );
      await create(a, "/eph-a", "mine", CreateMode.ephemeral);
      await create(b, "/eph-b", "gone soon", CreateMode.ephemeral);
      await create(a, "/seq", null, CreateMode.persistent);
      for (let i = 0; i < 3; i++)
        await create(a, "/seq/n-", `${i}`, CreateMode.persistentSequential);
      assert.equal(
        await create(a, "/seq/e-", null, CreateMode.ephemeralSequential),
        "/seq/e-0000000003",
      );
      const cont = await a.call(OpCode.createContainer, {
        path: "/cont",
        data: null,
        acl: openAcl,
        flags: CreateMode.container,
      });
      assert.equal(cont.header.err, 0);
      await create(a, "/cont/child", "c", CreateMode.persistent);
      const ttl = await a.call(OpCode.createTTL, {
        path: "/ttl",
        data: Buffer.from("short-lived"),
        acl: openAcl,
        flags: CreateMode.persistentWithTTL,
        ttl: ttlMs,
      });
      assert.equal(ttl.header.err, 0);
      const ttlCreatedAt = Date.now();
      await create(a, "/secure", "secret data", CreateMode.persistent, aliceAcl);
      // A hard count quota on /q, laid out as zkCli's setquota -N does.
      await create(a, "/q", null, CreateMode.persistent);
      await create(a, "/zookeeper/quota/q", null, CreateMode.persistent);
      await create(
        a,
        "/zookeeper/quota/q/zookeeper_limits",
        "count=-1,bytes=-1,countHardLimit=2",
        CreateMode.persistent,
      );
      await create(
        a,
        "/zookeeper/quota/q/zookeeper_stats",
        "count=0,bytes=0",
        CreateMode.persistent,
      );
      await create(a, "/q/a", null, CreateMode.persistent);
      const refused = await a.call(OpCode.create, {
        path: "/q/b",
        data: null,
        acl: openAcl,
        flags: 0,
      });
      assert.equal(
        refused.header.err,
        ErrorCode.quotaExceeded,
        "quota enforced before the restart",
      );
      const before = await view(a);

      // Let half of B's timeout pass before the restart, so that expiring on its old deadline
      // would come well before a fresh full timeout counted from the restart.
      const bSilentSince = Date.now();
      await new Promise((r) => setTimeout(r, goneTimeoutMs / 2));

      // ---- restart on the same data directory and port ----
      if (how === "SIGTERM") await stopKeepingData(first);
      else await first.kill();
      await Promise.all([a.closed, b.closed]);
      second = await startCorralServer({
        tickTimeMs,
        extraConfig,
        dataDir: first.dataDir,
        port: first.port,
      });
      const restartedAt = Date.now();

      // ---- after: A resumes its session ----
      const a2 = await RawConnection.open(second.port);
      const resumed: ConnectResponse | null = await a2.handshake({
        sessionId: sa.sessionId,
        passwd: sa.passwd,
        timeOut: liveTimeoutMs,
        lastZxidSeen: a.lastZxid,
      });
      assert.ok(resumed !== null, `resume refused; logs:\n${second.logs().slice(-2000)}`);
      assert.equal(resumed.sessionId, sa.sessionId);
      assert.equal(resumed.timeOut, liveTimeoutMs);
      assert.deepEqual(resumed.passwd, sa.passwd);
      await addAuth(a2);
      const afterView = await view(a2);
      assert.ok(
        Date.now() - ttlCreatedAt < ttlMs,
        "machine too slow: the TTL node may be due already",
      );
      assert.deepEqual(afterView, before);
      assert.equal(afterView.get("/eph-a")!.stat.ephemeralOwner, Number(sa.sessionId));
      assert.equal(afterView.get("/eph-b")!.stat.ephemeralOwner, Number(sb.sessionId));

      // Sequence counters continue past every name handed out before.
      assert.equal(
        await create(a2, "/seq/n-", null, CreateMode.persistentSequential),
        "/seq/n-0000000004",
      );

      // The digest ACL still refuses a client without the credentials.
      const { conn: stranger } = await openSession(second.port, liveTimeoutMs);
      const denied = await stranger.call(OpCode.getData, { path: "/secure", watch: false });
      assert.equal(denied.header.err, ErrorCode.noAuth);
      await stranger.call(OpCode.closeSession, null);
      stranger.destroy();

      // The quota still holds.
      const stillRefused = await a2.call(OpCode.create, {
        path: "/q/b",
        data: null,
        acl: openAcl,
        flags: 0,
      });
      assert.equal(
        stillRefused.header.err,
        ErrorCode.quotaExceeded,
        "quota enforced after the restart",
      );

      // The container is reaped once its last child goes; the TTL node when its time is up.
      assert.equal(
        (await a2.call(OpCode.delete, { path: "/cont/child", version: -1 })).header.err,
        0,
      );
      await waitGone(a2, "/cont", 3000);
      await waitGone(a2, "/ttl", ttlMs + 3000);
      assert.ok(Date.now() - ttlCreatedAt >= ttlMs, "TTL node reaped before its time");

      // B never came back: a fresh full timeout from the restart, then its ephemeral goes.
      await waitGone(a2, "/eph-b", goneTimeoutMs + 3000);
      const expiredAfter = Date.now() - restartedAt;
      assert.ok(
        expiredAfter >= goneTimeoutMs - 2 * tickTimeMs,
        `B expired ${expiredAfter} ms after the restart (${Date.now() - bSilentSince} ms after it fell silent)`,
      );
      assert.match(
        second.logs(),
        new RegExp(`session expired session=0x${sb.sessionId.toString(16)}\\b`),
      );
      const b2 = await RawConnection.open(second.port);
      const late = await b2.handshake({
        sessionId: sb.sessionId,
        passwd: sb.passwd,
        timeOut: goneTimeoutMs,
      });
      assert.equal(late?.timeOut, 0, "an expired session cannot be resumed");
      b2.destroy();

      // A, which kept talking, still has its session and its ephemerals.
      const mine = await a2.call(OpCode.exists, { path: "/eph-a", watch: false });
      assert.equal(mine.header.err, 0);
      assert.equal(mine.body!.stat.ephemeralOwner, Number(sa.sessionId));
      await a2.call(OpCode.closeSession, null);
      a2.destroy();
    } finally {
      await second?.stop();
      await first.stop();
    }
  });
}
