// Proves the client listener's front-door limits over real loopback sockets: the handshake
// deadline holds however slowly bytes trickle in, a closed connection is destroyed after
// its linger even when the peer ignores our FIN and keeps sending, the first frame may not
// be larger than a ConnectRequest can be, maxCnxns refuses connections beyond the cap,
// globalOutstandingLimit stops reading a pipelining client while others are still read and
// served (and its held-back frames run in order afterwards), and a client that never reads
// is closed once its unsent output passes the bound.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import type {
  ClientConnection,
  ClientConnectionHandler,
} from "../../src/base/client-connection.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { ClientListener, type ClientListenerOptions } from "../../src/io/client-listener.js";
import { RequestThrottle } from "../../src/io/request-throttle.js";

/** Frame bodies are `xid (int32) + text`; replies echo the xid. */
class HoldingHandler implements ClientConnectionHandler {
  readonly received: { connection: ClientConnection; xid: number; text: string }[] = [];
  /** Replies are sent at once unless `hold` is set; held ones wait for release(). */
  hold = false;
  private held: { connection: ClientConnection; xid: number; text: string }[] = [];
  connected(): void {}
  frame(connection: ClientConnection, body: Uint8Array): void {
    const buf = Buffer.from(body);
    const xid = buf.readInt32BE(0);
    const text = buf.subarray(4).toString();
    this.received.push({ connection, xid, text });
    if (text === "close") connection.close("asked to");
    else if (text.startsWith("flood:")) {
      const chunk = frame(-1, "x".repeat(900));
      for (let i = 0; i < Number(text.slice(6)) && !connection.closed; i++) connection.send(chunk);
    } else if (this.hold && text !== "hello") this.held.push({ connection, xid, text });
    else connection.send(frame(xid, `re:${text}`));
  }
  release(): void {
    for (const h of this.held.splice(0)) h.connection.send(frame(h.xid, `re:${h.text}`));
  }
  fourLetterWord(): string {
    return "imok";
  }
  disconnected(): void {}
}

function frame(xid: number, text: string): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.alloc(8 + body.length);
  out.writeInt32BE(4 + body.length, 0);
  out.writeInt32BE(xid, 4);
  body.copy(out, 8);
  return out;
}

interface Client {
  socket: Socket;
  received: Buffer[];
  closed: Promise<number>;
}

function open(port: number, allowHalfOpen = false): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen });
    const received: Buffer[] = [];
    const start = Date.now();
    const closed = new Promise<number>((r) => socket.on("close", () => r(Date.now() - start)));
    socket.on("data", (d) => received.push(d));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, received, closed }));
    socket.once("error", reject);
  });
}

