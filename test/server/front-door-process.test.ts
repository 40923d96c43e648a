// Proves the front door of a real `corral server` process: a connection that trickles its
// ConnectRequest one byte every 50 ms is closed at nio.sessionlessCnxnTimeout while the
// server keeps serving, and maxCnxns refuses the connection beyond the cap exactly as
// ZooKeeper 3.8 does (the same check runs against the real ZooKeeper when it is installed).
//
// One difference is deliberate and pinned here: ZooKeeper 3.8's NIO server re-arms the
// sessionless timeout on every read, so a client that trickles bytes keeps its connection
// open without ever opening a session (measured: still open after 45 s at one byte per
// 100 ms). Corral counts the deadline from accept.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { RawConnection } from "./raw-client.js";

test("a trickled ConnectRequest is closed at the sessionless timeout; others are served", async () => {
  const server = await startCorralServer({ extraConfig: ["nio.sessionlessCnxnTimeout=1000"] });
  try {
    // A ConnectRequest frame whose password claims 900 bytes: 1000 bytes that would take
    // 50 s at this pace. allowHalfOpen: the peer ignores our FIN and keeps writing.
    const socket = connect({ host: "127.0.0.1", port: server.port, allowHalfOpen: true });
    socket.on("error", () => {});
    const start = Date.now();
    const closed = new Promise<number>((r) => socket.on("close", () => r(Date.now() - start)));
    const bytes = Buffer.alloc(1000);
    bytes.writeInt32BE(996, 0);
    bytes.writeInt32BE(900, 28);
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && sent < bytes.length) socket.write(bytes.subarray(sent, ++sent));
    }, 50);
    // Meanwhile a real session is opened and used.
    const other = await RawConnection.open(server.port);
    const session = await other.handshake();
    assert.ok(session !== null && session.timeOut > 0);
    const elapsedMs = await closed;
    clearInterval(timer);
    assert.ok(elapsedMs >= 900 && elapsedMs < 2500, `closed after ${elapsedMs} ms`);
    assert.equal(await fourLetterWord(server.port, "ruok"), "imok");
    assert.match(server.logs(), /no ConnectRequest in time/);
    other.destroy();
  } finally {
    await server.stop();
  }
});

async function maxCnxnsScenario(port: number): Promise<void> {
  const first = await RawConnection.open(port);
  const second = await RawConnection.open(port);
  assert.ok(((await first.handshake())?.timeOut ?? 0) > 0);
  assert.ok(((await second.handshake())?.timeOut ?? 0) > 0);
  // ZooKeeper may close it so fast that the connect itself fails (EPIPE or ECONNRESET, seen
  // in CI): refused either way.
  const third = await RawConnection.open(port).catch(() => null);
  await third?.expectClosedWithoutReply();
  first.destroy();
  await first.closed;
  // The freed slot is usable again (the server may take a moment to notice the close).
  const deadline = Date.now() + 5000;
  for (;;) {
    // A server still at its cap may reset the connection before it is even open (EPIPE).
    const again = await RawConnection.open(port).catch(() => null);
    const res = again === null ? null : await again.handshake().catch(() => null);
    again?.destroy();
    if (res !== null && res.timeOut > 0) break;
    if (Date.now() > deadline) throw new Error("the freed slot was not reusable");
    await new Promise((r) => setTimeout(r, 50));
  }
  second.destroy();
}

test("maxCnxns closes the connection beyond the cap: corral", async () => {
  const server = await startCorralServer({ extraConfig: ["maxCnxns=2"] });
  try {
    await maxCnxnsScenario(server.port);
    assert.match(server.logs(), /maxCnxns/);
  } finally {
    await server.stop();
  }
});

test("maxCnxns closes the connection beyond the cap: zookeeper-3.8", {
  skip: realZooKeeperAvailable() ? false : "Apache ZooKeeper is not installed",
}, async () => {
  const zk = await startRealZooKeeper({ extraConfig: ["maxCnxns=2"] });
  try {
    await maxCnxnsScenario(zk.port);
  } finally {
    await zk.stop();
  }
});
