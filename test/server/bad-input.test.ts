// Proves that a started Corral server answers bad input over real sockets the way ZooKeeper
// does (zookeeper-protocol.md §1, §3, §5): malformed, truncated, oversized and negative-length
// frames, unknown and client-forbidden opcodes, garbage before the handshake, absurd session
// timeouts, too many connections from one address, floods of abruptly closed connections,
// disconnects mid-frame, clients ahead of the server, wrong session passwords, and
// connections that never complete the handshake. Each case gets ZooKeeper's answer (an error
// code or a closed connection) and a server log line; afterwards the server still serves a
// normal client and every node written before is unchanged. The same cases run against the
// real ZooKeeper 3.8 when it is installed (without the log checks), proving the expected
// answers are ZooKeeper's; the two deliberate differences are marked where they are skipped.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ErrorCode, OpCode } from "../../src/protocol/constants.js";
import type { Stat } from "../../src/protocol/records.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { openSession, RawConnection } from "./raw-client.js";

const tickTimeMs = 200;
const minTimeoutMs = 2 * tickTimeMs;
const maxTimeoutMs = 20 * tickTimeMs;
const packetBytesMax = 65536;
const connectionsMax = 8;
const handshakeTimeoutMs = 600;

interface Target {
  name: string;
  port: number;
  /** The server's log so far, or null when it is not ours to read (real ZooKeeper). */
  logs(): string | null;
  stop(): Promise<void>;
}

const serverConfig = [
  `jute.maxbuffer=${packetBytesMax}`,
  `maxClientCnxns=${connectionsMax}`,
  `nio.sessionlessCnxnTimeout=${handshakeTimeoutMs}`,
];

const targets: { name: string; skip: string | false; start(): Promise<Target> }[] = [
  {
    name: "corral",
    skip: false,
    async start() {
      const server: CorralServer = await startCorralServer({
        tickTimeMs,
        extraConfig: serverConfig,
      });
      return { name: "corral", port: server.port, logs: () => server.logs(), stop: server.stop };
    },
  },
  {
    // The same cases against the real ZooKeeper prove that the answers expected are its own.
    name: "zookeeper-3.8",
    skip:
      process.env.INTEROP_TARGETS !== undefined &&
      !process.env.INTEROP_TARGETS.includes("zookeeper")
        ? "real ZooKeeper not selected"
        : peerSkip(!realZooKeeperAvailable() && "real ZooKeeper not installed"),
    async start() {
      // ZooKeeper reads jute.maxbuffer as a JVM property only (zoo.cfg would name it
      // zookeeper.jute.maxbuffer); Corral takes it from zoo.cfg.
      const zk = await startRealZooKeeper({
        tickTimeMs,
        extraConfig: serverConfig,
        systemProperties: { "jute.maxbuffer": `${packetBytesMax}` },
      });
      return { name: "zookeeper-3.8", port: zk.port, logs: () => null, stop: zk.stop };
    },
  },
];

let target: Target;
const written = new Map<string, { data: string; stat: Stat }>();

async function writeNodes(): Promise<void> {
  const { conn } = await openSessionRetrying(4000);
  written.clear();
  for (const name of ["a", "b", "c"]) {
    const path = `/keep-${name}`;
    const created = await conn.call(OpCode.create2, {
      path,
      data: Buffer.from(`value ${name}`),
      acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
      flags: 0,
    });
    assert.equal(created.header.err, 0);
    written.set(path, { data: `value ${name}`, stat: created.body!.stat });
  }
  await conn.call(OpCode.closeSession, null);
  conn.destroy();
}

function logMark(): number {
  return target.logs()?.length ?? 0;
}