function repliesOf(received: Buffer[]): string[] {
  const all = Buffer.concat(received);
  const out: string[] = [];
  let offset = 0;
  while (offset + 4 <= all.length) {
    const n = all.readInt32BE(offset);
    if (offset + 4 + n > all.length) break;
    out.push(all.subarray(offset + 8, offset + 4 + n).toString());
    offset += 4 + n;
  }
  return out;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const handler = new HoldingHandler();
const logger = new MemoryLogger();
const throttle = new RequestThrottle(4);
const listeners: ClientListener[] = [];

async function start(extra: Partial<ClientListenerOptions>): Promise<number> {
  const listener = new ClientListener(
    {
      host: "127.0.0.1",
      port: 0,
      packetBytesMax: 100000,
      connectionsPerAddressMax: 0,
      fourLetterWords: new Set(["ruok"]),
      ...extra,
    },
    handler,
    logger,
  );
  listeners.push(listener);
  return listener.listen();
}

let port: number;
before(async () => {
  port = await start({ handshakeDeadlineMs: 400, closeLingerMs: 300, throttle });
});

after(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

/** Writes `bytes` one byte every `intervalMs` until the socket closes. */
function trickle(client: Client, bytes: Buffer, intervalMs: number): NodeJS.Timeout {
  let i = 0;
  const timer = setInterval(() => {
    if (client.socket.destroyed || i >= bytes.length) return;
    client.socket.write(bytes.subarray(i, ++i));
  }, intervalMs);
  return timer;
}

test("a ConnectRequest trickled one byte at a time is cut off at the handshake deadline", async () => {
  // The peer ignores our FIN (allowHalfOpen) and keeps sending: only a deadline that arriving
  // bytes cannot extend closes it.
  const client = await open(port, true);
  const header = Buffer.alloc(4);
  header.writeInt32BE(2000, 0);
  const timer = trickle(client, Buffer.concat([header, Buffer.alloc(2000)]), 10);
  const elapsedMs = await client.closed;
  clearInterval(timer);
  assert.ok(elapsedMs >= 350 && elapsedMs < 1500, `closed after ${elapsedMs} ms`);
  assert.ok(logger.lines.some((l) => l.message.includes("no ConnectRequest in time")));
});

test("a connection the server closes is destroyed after its linger though the peer keeps sending", async () => {
  const client = await open(port, true);
  client.socket.write(frame(0, "hello"));
  client.socket.write(frame(1, "close"));
  await until(() => handler.received.some((r) => r.text === "close"), "the close request");
  const closedAt = Date.now();
  const timer = setInterval(() => client.socket.write("zz"), 10);
  await client.closed;
  clearInterval(timer);
  const lingerMs = Date.now() - closedAt;
  assert.ok(lingerMs < 1500, `lingered ${lingerMs} ms`);
});

test("a first frame longer than any ConnectRequest closes the connection", async () => {
  const client = await open(port);
  const header = Buffer.alloc(4);
  header.writeInt32BE(5000, 0);
  client.socket.write(header);
  await client.closed;
  assert.equal(client.received.length, 0);
  // The same length is fine once the connection has a session.
  const ok = await open(port);
  ok.socket.write(frame(0, "hello"));
  ok.socket.write(frame(1, "y".repeat(4996)));
  await until(() => repliesOf(ok.received).length === 2, "the long frame's reply");
  ok.socket.destroy();
});

test("maxCnxns refuses connections beyond the cap at accept", async () => {
  const capped = await start({ connectionsMax: 2 });
  const a = await open(capped);
  const b = await open(capped);
  await until(() => listeners[1].connectionCount === 2, "two connections");
  const c = await open(capped);
  await c.closed;
  assert.ok(logger.lines.some((l) => l.message.includes("maxCnxns")));
  a.socket.destroy();
  await a.closed;
  await until(() => listeners[1].connectionCount === 1, "one connection");
  const d = await open(capped);
  d.socket.write(frame(0, "hello"));
  await until(() => repliesOf(d.received).length === 1, "a reply on the freed slot");
  b.socket.destroy();
  d.socket.destroy();
});

test("globalOutstandingLimit stops reading a pipelining client; others are read and served", async () => {
  handler.hold = true;
  const greedy = await open(port);
  greedy.socket.write(frame(0, "hello"));
  await until(() => repliesOf(greedy.received).length === 1, "the greedy client's hello");
  const burst: Buffer[] = [];
  for (let xid = 1; xid <= 50; xid++) burst.push(frame(xid, `g${xid}`));
  greedy.socket.write(Buffer.concat(burst));
  const fromGreedy = (): number => handler.received.filter((r) => r.text.startsWith("g")).length;
  // Limit 4: reading stops once 5 are outstanding.
  await until(() => fromGreedy() === 5, "five greedy requests");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fromGreedy(), 5);
  assert.equal(throttle.outstanding, 5);

  // A client with nothing in flight is still read; its reply goes out at once.
  handler.hold = false;
  const polite = await open(port);
  polite.socket.write(frame(0, "hello"));
  polite.socket.write(frame(1, "p1"));
  await until(() => repliesOf(polite.received).length === 2, "the polite client's reply");
  assert.deepEqual(repliesOf(polite.received), ["re:hello", "re:p1"]);

  // Answering the greedy client lets its remaining frames through, in order.
  handler.release();
  await until(() => repliesOf(greedy.received).length === 51, "every greedy reply", 10000);
  assert.deepEqual(
    repliesOf(greedy.received).slice(1),
    Array.from({ length: 50 }, (_, i) => `re:g${i + 1}`),
  );
  assert.equal(throttle.outstanding, 0);
  greedy.socket.destroy();
  polite.socket.destroy();
  await Promise.all([greedy.closed, polite.closed]);
});

test("a closed connection's unanswered requests stop counting", async () => {
  handler.hold = true;
  const client = await open(port);
  client.socket.write(frame(0, "hello"));
  client.socket.write(Buffer.concat([frame(1, "q1"), frame(2, "q2")]));
  await until(() => throttle.outstanding === 2, "two outstanding");
  client.socket.destroy();
  await client.closed;
  await until(() => throttle.outstanding === 0, "the count to drop");
  handler.hold = false;
  handler.release();
});

test("a client that never reads is closed once its unsent output passes the bound", async () => {
  const bounded = await start({ outputBytesHighWater: 1024, outputBytesMax: 1024 * 1024 });
  const client = await open(bounded);
  client.socket.pause();
  client.socket.write(frame(0, "hello"));
  client.socket.write(frame(1, "flood:5000"));
  await client.closed;
  assert.ok(logger.lines.some((l) => l.message.includes("does not read its replies")));
  await until(() => listeners[listeners.length - 1].connectionCount === 0, "the slot to free");
});
