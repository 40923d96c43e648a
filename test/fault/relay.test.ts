// Proves the fault relay (test/fault/relay.ts) over real loopback sockets: it forwards both
// ways; a full cut closes open connections and resets new ones until healed; a one-way cut
// keeps connections up but throws away exactly the bytes of that direction, and healing
// closes the connections whose stream lost bytes; a delay holds every chunk back at least
// that long and keeps the order; stop() leaves nothing open. The relay mesh of an ensemble
// maps "cut A to B one way" onto the two relays that carry A's bytes to B.
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { waitFor } from "../client/helpers.js";
import { FaultRelay } from "./relay.js";
import { RelayMesh } from "./relay-mesh.js";

/** The target: records what each accepted connection received, keeps its socket. */
class Target {
  server: Server | null = null;
  port = 0;
  readonly sockets: Socket[] = [];
  readonly received: string[] = [];

  async start(): Promise<void> {
    const server = createServer((socket) => {
      const i = this.sockets.length;
      this.sockets.push(socket);
      this.received.push("");
      socket.on("data", (d: Buffer) => {
        this.received[i] += d.toString();
      });
      socket.on("error", () => {});
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** A client connection through the relay that records what it received and its closing. */
interface Peer {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
}

function open(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    let received = "";
    let closed = false;
    const socket = connect({ host: "127.0.0.1", port }, () => {
      resolve({ socket, received: () => received, closed: () => closed });
    });
    socket.on("data", (d: Buffer) => {
      received += d.toString();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
    });
    socket.once("error", reject);
  });
}

const target = new Target();
const relays: FaultRelay[] = [];
const peers: Peer[] = [];

async function relay(): Promise<FaultRelay> {
  const r = await new FaultRelay({ host: "127.0.0.1", port: target.port }, "test").start();
  relays.push(r);
  return r;
}

async function peer(port: number): Promise<Peer> {
  const p = await open(port);
  peers.push(p);
  return p;
}

before(async () => {
  await target.start();
});

after(async () => {
  for (const p of peers) p.socket.destroy();
  for (const r of relays) await r.stop();
  await target.stop();
});

test("forwards bytes both ways", async () => {
  const r = await relay();
  const p = await peer(r.port);
  const i = target.sockets.length;
  p.socket.write("ping");
  await waitFor(() => target.received[i] === "ping", 5000, "ping at the target");
  target.sockets[i].write("pong");
  await waitFor(() => p.received() === "pong", 5000, "pong at the peer");
  assert.equal(r.stats.bytesForwarded, 8);
  assert.equal(r.openConnections, 1);
});

test("a full cut closes open connections and resets new ones until healed", async () => {
  const r = await relay();
  const p = await peer(r.port);
  const i = target.sockets.length;
  await waitFor(() => target.sockets.length > i, 5000, "target connection");
  r.cut();
  await waitFor(() => p.closed(), 5000, "peer closed by the cut");
  await waitFor(
    () => target.sockets[i].destroyed || target.sockets[i].readableEnded,
    5000,
    "target side closed",
  );
  const refused = await peer(r.port).then(
    (q) => new Promise<boolean>((resolve) => q.socket.once("close", () => resolve(true))),
    () => true,
  );
  assert.ok(refused);
  assert.equal(r.stats.refused, 1);
  r.heal();
  const q = await peer(r.port);
  const j = target.sockets.length;
  q.socket.write("again");
  await waitFor(() => target.received[j] === "again", 5000, "traffic after heal");
});

test("a one-way cut drops exactly that direction's bytes; heal closes the broken connections", async () => {
  const r = await relay();
  const p = await peer(r.port);
  const i = target.sockets.length;
  await waitFor(() => target.sockets.length > i, 5000, "target connection");
  r.cut("forward");
  p.socket.write("lost");
  await waitFor(() => r.stats.bytesDropped === 4, 5000, "forward bytes dropped");
  target.sockets[i].write("still-flows");
  await waitFor(() => p.received() === "still-flows", 5000, "backward bytes delivered");
  assert.equal(target.received[i], "", "nothing reached the target");
  assert.equal(p.closed(), false, "the connection stays up during a one-way cut");

  // A connection opened during the one-way cut is treated alike.
  const late = await peer(r.port);
  const j = target.sockets.length;
  await waitFor(() => target.sockets.length > j, 5000, "late target connection");
  late.socket.write("x");
  await waitFor(() => r.stats.bytesDropped === 5, 5000, "late forward bytes dropped");

  r.heal();
  await waitFor(() => p.closed() && late.closed(), 5000, "broken connections closed at heal");
  const fresh = await peer(r.port);
  const k = target.sockets.length;
  fresh.socket.write("whole");
  await waitFor(() => target.received[k] === "whole", 5000, "fresh connection works");

  r.cut("backward");
  target.sockets[k].write("gone");
  await waitFor(() => r.stats.bytesDropped === 9, 5000, "backward bytes dropped");
  fresh.socket.write("+more");
  await waitFor(() => target.received[k] === "whole+more", 5000, "forward still delivered");
  assert.equal(fresh.received(), "");
  r.heal();
  await waitFor(() => fresh.closed(), 5000, "broken connection closed at heal");
});

test("a delay holds chunks back at least that long, in order, and heal releases them", async () => {
  const r = await relay();
  const p = await peer(r.port);
  const i = target.sockets.length;
  await waitFor(() => target.sockets.length > i, 5000, "target connection");
  r.delay(150);
  const sentAt = performance.now();
  p.socket.write("a");
  setTimeout(() => p.socket.write("b"), 20);
  await waitFor(() => target.received[i] === "ab", 5000, "delayed bytes");
  assert.ok(performance.now() - sentAt >= 150, "held back at least the delay");
  r.delay(60_000);
  p.socket.write("c");
  target.sockets[i].write("d");
  // Nothing arrives within the minute-long delay until heal releases the queue.
  await waitFor(() => r.heldBytes === 2, 5000, "both held back");
  assert.equal(r.stats.bytesForwarded, 2);
  r.heal();
  await waitFor(() => target.received[i] === "abc" && p.received() === "d", 5000, "released");
  assert.equal(p.closed(), false, "a delay breaks no stream");
});

test("stop closes every connection and the listener", async () => {
  const r = await relay();
  const p = await peer(r.port);
  await r.stop();
  await waitFor(() => p.closed(), 5000, "peer closed at stop");
  await assert.rejects(open(r.port));
});

test("a relay mesh cuts one way across both relays of a member pair, or both ways", async () => {
  const members = [new Target(), new Target(), new Target()];
  for (const m of members) await m.start();
  const mesh = await RelayMesh.start(
    members.map((m, i) => ({ id: i + 1, host: "127.0.0.1", peerPorts: [m.port] })),
  );
  const [t1, t2, t3] = members;
  try {
    // Member 1 dials 2 and member 2 dials 1, each through its own relay.
    const c12 = await peer(mesh.portFor(1, 2));
    await waitFor(() => t2.sockets.length === 1, 5000, "1 connected to 2");
    const c21 = await peer(mesh.portFor(2, 1));
    await waitFor(() => t1.sockets.length === 1, 5000, "2 connected to 1");
    mesh.cut(1, 2, true);
    c12.socket.write("1to2-a");
    t1.sockets[0].write("1to2-b");
    t2.sockets[0].write("2to1-a");
    c21.socket.write("2to1-b");
    await waitFor(
      () => c12.received() === "2to1-a" && t1.received[0] === "2to1-b",
      5000,
      "2 to 1 flows",
    );
    await waitFor(
      () => mesh.relay(1, 2).stats.bytesDropped === 6 && mesh.relay(2, 1).stats.bytesDropped === 6,
      5000,
      "1 to 2 dropped on both relays",
    );
    assert.equal(t2.received[0], "");
    assert.equal(c21.received(), "");
    mesh.healAll();
    await waitFor(() => c12.closed() && c21.closed(), 5000, "broken streams closed at heal");

    mesh.cut(1, 3, false);
    const refused = await open(mesh.portFor(3, 1)).then(
      (q) => new Promise<boolean>((resolve) => q.socket.once("close", () => resolve(true))),
      () => true,
    );
    assert.ok(refused);
    assert.equal(mesh.relay(3, 1).stats.refused, 1);
    const c23 = await peer(mesh.portFor(2, 3));
    c23.socket.write("fine");
    await waitFor(() => t3.received[0] === "fine", 5000, "2 to 3 unaffected");
  } finally {
    await mesh.stop();
    for (const m of members) await m.stop();
  }
});