/** Waits until the server log gains a line containing `text` after `mark` (Corral only). */
async function logged(mark: number, text: string): Promise<void> {
  if (target.logs() === null) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (target.logs()!.slice(mark).includes(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`server did not log "${text}"; log since mark:\n${target.logs()!.slice(mark)}`);
}

/**
 * Opens `n` sessions at once. The server learns of earlier closes asynchronously and may
 * still count them against maxClientCnxns for a moment, so a short bounded retry is allowed.
 */
async function openSessions(n: number): Promise<RawConnection[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tries = await Promise.allSettled(
      Array.from({ length: n }, () => openSession(target.port, 4000)),
    );
    const ok = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value.conn] : []));
    if (ok.length === n) return ok;
    for (const c of ok) c.destroy();
    await Promise.all(ok.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cannot open ${n} sessions`);
}

/**
 * Opens a raw connection. ZooKeeper counts closed connections against maxClientCnxns until
 * its selector notices them, so right after the cap test a connect may be reset: retry a
 * bounded number of times.
 */
async function openRaw(): Promise<RawConnection> {
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await RawConnection.open(target.port);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

/** openSession with the same bounded retry as openRaw. */
async function openSessionRetrying(timeoutMs: number): ReturnType<typeof openSession> {
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await openSession(target.port, timeoutMs);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

for (const { name, skip, start } of targets) {
  describe(`bad input against ${name}`, { skip }, () => {
    before(async () => {
      target = await start();
      await writeNodes();
    });
    after(async () => {
      await target?.stop();
    });

    it("a truncated request body gets MarshallingError and the connection stays open", async () => {
      const { conn } = await openSessionRetrying(4000);
      const mark = logMark();
      // getData whose path claims 100 bytes but carries 3.
      const body = Buffer.alloc(7);
      body.writeInt32BE(100, 0);
      body.write("/ke", 4);
      conn.sendRawRequest(7, OpCode.getData, body);
      const h = await conn.replyHeader();
      assert.deepEqual([h?.xid, h?.err], [7, ErrorCode.marshallingError]);
      // The same for a write: create with nothing after the path.
      const createBody = Buffer.alloc(6);
      createBody.writeInt32BE(2, 0);
      createBody.write("/x", 4);
      conn.sendRawRequest(8, OpCode.create, createBody);
      const h2 = await conn.replyHeader();
      assert.deepEqual([h2?.xid, h2?.err], [8, ErrorCode.marshallingError]);
      await logged(mark, "undecodable request answered with MarshallingError");
      const still = await conn.call(OpCode.exists, { path: "/keep-a", watch: false });
      assert.equal(still.header.err, 0);
      assert.equal(conn.isClosed, false);
      conn.destroy();
    });

    it("a request header shorter than 8 bytes closes the connection", async () => {
      const { conn } = await openSessionRetrying(4000);
      const mark = logMark();
      conn.write(frame(Buffer.from([0, 0, 0, 1])));
      await conn.expectClosedWithoutReply();
      await logged(mark, "truncated request header");
    });

    it("a frame longer than jute.maxbuffer closes the connection", async () => {
      const { conn } = await openSessionRetrying(4000);
      const mark = logMark();
      const header = Buffer.alloc(4);
      header.writeInt32BE(packetBytesMax + 1, 0);
      conn.write(header);
      await conn.expectClosedWithoutReply();
      await logged(mark, "frame length out of range");
    });

    it("a negative frame length closes the connection", async () => {
      const conn = await openRaw();
      const mark = logMark();
      conn.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
      await conn.expectClosedWithoutReply();
      await logged(mark, "length=-2");
    });

    it("an HTTP request on the client port is closed (its first bytes are an absurd length)", async () => {
      const conn = await openRaw();
      const mark = logMark();
      conn.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await conn.expectClosedWithoutReply();
      await logged(mark, "frame length out of range");
    });

    for (const [what, opcode] of [
      ["an unknown opcode", 999],
      ["check (13) at top level", OpCode.check],
      ["deleteContainer (20) from a client", OpCode.deleteContainer],
    ] as const) {
      // Deliberate differences (zookeeper-protocol.md §6.13, §6.14): ZooKeeper 3.8 answers a
      // top-level check with MarshallingError and runs a client's deleteContainer without an
      // ACL check; Corral answers both as 3.9 does a request it does not serve.
      const differs = name !== "corral" && opcode !== 999;
      const skipCase = differs ? "Corral differs from ZooKeeper 3.8 here on purpose" : false;
      it(`${what} gets Unimplemented, then the connection closes`, { skip: skipCase }, async () => {
        const { conn } = await openSessionRetrying(4000);
        const mark = logMark();
        const path = Buffer.alloc(11);
        path.writeInt32BE(7, 0);
        path.write("/keep-a", 4);
        conn.sendRawRequest(5, opcode, path);
        const h = await conn.replyHeader();
        assert.deepEqual([h?.xid, h?.zxid, h?.err], [5, -1, ErrorCode.unimplemented]);
        await conn.expectClosedWithoutReply();
        await logged(mark, `opcode=${opcode}`);
      });
    }

    it("garbage as the first frame closes the connection without a reply", async () => {
      const conn = await openRaw();
      const mark = logMark();
      conn.write(frame(Buffer.from("hello")));
      await conn.expectClosedWithoutReply();
      await logged(mark, "malformed ConnectRequest");
    });

    it("a request sent before the ConnectRequest closes the connection without a reply", async () => {
      // getData(/keep-a) is 20 bytes, shorter than any ConnectRequest (28 at least).
      const conn = await openRaw();
      const mark = logMark();
      const path = Buffer.alloc(12);
      path.writeInt32BE(7, 0);
      path.write("/keep-a", 4);
      conn.sendRawRequest(1, OpCode.getData, path);
      await conn.expectClosedWithoutReply();
      await logged(mark, "malformed ConnectRequest");
    });

    it("absurd session timeouts are negotiated to the configured bounds", async () => {
      for (const [asked, expected] of [
        [1, minTimeoutMs],
        [-5, minTimeoutMs],
        [0, minTimeoutMs],
        [2 ** 31 - 1, maxTimeoutMs],
        [minTimeoutMs + 1, minTimeoutMs + 1],
      ]) {
        const { conn, session } = await openSession(target.port, asked);
        assert.equal(session.timeOut, expected, `asked ${asked}`);
        await conn.call(OpCode.closeSession, null);
        conn.destroy();
      }
    });

    it("a ConnectRequest whose lastZxidSeen is ahead of the server is closed without a reply", async () => {
      const conn = await openRaw();
      const mark = logMark();
      const res = await conn.handshake({ lastZxidSeen: 1_000_000 });
      assert.equal(res, null);
      await logged(mark, "refusing client that has seen a newer zxid");
    });

    it("resuming a session with a wrong password gets timeOut 0, then the connection closes", async () => {
      const { conn, session } = await openSessionRetrying(4000);
      const wrong = Uint8Array.from(session.passwd, (b) => b ^ 1);
      const other = await openRaw();
      const mark = logMark();
      const res = await other.handshake({ sessionId: session.sessionId, passwd: wrong });
      assert.ok(res !== null);
      assert.equal(res.timeOut, 0);
      assert.equal(res.sessionId, 0n);
      await other.expectClosedWithoutReply();
      await logged(mark, "session resume refused");
      // The rightful owner is unaffected on Corral. ZooKeeper 3.8 drops the owner's connection
      // before it checks the password (observed; the owner then reconnects), which would let
      // anyone who reads a session id from `cons` disconnect its client at will.
      if (name === "corral")
        assert.equal(
          (await conn.call(OpCode.exists, { path: "/keep-a", watch: false })).header.err,
          0,
        );
      conn.destroy();
    });

    it("connections beyond maxClientCnxns from one address are closed at once", async () => {
      const open = await openSessions(connectionsMax);
      try {
        const mark = logMark();
        // ZooKeeper may close so fast that the connect itself fails (EPIPE/ECONNRESET).
        const extra = await RawConnection.open(target.port).catch(() => null);
        await extra?.expectClosedWithoutReply();
        await logged(mark, "too many connections from one address");
      } finally {
        for (const c of open) c.destroy();
        await Promise.all(open.map((c) => c.closed));
      }
    });

    it("a connection that never completes the handshake is closed after the timeout", async () => {
      const mark = logMark();
      for (let attempt = 1; ; attempt++) {
        // Taken before either connection opens: both close no earlier than the timeout after
        // their own open, and the second open may itself take a while on a loaded machine.
        const started = Date.now();
        const silent = await openRaw();
        // Half a ConnectRequest: the frame never completes.
        const half = await openRaw();
        half.write(Buffer.from([0, 0, 0, 45, 0, 0]));
        await silent.expectClosedWithoutReply(handshakeTimeoutMs + 3000);
        await half.expectClosedWithoutReply(handshakeTimeoutMs + 3000);
        const early = Date.now() - started < handshakeTimeoutMs - 100;
        // ZooKeeper may still count the previous test's closed connections against
        // maxClientCnxns and close these at once (seen in CI): that is its cap, not the
        // handshake deadline, so try again. Corral closes early only by mistake.
        if (early && name !== "corral" && attempt < 5) continue;
        assert.ok(!early, "closed too early");
        break;
      }
      await logged(mark, "no ConnectRequest in time");
      // A client that does complete its handshake stays, even past that delay.
      const { conn } = await openSessionRetrying(4000);
      await new Promise((r) => setTimeout(r, handshakeTimeoutMs + 200));
      assert.equal(
        (await conn.call(OpCode.exists, { path: "/keep-a", watch: false })).header.err,
        0,
      );
      conn.destroy();
    });

    it("abrupt disconnects mid-frame and a flood of opened-and-dropped connections", async () => {
      const mark = logMark();
      const { conn } = await openSessionRetrying(4000);
      const partial = Buffer.alloc(10);
      partial.writeInt32BE(40, 0);
      conn.write(partial);
      await new Promise((r) => setTimeout(r, 50));
      conn.socket.resetAndDestroy();
      await logged(mark, "partialFrameBytes=10");
      // Batches below the per-address cap, each reset or closed at once. The server learns of
      // closes asynchronously, so a connection may still meet the cap and be refused: that
      // is allowed, as long as most get through and the server stays well.
      let accepted = 0;
      let total = 0;
      for (let round = 0; round < 25; round++) {
        const tries = await Promise.allSettled(
          Array.from({ length: connectionsMax - 2 }, () => RawConnection.open(target.port)),
        );
        const batch = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value] : []));
        total += tries.length;
        accepted += batch.length;
        for (const [i, c] of batch.entries()) {
          if (i % 2 === 0) c.socket.resetAndDestroy();
          else c.destroy();
        }
        await Promise.all(batch.map((c) => c.closed));
      }
      assert.ok(accepted >= total / 2, `only ${accepted} of ${total} connections accepted`);
      await logged(mark, "client connection closed by peer");
    });

    it("after all of it the server serves a normal client and has lost nothing", async () => {
      // Opening the full maxClientCnxns at once also proves no dropped connection is still
      // counted against this address.
      const sessions = await openSessions(connectionsMax);
      const conn = sessions[0];
      for (const [path, before] of written) {
        const got = await conn.call(OpCode.getData, { path, watch: false });
        assert.equal(got.header.err, 0, path);
        assert.equal(Buffer.from(got.body!.data!).toString(), before.data);
        assert.deepEqual(got.body!.stat, before.stat);
      }
      const created = await conn.call(OpCode.create, {
        path: "/after",
        data: null,
        acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
        flags: 0,
      });
      assert.equal(created.header.err, 0);
      for (const c of sessions.slice(1)) c.destroy();
      await Promise.all(sessions.slice(1).map((c) => c.closed));
      // The server learns of the closes above asynchronously; until then the cap may refuse.
      let answer = "";
      for (let i = 0; i < 50 && answer === ""; i++) {
        const four = await openRaw().catch(() => null);
        if (four === null) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        four.socket.removeAllListeners("data");
        four.socket.on("data", (d: Buffer) => (answer += d.toString()));
        four.write(Buffer.from("ruok"));
        await four.closed;
        if (answer === "") await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(answer, "imok");
      await conn.call(OpCode.closeSession, null);
      conn.destroy();
    });
  });
}
