// Proves how ZooKeeperClient.updateServerList acts on a live session, against two scripted
// servers on 127.0.0.1 that answer the handshake (ConnectRequest -> ConnectResponse) and
// nothing else:
// - an update that keeps the client on its server leaves the connection alone;
// - a connect string with another chroot is refused with BadArgumentsError and changes
//   nothing; the client's own chroot, or none, is accepted;
// - an update that moves the client disconnects it at once (suspended before the call
//   returns), and it resumes the same session on the new list's server: the ConnectRequest
//   there carries the session id and password, and the state becomes reconnected;
// - a closed client refuses with ClientClosedError.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { BadArgumentsError, ClientClosedError } from "../../src/client/errors.js";
import type { ConnectionState } from "../../src/client/types.js";
import { encodeConnectResponse, readConnectRequest } from "../../src/protocol/connect-codec.js";
import { Reader } from "../../src/protocol/reader.js";
import type { ConnectRequest } from "../../src/protocol/records.js";
import { Writer } from "../../src/protocol/writer.js";

const sessionId = 0x51n;
const password = new Uint8Array(16).fill(7);

/**
 * A server that answers every connection's first frame as a ZooKeeper handshake, and closes
 * the connection on closeSession.
 */
class HandshakeServer {
  readonly requests: ConnectRequest[] = [];
  readonly sockets: Socket[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(): Promise<HandshakeServer> {
    const s = new HandshakeServer();
    s.server.listen(0, "127.0.0.1");
    await once(s.server, "listening");
    return s;
  }

  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === "object" ? address.port : 0;
  }

  private accept(socket: Socket): void {
    this.sockets.push(socket);
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      if (answered) {
        // closeSession (opcode -11) ends the connection; pings and the like go unanswered.
        if (chunk.length >= 12 && chunk.readInt32BE(8) === -11) socket.end();
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      answered = true;
      this.requests.push(
        readConnectRequest(new Reader().reset(buffered, 4, 4 + buffered.readInt32BE(0))),
      );
      const reply = encodeConnectResponse(new Writer(256), {
        protocolVersion: 0,
        timeOut: 10000,
        sessionId,
        passwd: password,
        readOnly: false,
      });
      socket.write(Buffer.from(reply));
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

test("updateServerList keeps or moves the session's connection, and refuses another chroot", async () => {
  const a = await HandshakeServer.start();
  const b = await HandshakeServer.start();
  // The first draw decides the first update (1 -> 2 servers, a stays: move only below 0.5).
  const draws = [0.9];
  const zk = new ZooKeeperClient(`127.0.0.1:${a.port}/app`, {
    shuffleHosts: false,
    random: () => draws.shift() ?? 0.1,
  });
  const states: ConnectionState[] = [];
  zk.on("state", (s) => states.push(s));
  try {
    await zk.waitConnected({ timeoutMs: 5000 });
    assert.equal(zk.sessionId, sessionId);

    assert.equal(zk.updateServerList(`127.0.0.1:${a.port},127.0.0.1:${b.port}`), false);
    assert.equal(zk.connected, true);
    assert.deepEqual(
      zk.hosts.map((h) => h.port),
      [a.port, b.port],
    );

    assert.throws(() => zk.updateServerList(`127.0.0.1:${b.port}/other`), BadArgumentsError);
    assert.equal(zk.hosts.length, 2, "a refused update changes nothing");
    assert.equal(zk.connected, true);

    assert.equal(zk.updateServerList(`127.0.0.1:${b.port}/app`), true);
    assert.equal(zk.connected, false, "disconnected before the call returns");
    assert.deepEqual(states, ["connected", "suspended"]);
    await zk.waitConnected({ timeoutMs: 5000 });
    assert.equal(zk.currentHost?.port, b.port);
    assert.deepEqual(states, ["connected", "suspended", "reconnected"]);
    assert.equal(b.requests.length, 1);
    assert.equal(b.requests[0].sessionId, sessionId);
    assert.deepEqual(new Uint8Array(b.requests[0].passwd ?? []), password);
    assert.deepEqual(
      zk.hosts.map((h) => h.port),
      [b.port],
    );
  } finally {
    await zk.close();
    await a.stop();
    await b.stop();
  }
  assert.throws(() => zk.updateServerList(`127.0.0.1:${a.port}`), ClientClosedError);
});
