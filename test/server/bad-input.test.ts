// Proves that a started Corral server answers bad input over real sockets the way ZooKeeper
// does (zookeeper-protocol.md §1, §3, §5): malformed, truncated, oversized and negative-length
// frames, unknown and client-forbidden opcodes, garbage before the handshake, absurd session
// timeouts, too many connections from one address, floods of abruptly closed connections,
// disconnects mid-frame, clients ahead of the server, wrong session passwords, and
// connections that never complete the handshake. Each case gets ZooKeeper's answer (an error
// code or a closed connection) and a server log line; afterwards the server still serves a
// normal client and every node written before is unchanged.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, OpCode } from "../../src/protocol/constants.js";
import type { Stat } from "../../src/protocol/records.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { openSession, RawConnection } from "./raw-client.js";

const tickTimeMs = 200;
const minTimeoutMs = 2 * tickTimeMs;
const maxTimeoutMs = 20 * tickTimeMs;
const packetBytesMax = 65536;
const connectionsMax = 8;
const handshakeTimeoutMs = 600;

let server: CorralServer;
const written = new Map<string, { data: string; stat: Stat }>();

before(async () => {
  server = await startCorralServer({
    tickTimeMs,
    extraConfig: [
      `jute.maxbuffer=${packetBytesMax}`,
      `maxClientCnxns=${connectionsMax}`,
      `nio.sessionlessCnxnTimeout=${handshakeTimeoutMs}`,
    ],
  });
  const { conn } = await openSession(server.port, 4000);
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
});

after(async () => {
  await server?.stop();
});

