// Proves what a member does when its storage fails, with the real Member, RaftLog and storage
// on a simulated disk that fails one write or fsync with ENOSPC or EIO, and clients over
// loopback sockets: the write in flight and everything its client queued behind it end with
// a closed connection (never a hang), every other connection is closed too, and one error
// line says the member is read-only until restarted. From then on it is a ZooKeeper read-only
// server: clients without the readOnly flag, and resumes of replicated sessions, are refused
// without a reply; read-only clients get member-local sessions (readOnly=true) whose reads
// see the data while every write opcode of ZooKeeper's ReadOnlyRequestProcessor gets
// NotReadOnly; closeSession and timeouts end local sessions; isro/srvr/stat/mntr say
// read-only. Finally, crashing the failed member's disk and restarting on it recovers every
// acknowledged write, for several seeds and both fault kinds. One probe of the read-only
// answers runs against Corral and, where it is installed, against the real ZooKeeper 3.8 in
// read-only mode (a partitioned ensemble member), and both must give the transcript below.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryLogger } from "../../src/base/logger.js";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { ErrorCode, OpCode } from "../../src/protocol/constants.js";
import type { ConnectResponse, ReplyHeader } from "../../src/protocol/records.js";
import { encodeRequest, type RequestOpcode } from "../../src/protocol/request-codec.js";
import { Writer } from "../../src/protocol/writer.js";
import { defaultConfig } from "../../src/server/config.js";
import { localSessionIdMin } from "../../src/server/read-only.js";
import { type RunningMember, startMember } from "../../src/server/start-member.js";
import { Prng } from "../../src/sim/prng.js";
import { SimDisk } from "../../src/sim/sim-disk.js";
import { fourLetterWord } from "../support/four-letter.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { listenForClients } from "./in-process-members.js";
import { RawConnection } from "./raw-client.js";

const tickTimeMs = 200;
const openAcl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Member {
  standalone: RunningMember;
  port: number;
  logger: MemoryLogger;
  /** Stops serving and timers, as if the process died (the disk is left as it is). */
  kill(): Promise<void>;
}

async function startOnDisk(disk: SimDisk): Promise<Member> {
  const config = defaultConfig();
  config.tickTimeMs = tickTimeMs;
  config.minSessionTimeoutMs = 2 * tickTimeMs;
  config.maxSessionTimeoutMs = 20 * tickTimeMs;
  config.dataDir = "/data";
  config.dataLogDir = "/data";
  config.fourLetterWords = "*";
  const logger = new MemoryLogger();
  const standalone = await new Promise<RunningMember>((resolve, reject) =>
    startMember(
      {
        config,
        disk,
        clock: new NodeClock(),
        random: new NodeRandom(),
        logger,
        defer: setImmediate,
      },
      (error, s) => (error || s === null ? reject(error) : resolve(s)),
    ),
  );
  const { listener, port } = await listenForClients(standalone.member, config, logger);
  return {
    standalone,
    port,
    logger,
    async kill() {
      await listener.close();
      standalone.member.stop();
      standalone.log.stop();
    },
  };
}

function simDisk(seed: number): SimDisk {
  return new SimDisk({ random: new Prng(seed), schedule: (run) => setImmediate(run) });
}

const writer = new Writer(64 * 1024);
let nextXid = 1000;

/** Sends one request and returns its reply header (any opcode, any body). */
async function replyTo(
  conn: RawConnection,
  type: RequestOpcode,
  body: unknown,
): Promise<ReplyHeader> {
  const xid = nextXid++;
  conn.write(encodeRequest(writer, xid, type, body as never));
  const header = await conn.replyHeader();
  assert.ok(header !== null, `connection closed awaiting the reply to opcode ${type}`);
  assert.equal(header.xid, xid);
  return header;
}

async function session(
  port: number,
  options: Parameters<RawConnection["handshake"]>[0] = {},
): Promise<{ conn: RawConnection; res: ConnectResponse }> {
  const conn = await RawConnection.open(port);
  const res = await conn.handshake(options);
  assert.ok(res !== null, "handshake refused");
  return { conn, res };
}

