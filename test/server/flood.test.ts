// Proves that a flood leaves other clients served, against a real `corral server` process
// at its default limits (globalOutstandingLimit 1000): 1500 connections that never send a
// byte, 500 idle sessions, a client pipelining 20 000 requests at once, and a client that
// asks for 100 KiB replies and never reads them, all together. Meanwhile a polite client's
// sequential requests must each be answered within a bound, the non-reader must be closed
// by the output bound, and the server's resident memory must stay bounded. The figures are
// printed (docs/security.md quotes them).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { OpCode } from "../../src/protocol/constants.js";
import { startCorralServer } from "../support/corral-server.js";
import { RawConnection } from "./raw-client.js";

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** `count` request frames (xid, opcode, body) in one buffer, xids from `firstXid`. */
function frames(count: number, firstXid: number, opcode: number, body: Buffer): Buffer {
  const one = 12 + body.length;
  const out = Buffer.alloc(count * one);
  for (let i = 0; i < count; i++) {
    const at = i * one;
    out.writeInt32BE(8 + body.length, at);
    out.writeInt32BE(firstXid + i, at + 4);
    out.writeInt32BE(opcode, at + 8);
    body.copy(out, at + 12);
  }
  return out;
}

function pathBody(path: string): Buffer {
  const b = Buffer.alloc(4 + path.length + 1);
  b.writeInt32BE(path.length, 0);
  b.write(path, 4, "latin1");
  return b;
}

function openSockets(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
          s.on("error", reject);
        }),
    ),
  );
}

test("a flood of connections, a pipelining client and a non-reader leave others served", {
  timeout: 180000,
}, async () => {
  const server = await startCorralServer({
    logLevel: "info",
    extraConfig: ["nio.sessionlessCnxnTimeout=120000"],
  });
  const sockets: Socket[] = [];
  const sessions: RawConnection[] = [];
  try {
    const pid = server.process.pid as number;
    const setup = await RawConnection.open(server.port);
    await setup.handshake();
    const big = Buffer.alloc(100 * 1024, 7);
    await setup.call(OpCode.create, {
      path: "/big",
      data: big,
      acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
      flags: 0,
    });
    const rssBeforeBytes = rssBytes(pid);

    // 1500 connections that never say anything, 500 idle sessions.
    for (let i = 0; i < 3; i++) sockets.push(...(await openSockets(server.port, 500)));
    for (let i = 0; i < 500; i++) {
      const c = await RawConnection.open(server.port);
      await c.handshake();
      sessions.push(c);
    }

    // The non-reader: 2000 requests for a 100 KiB node, never reading a reply.
    const nonReader = await RawConnection.open(server.port);
    await nonReader.handshake();
    nonReader.socket.pause();
    nonReader.write(frames(2000, 1, OpCode.getData, pathBody("/big")));

    // The greedy client: 20 000 pipelined exists, replies counted as they come.
    const greedy = await RawConnection.open(server.port);
    await greedy.handshake();
    let greedyReplies = 0;
    greedy.socket.on("data", () => {});
    const greedyDone = (async () => {
      while (greedyReplies < 20000) {
        const f = await greedy.nextFrame(60000);
        if (f === null) break;
        greedyReplies++;
      }
    })();
    greedy.write(frames(20000, 1, OpCode.exists, pathBody("/")));

    // The polite client: 200 sequential round trips while all that goes on.
    const polite = await RawConnection.open(server.port);
    await polite.handshake();
    const latenciesMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      const reply = await polite.call(OpCode.exists, { path: "/big", watch: false });
      latenciesMs.push(performance.now() - start);
      assert.equal(reply.header.err, 0);
    }
    await greedyDone;
    await nonReader.closed;
    const rssPeakBytes = rssBytes(pid);
    latenciesMs.sort((a, b) => a - b);
    const p50 = latenciesMs[100];
    const p99 = latenciesMs[197];
    const max = latenciesMs[199];
    console.log(
      `flood figures: polite p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ` +
        `greedy replies ${greedyReplies}; server RSS ${(rssBeforeBytes / 2 ** 20).toFixed(0)} MiB before, ` +
        `${(rssPeakBytes / 2 ** 20).toFixed(0)} MiB after`,
    );
    assert.equal(greedyReplies, 20000);
    assert.ok(max < 2000, `a polite request waited ${max.toFixed(0)} ms`);
    assert.ok(rssPeakBytes - rssBeforeBytes < 400 * 2 ** 20, "server memory grew by over 400 MiB");
    assert.match(server.logs(), /does not read its replies/);
    greedy.destroy();
    polite.destroy();
    setup.destroy();
  } finally {
    for (const s of sockets) s.destroy();
    for (const c of sessions) c.destroy();
    await server.stop();
  }
});