/** Waits until the server log gains a line containing `text` after `mark`. */
async function logged(mark: number, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (server.logs().slice(mark).includes(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`server did not log "${text}"; log since mark:\n${server.logs().slice(mark)}`);
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

test("a truncated request body gets MarshallingError and the connection stays open", async () => {
  const { conn } = await openSession(server.port, 4000);
  const mark = server.logs().length;
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

test("a request header shorter than 8 bytes closes the connection", async () => {
  const { conn } = await openSession(server.port, 4000);
  const mark = server.logs().length;
  conn.write(frame(Buffer.from([0, 0, 0, 1])));
  await conn.expectClosedWithoutReply();
  await logged(mark, "truncated request header");
});

test("a frame longer than jute.maxbuffer closes the connection", async () => {
  const { conn } = await openSession(server.port, 4000);
  const mark = server.logs().length;
  const header = Buffer.alloc(4);
  header.writeInt32BE(packetBytesMax + 1, 0);
  conn.write(header);
  await conn.expectClosedWithoutReply();
  await logged(mark, "frame length out of range");
});

test("a negative frame length closes the connection", async () => {
  const conn = await RawConnection.open(server.port);
  const mark = server.logs().length;
  conn.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  await conn.expectClosedWithoutReply();
  await logged(mark, "length=-2");
});

test("an HTTP request on the client port is closed (its first bytes are an absurd length)", async () => {
  const conn = await RawConnection.open(server.port);
  const mark = server.logs().length;
  conn.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await conn.expectClosedWithoutReply();
  await logged(mark, "frame length out of range");
});

for (const [name, opcode] of [
  ["an unknown opcode", 999],
  ["check (13) at top level", OpCode.check],
  ["deleteContainer (20) from a client", OpCode.deleteContainer],
] as const) {
  test(`${name} gets Unimplemented, then the connection closes`, async () => {
    const { conn } = await openSession(server.port, 4000);
    const mark = server.logs().length;
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

test("garbage as the first frame closes the connection without a reply", async () => {
  const conn = await RawConnection.open(server.port);
  const mark = server.logs().length;
  conn.write(frame(Buffer.from("hello")));
  await conn.expectClosedWithoutReply();
  await logged(mark, "malformed ConnectRequest");
});

test("a request sent before the ConnectRequest closes the connection without a reply", async () => {
  // getData(/keep-a) is 20 bytes, shorter than any ConnectRequest (28 at least).
  const conn = await RawConnection.open(server.port);
  const mark = server.logs().length;
  const path = Buffer.alloc(12);
  path.writeInt32BE(7, 0);
  path.write("/keep-a", 4);
  conn.sendRawRequest(1, OpCode.getData, path);
  await conn.expectClosedWithoutReply();
  await logged(mark, "malformed ConnectRequest");
});

test("absurd session timeouts are negotiated to the configured bounds", async () => {
  for (const [asked, expected] of [
    [1, minTimeoutMs],
    [-5, minTimeoutMs],
    [0, minTimeoutMs],
    [2 ** 31 - 1, maxTimeoutMs],
    [minTimeoutMs + 1, minTimeoutMs + 1],
  ]) {
    const { conn, session } = await openSession(server.port, asked);
    assert.equal(session.timeOut, expected, `asked ${asked}`);
    await conn.call(OpCode.closeSession, null);
    conn.destroy();
  }
});

test("a ConnectRequest whose lastZxidSeen is ahead of the server is closed without a reply", async () => {
  const conn = await RawConnection.open(server.port);
  const mark = server.logs().length;
  const res = await conn.handshake({ lastZxidSeen: 1_000_000 });
  assert.equal(res, null);
  await logged(mark, "refusing client that has seen a newer zxid");
});

test("resuming a session with a wrong password gets timeOut 0, then the connection closes", async () => {
  const { conn, session } = await openSession(server.port, 4000);
  const wrong = Uint8Array.from(session.passwd, (b) => b ^ 1);
  const other = await RawConnection.open(server.port);
  const mark = server.logs().length;
  const res = await other.handshake({ sessionId: session.sessionId, passwd: wrong });
  assert.ok(res !== null);
  assert.equal(res.timeOut, 0);
  assert.equal(res.sessionId, 0n);
  await other.expectClosedWithoutReply();
  await logged(mark, "session resume refused");
  // The rightful owner is unaffected.
  assert.equal((await conn.call(OpCode.exists, { path: "/keep-a", watch: false })).header.err, 0);
  conn.destroy();
});

test("connections beyond maxClientCnxns from one address are closed at once", async () => {
  const open: RawConnection[] = [];
  try {
    for (let i = 0; i < connectionsMax; i++) open.push((await openSession(server.port, 4000)).conn);
    const mark = server.logs().length;
    const extra = await RawConnection.open(server.port);
    await extra.expectClosedWithoutReply();
    await logged(mark, "too many connections from one address");
  } finally {
    for (const c of open) c.destroy();
    await Promise.all(open.map((c) => c.closed));
  }
});

test("a connection that never completes the handshake is closed after the timeout", async () => {
  const mark = server.logs().length;
  const silent = await RawConnection.open(server.port);
  // Half a ConnectRequest: the frame never completes.
  const half = await RawConnection.open(server.port);
  half.write(Buffer.from([0, 0, 0, 45, 0, 0]));
  const started = Date.now();
  await silent.expectClosedWithoutReply(handshakeTimeoutMs + 3000);
  await half.expectClosedWithoutReply(handshakeTimeoutMs + 3000);
  assert.ok(Date.now() - started >= handshakeTimeoutMs - 100, "closed too early");
  await logged(mark, "no ConnectRequest in time");
  // A client that does complete its handshake stays, even past that delay.
  const { conn } = await openSession(server.port, 4000);
  await new Promise((r) => setTimeout(r, handshakeTimeoutMs + 200));
  assert.equal((await conn.call(OpCode.exists, { path: "/keep-a", watch: false })).header.err, 0);
  conn.destroy();
});

test("abrupt disconnects mid-frame and a flood of opened-and-dropped connections", async () => {
  const mark = server.logs().length;
  const { conn } = await openSession(server.port, 4000);
  const partial = Buffer.alloc(10);
  partial.writeInt32BE(40, 0);
  conn.write(partial);
  await new Promise((r) => setTimeout(r, 50));
  conn.socket.resetAndDestroy();
  await logged(mark, "partialFrameBytes=10");
  // Batches below the per-address cap so every connection is accepted, then reset at once.
  for (let round = 0; round < 25; round++) {
    const batch = await Promise.all(
      Array.from({ length: connectionsMax - 2 }, () => RawConnection.open(server.port)),
    );
    for (const [i, c] of batch.entries()) {
      if (i % 2 === 0) c.socket.resetAndDestroy();
      else c.destroy();
    }
    await Promise.all(batch.map((c) => c.closed));
  }
  await logged(mark, "client connection closed by peer");
});

test("after all of it the server serves a normal client and has lost nothing", async () => {
  // The flood's last closes may still be in flight: retry briefly. Opening the full
  // maxClientCnxns at once also proves no dropped connection is still counted against us.
  let sessions: RawConnection[] | undefined;
  for (let i = 0; i < 50 && sessions === undefined; i++) {
    const tries = await Promise.allSettled(
      Array.from({ length: connectionsMax }, () => openSession(server.port, 4000)),
    );
    const ok = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value.conn] : []));
    if (ok.length === connectionsMax) sessions = ok;
    else {
      for (const c of ok) c.destroy();
      await Promise.all(ok.map((c) => c.closed));
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok(sessions !== undefined, "cannot open maxClientCnxns sessions after the bad input");
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
    const four = await RawConnection.open(server.port);
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