/** Resuming `sessionId` read-only gets the expired answer (timeOut 0), then the close. */
async function expectResumeExpired(
  port: number,
  sessionId: bigint,
  passwd: Uint8Array,
): Promise<ConnectResponse> {
  const conn = await RawConnection.open(port);
  const res = await conn.handshake({ readOnly: true, sessionId, passwd });
  assert.ok(res !== null, "no reply to the resume");
  assert.equal(res.timeOut, 0);
  await conn.closed;
  return res;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * What a read-only server answers, with everything that legitimately differs between servers
 * (ids, passwords, zxids, counters) reduced to what must agree.
 */
async function probeReadOnly(port: number): Promise<unknown> {
  const out: Record<string, unknown> = {};
  const refused: Record<string, boolean> = {};
  for (const readOnly of [null, false]) {
    const conn = await RawConnection.open(port);
    refused[String(readOnly)] = (await conn.handshake({ readOnly })) === null;
  }
  out.refusedWithoutFlag = refused;
  const first = await session(port, { readOnly: true, timeOut: 3000 });
  out.newSession = {
    readOnly: first.res.readOnly,
    timeOut: first.res.timeOut,
    passwdBytes: first.res.passwd.length,
    idNonZero: first.res.sessionId !== 0n,
  };
  const read = await first.conn.call(OpCode.getData, { path: "/zookeeper", watch: false });
  const zxid = read.header.zxid;
  out.read = read.header.err;
  const create = { path: "/probe", data: null, acl: openAcl, flags: 0 };
  const writes: Record<string, unknown> = {};
  for (const [type, body] of [
    [OpCode.create, create],
    [OpCode.delete, { path: "/probe", version: -1 }],
    [OpCode.setData, { path: "/zookeeper", data: null, version: -1 }],
    [OpCode.setACL, { path: "/zookeeper", acl: openAcl, version: -1 }],
    [OpCode.sync, { path: "/" }],
    [OpCode.check, { path: "/", version: 0 }],
    [OpCode.multi, [{ type: 2, request: { path: "/probe", version: -1 } }]],
    [OpCode.create2, create],
    [
      OpCode.reconfig,
      { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1 },
    ],
    [OpCode.createContainer, { ...create, flags: 4 }],
    [OpCode.deleteContainer, { path: "/probe" }],
    [OpCode.createTTL, { ...create, flags: 5, ttl: 1000 }],
  ] as [RequestOpcode, unknown][]) {
    const header = await replyTo(first.conn, type, body);
    writes[type] = { err: header.err, zxidIsLastApplied: header.zxid === zxid };
  }
  out.writes = writes;
  out.openAfterWrites = !first.conn.isClosed;
  const resumed = await session(port, {
    readOnly: true,
    sessionId: first.res.sessionId,
    passwd: first.res.passwd,
    timeOut: 3000,
  });
  await first.conn.closed;
  out.resume = {
    sameSession: resumed.res.sessionId === first.res.sessionId,
    samePassword: Buffer.from(resumed.res.passwd).equals(Buffer.from(first.res.passwd)),
    readOnly: resumed.res.readOnly,
    previousConnectionClosed: first.conn.isClosed,
  };
  const closing = await resumed.conn.call(OpCode.exists, { path: "/", watch: false });
  assert.equal(closing.header.err, 0);
  resumed.conn.write(encodeRequest(writer, 77, OpCode.closeSession, null));
  const closeReply = await resumed.conn.replyHeader();
  await resumed.conn.closed;
  out.closeSession = { err: closeReply?.err, zxidIsLastApplied: closeReply?.zxid === zxid };
  const wrong = new Uint8Array(first.res.passwd);
  wrong[0] ^= 1;
  const expired: Record<string, unknown> = {};
  for (const [name, sessionId, passwd] of [
    ["wrongPassword", first.res.sessionId, wrong],
    ["unknownSession", 0x123456n, first.res.passwd],
  ] as const) {
    const conn = await RawConnection.open(port);
    const res = await conn.handshake({ readOnly: true, sessionId, passwd });
    await conn.closed;
    expired[name] = res === null ? "closed without reply" : { ...res, passwd: [...res.passwd] };
  }
  out.expired = expired;
  out.isro = await fourLetterWord(port, "isro");
  const shape = (text: string): string[] =>
    text
      .split("\n")
      .filter((l) => !l.startsWith(" /"))
      .map((l) => (l.startsWith("READ-ONLY") || l.startsWith("Mode:") ? l : l.split(":")[0]));
  out.srvr = shape(await fourLetterWord(port, "srvr"));
  out.stat = shape(await fourLetterWord(port, "stat"));
  const mntr = await fourLetterWord(port, "mntr");
  out.mntrState = /zk_server_state\t(.*)\n/.exec(mntr)?.[1];
  return out;
}

/** ZooKeeper 3.8.0's read-only server, as probeReadOnly sees it (the real one must agree). */
const zooKeeperReadOnly = {
  refusedWithoutFlag: { null: true, false: true },
  newSession: { readOnly: true, timeOut: 3000, passwdBytes: 16, idNonZero: true },
  read: 0,
  writes: Object.fromEntries(
    [1, 2, 5, 7, 9, 13, 14, 15, 16, 19, 20, 21].map((op) => [
      op,
      { err: ErrorCode.notReadOnly, zxidIsLastApplied: true },
    ]),
  ),
  openAfterWrites: true,
  resume: { sameSession: true, samePassword: true, readOnly: true, previousConnectionClosed: true },
  expired: Object.fromEntries(
    ["wrongPassword", "unknownSession"].map((name) => [
      name,
      {
        protocolVersion: 0,
        timeOut: 0,
        sessionId: 0n,
        passwd: new Array(16).fill(0),
        readOnly: true,
      },
    ]),
  ),
  closeSession: { err: 0, zxidIsLastApplied: true },
  isro: "ro",
  srvr: [
    "Zookeeper version",
    "READ-ONLY mode; serving only read-only clients",
    "Latency min/avg/max",
    "Received",
    "Sent",
    "Connections",
    "Outstanding",
    "Zxid",
    "Mode: read-only",
    "Node count",
    "",
  ],
  stat: [
    "Zookeeper version",
    "READ-ONLY mode; serving only read-only clients",
    "Clients",
    "",
    "Latency min/avg/max",
    "Received",
    "Sent",
    "Connections",
    "Outstanding",
    "Zxid",
    "Mode: read-only",
    "Node count",
    "",
  ],
  mntrState: "read-only",
};

describe("ZooKeeper 3.8's own read-only server", () => {
  it("answers the read-only probe as recorded", {
    skip: peerSkip(!realZooKeeperAvailable() && "real ZooKeeper not installed"),
    timeout: 60_000,
  }, async () => {
    const zk = await startRealZooKeeper({ tickTimeMs, readOnlyPartitioned: true });
    try {
      assert.deepEqual(await probeReadOnly(zk.port), zooKeeperReadOnly);
    } finally {
      await zk.stop();
    }
  });
});

describe("a member whose storage failed", () => {
  let member: Member;
  let replicated: ConnectResponse;
  let zxidAtFailure: number;
  const closedWithoutReply: Record<string, boolean> = {};

  before(async () => {
    const disk = simDisk(7);
    member = await startOnDisk(disk);
    // A healthy member answers a read-only-capable client with readOnly=false.
    const a = await session(member.port, { readOnly: true });
    assert.equal(a.res.readOnly, false);
    replicated = a.res;
    for (const [path, data] of [
      ["/a", "one"],
      ["/a/b", "two"],
    ]) {
      const r = await a.conn.call(OpCode.create, {
        path,
        data: bytes(data),
        acl: openAcl,
        flags: 0,
      });
      assert.equal(r.header.err, 0);
    }
    const idle = await session(member.port);
    assert.equal(await fourLetterWord(member.port, "isro"), "rw");
    assert.doesNotMatch(await fourLetterWord(member.port, "srvr"), /READ-ONLY/);
    zxidAtFailure = member.standalone.member.lastZxid;

    // The next write's WAL write fails; a read and a ping are queued behind it on the same
    // connection, so they can only complete if the member gives up on the write.
    disk.failNext("write", "ENOSPC");
    const w = new Writer(4096);
    a.conn.write(
      encodeRequest(w, 50, OpCode.create, { path: "/lost", data: null, acl: openAcl, flags: 0 }),
    );
    a.conn.write(encodeRequest(w, 51, OpCode.getData, { path: "/a", watch: false }));
    a.conn.write(encodeRequest(w, -2, OpCode.ping, null));
    const expectClosed = async (conn: RawConnection): Promise<boolean> => {
      try {
        await conn.expectClosedWithoutReply(5000);
        return true;
      } catch {
        return false;
      }
    };
    closedWithoutReply.writer = await expectClosed(a.conn);
    closedWithoutReply.idle = await expectClosed(idle.conn);
  });

  after(async () => {
    await member?.kill();
  });

  it("ends the write in flight and the requests queued behind it by closing, with one error line", () => {
    assert.equal(closedWithoutReply.writer, true, "the writer's connection got a reply or hung");
    assert.equal(closedWithoutReply.idle, true, "an idle connection was left open");
    assert.equal(member.standalone.member.readOnly, true);
    const lines = member.logger.lines.filter((l) => /now read-only/.test(l.message));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, "error");
    assert.match(lines[0].message, /until it is restarted on a healthy disk/);
    assert.equal(lines[0].fields?.code, "ENOSPC");
    assert.match(String(lines[0].fields?.error), /ENOSPC/);
    assert.equal(lines[0].fields?.pendingWrites, 1);
    // The state is what was durable: the failed write was never applied.
    assert.equal(member.standalone.member.lastZxid, zxidAtFailure);
    assert.equal(member.standalone.member.state.tree.get("/lost"), undefined);
  });

  it("refuses clients without the readOnly flag, absent or false, by closing without a reply", async () => {
    for (const readOnly of [null, false]) {
      const conn = await RawConnection.open(member.port);
      assert.equal(await conn.handshake({ readOnly }), null, `readOnly ${readOnly} was answered`);
    }
    const refusals = member.logger.lines.filter((l) =>
      /does not accept a read-only server/.test(l.message),
    );
    assert.deepEqual(
      refusals.map((l) => l.fields?.readOnlyFlag),
      ["absent", "false"],
    );
  });

  it("refuses to resume a replicated session, without a reply, as ZooKeeper 3.7+ does", async () => {
    const conn = await RawConnection.open(member.port);
    const res = await conn.handshake({
      readOnly: true,
      sessionId: replicated.sessionId,
      passwd: replicated.passwd,
    });
    assert.equal(res, null);
    assert.ok(
      member.logger.lines.some((l) => /refusing to resume a replicated session/.test(l.message)),
    );
  });

  it("gives read-only clients member-local sessions with ids above every replicated one", async () => {
    const lastIndex = member.standalone.raftLog.lastIndex;
    const one = await session(member.port, { readOnly: true, timeOut: 3000 });
    const two = await session(member.port, { readOnly: true });
    for (const s of [one, two]) {
      assert.equal(s.res.readOnly, true);
      assert.ok(s.res.sessionId >= BigInt(localSessionIdMin));
      assert.ok(s.res.sessionId <= BigInt(Number.MAX_SAFE_INTEGER));
      assert.equal(s.res.passwd.length, 16);
      assert.ok(
        s.res.passwd.some((b) => b !== 0),
        "password is all zeros",
      );
    }
    assert.equal(one.res.timeOut, 3000);
    assert.notEqual(one.res.sessionId, two.res.sessionId);
    // Nothing was proposed: the log is dead.
    assert.equal(member.standalone.raftLog.lastIndex, lastIndex);
    assert.match(await fourLetterWord(member.port, "mntr"), /zk_local_sessions\t2\n/);
    one.conn.destroy();
    two.conn.destroy();
  });

  it("serves reads, watches and pings on a local session, at the zxid of the failure", async () => {
    const { conn } = await session(member.port, { readOnly: true });
    const data = await conn.call(OpCode.getData, { path: "/a", watch: true });
    assert.equal(data.header.err, 0);
    assert.equal(data.header.zxid, zxidAtFailure);
    assert.equal(Buffer.from(data.body!.data!).toString(), "one");
    const children = await conn.call(OpCode.getChildren2, { path: "/a", watch: true });
    assert.deepEqual(children.body?.children, ["b"]);
    assert.equal(
      (await conn.call(OpCode.exists, { path: "/lost", watch: true })).header.err,
      ErrorCode.noNode,
    );
    assert.equal((await conn.call(OpCode.getACL, { path: "/a" })).header.err, 0);
    const count = await conn.call(OpCode.getAllChildrenNumber, { path: "/a" });
    assert.equal(count.body?.totalNumber, 1);
    assert.equal((await conn.call(OpCode.getEphemerals, { prefixPath: "/" })).header.err, 0);
    const multiRead = await conn.call(OpCode.multiRead, [
      { type: 4, request: { path: "/a/b", watch: false } },
      { type: 8, request: { path: "/nope", watch: false } },
    ]);
    assert.equal(multiRead.header.err, 0);
    assert.equal(multiRead.body?.length, 2);
    assert.equal((await conn.call(OpCode.whoAmI, null)).header.err, 0);
    assert.equal((await replyTo(conn, OpCode.addWatch, { path: "/a", mode: 1 })).err, 0);
    assert.equal((await replyTo(conn, OpCode.checkWatches, { path: "/a", type: 3 })).err, 0);
    assert.equal((await replyTo(conn, OpCode.removeWatches, { path: "/a", type: 3 })).err, 0);
    const watches = {
      relativeZxid: zxidAtFailure,
      dataWatches: ["/a"],
      existWatches: [],
      childWatches: [],
    };
    assert.equal((await replyTo(conn, OpCode.setWatches, watches)).err, 0);
    conn.write(encodeRequest(writer, -2, OpCode.ping, null));
    const ping = await conn.replyHeader();
    assert.equal(ping?.xid, -2);
    assert.equal(ping?.zxid, zxidAtFailure);
    const auth = await conn.call(OpCode.auth, { type: 0, scheme: "digest", auth: bytes("u:p") });
    assert.equal(auth.header.err, 0);
    conn.destroy();
  });

  it("answers every opcode of ZooKeeper's ReadOnlyRequestProcessor with NotReadOnly and keeps the connection", async () => {
    const { conn } = await session(member.port, { readOnly: true });
    const create = { path: "/x", data: bytes("x"), acl: openAcl, flags: 0 };
    const writes: [RequestOpcode, unknown][] = [
      [OpCode.create, create],
      [OpCode.create2, create],
      [OpCode.createContainer, { ...create, flags: 4 }],
      [OpCode.createTTL, { ...create, flags: 5, ttl: 1000 }],
      [OpCode.delete, { path: "/a/b", version: -1 }],
      [OpCode.deleteContainer, { path: "/a/b" }],
      [OpCode.setData, { path: "/a", data: bytes("new"), version: -1 }],
      [OpCode.setACL, { path: "/a", acl: openAcl, version: -1 }],
      [OpCode.multi, [{ type: 2, request: { path: "/a/b", version: -1 } }]],
      [OpCode.check, { path: "/a", version: 0 }],
      [OpCode.sync, { path: "/a" }],
      [
        OpCode.reconfig,
        { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1 },
      ],
    ];
    for (const [type, body] of writes) {
      const header = await replyTo(conn, type, body);
      assert.equal(header.err, ErrorCode.notReadOnly, `opcode ${type}`);
      assert.equal(header.zxid, zxidAtFailure, `opcode ${type}`);
    }
    assert.equal(conn.isClosed, false);
    const data = await conn.call(OpCode.getData, { path: "/a", watch: false });
    assert.equal(Buffer.from(data.body!.data!).toString(), "one");
    assert.equal(member.standalone.member.state.tree.get("/a/b")?.data, "two");
    conn.destroy();
  });

  it("resumes a local session with its password and refuses a wrong one as expired", async () => {
    const first = await session(member.port, { readOnly: true, timeOut: 4000 });
    first.conn.destroy();
    const again = await session(member.port, {
      readOnly: true,
      sessionId: first.res.sessionId,
      passwd: first.res.passwd,
      timeOut: 2000,
    });
    assert.equal(again.res.sessionId, first.res.sessionId);
    assert.equal(again.res.readOnly, true);
    assert.equal(again.res.timeOut, 2000);
    assert.deepEqual(again.res.passwd, first.res.passwd);
    assert.equal(
      (await again.conn.call(OpCode.exists, { path: "/a", watch: false })).header.err,
      0,
    );

    const wrong = new Uint8Array(first.res.passwd);
    wrong[0] ^= 1;
    for (const [sessionId, passwd] of [
      [first.res.sessionId, wrong],
      [BigInt(localSessionIdMin) + 12345n, first.res.passwd],
    ] as const) {
      const res = await expectResumeExpired(member.port, sessionId, passwd);
      assert.equal(res.sessionId, 0n);
      assert.deepEqual([...res.passwd], new Array(16).fill(0));
      assert.equal(res.readOnly, true, "ZooKeeper's expired reply says readOnly=true too");
    }
    again.conn.destroy();
  });

  it("closeSession answers, closes and forgets a local session", async () => {
    const { conn, res } = await session(member.port, { readOnly: true });
    const before = member.standalone.member.localSessionCount;
    const reply = await conn.call(OpCode.closeSession, null);
    assert.equal(reply.header.err, 0);
    await conn.closed;
    assert.equal(member.standalone.member.localSessionCount, before - 1);
    await expectResumeExpired(member.port, res.sessionId, res.passwd);
  });

  it("expires an idle local session after its timeout, closing its connection", async () => {
    const { conn, res } = await session(member.port, { readOnly: true, timeOut: 1 });
    assert.equal(res.timeOut, 2 * tickTimeMs);
    const started = Date.now();
    await conn.expectClosedWithoutReply(10 * tickTimeMs);
    assert.ok(Date.now() - started >= 2 * tickTimeMs - 50, "closed before its timeout");
    const hex = `0x${res.sessionId.toString(16)}`;
    assert.ok(
      member.logger.lines.some(
        (l) => /read-only session expired/.test(l.message) && l.fields?.session === hex,
      ),
    );
    await expectResumeExpired(member.port, res.sessionId, res.passwd);
  });

  it("answers the read-only probe exactly as ZooKeeper 3.8's read-only server", async () => {
    assert.deepEqual(await probeReadOnly(member.port), zooKeeperReadOnly);
  });

  it("says read-only in isro, srvr, stat and mntr, as ZooKeeper words it", async () => {
    assert.equal(await fourLetterWord(member.port, "isro"), "ro");
    const srvr = await fourLetterWord(member.port, "srvr");
    assert.match(
      srvr,
      /^Zookeeper version: [^\n]+\nREAD-ONLY mode; serving only read-only clients\nLatency min\/avg\/max: /,
    );
    assert.match(srvr, /\nMode: read-only\n/);
    const stat = await fourLetterWord(member.port, "stat");
    assert.match(
      stat,
      /^Zookeeper version: [^\n]+\nREAD-ONLY mode; serving only read-only clients\nClients:\n/,
    );
    assert.match(stat, /\nMode: read-only\n/);
    assert.match(await fourLetterWord(member.port, "mntr"), /\nzk_server_state\tread-only\n/);
  });
});

describe("recovery after a storage failure", () => {
  // Each seed: acknowledged writes, then a failing write or fsync (ENOSPC or EIO) under more
  // writes, then the process dies (the disk loses a random part of what was not fsynced and
  // may keep a torn prefix of the failed write), then a restart on the same disk.
  for (const [seed, operation, code] of [
    [1, "write", "ENOSPC"],
    [2, "sync", "ENOSPC"],
    [3, "write", "EIO"],
    [4, "sync", "EIO"],
    [5, "write", "ENOSPC"],
    [6, "sync", "EIO"],
  ] as const) {
    it(`keeps every acknowledged write (seed ${seed}, ${operation} fails with ${code})`, async () => {
      const disk = simDisk(seed);
      const first = await startOnDisk(disk);
      const acked = new Map<string, string>();
      try {
        const { conn } = await session(first.port);
        // Pipelined creates, so several of them share a group commit.
        const w = new Writer(64 * 1024);
        for (let i = 0; i < 30; i++) {
          conn.write(
            encodeRequest(w, i + 1, OpCode.create, {
              path: `/n${i}`,
              data: bytes(`v${i}`),
              acl: openAcl,
              flags: 0,
            }),
          );
        }
        for (let i = 0; i < 30; i++) {
          const h = await conn.replyHeader();
          assert.equal(h?.err, 0);
          acked.set(`/n${i}`, `v${i}`);
        }
        disk.failNext(operation, code);
        for (let i = 30; i < 60; i++) {
          conn.write(
            encodeRequest(w, i + 1, OpCode.create, {
              path: `/n${i}`,
              data: bytes(`v${i}`),
              acl: openAcl,
              flags: 0,
            }),
          );
        }
        for (;;) {
          const h = await conn.replyHeader();
          if (h === null) break;
          assert.equal(h.err, 0);
          acked.set(`/n${h.xid - 1}`, `v${h.xid - 1}`);
        }
        await until(() => first.standalone.member.readOnly, "read-only mode");
      } finally {
        await first.kill();
      }
      disk.crash();
      const second = await startOnDisk(disk);
      try {
        assert.equal(second.standalone.member.readOnly, false);
        const tree = second.standalone.member.state.tree;
        for (const [path, data] of acked) assert.equal(tree.get(path)?.data, data, path);
        const { conn } = await session(second.port);
        const r = await conn.call(OpCode.create, {
          path: "/after",
          data: null,
          acl: openAcl,
          flags: 0,
        });
        assert.equal(r.header.err, 0, "the restarted member takes writes again");
        conn.destroy();
      } finally {
        await second.kill();
      }
    });
  }
});
