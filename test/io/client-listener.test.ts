// Proves the client port's framing over real loopback sockets: frames split or merged across
// TCP reads arrive whole, replies are framed, four-letter words are answered then closed,
// out-of-range lengths close the connection with a log line, and the per-address cap holds.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import type {
  ClientConnection,
  ClientConnectionHandler,
} from "../../src/base/client-connection.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { ClientListener } from "../../src/io/client-listener.js";

class EchoHandler implements ClientConnectionHandler {
  frames: string[] = [];
  connectedCount = 0;
  disconnectedCount = 0;
  private waiters: (() => void)[] = [];
  connected(): void {
    this.connectedCount++;
    this.wake();
  }
  frame(connection: ClientConnection, body: Uint8Array): void {
    const text = Buffer.from(body).toString();
    this.frames.push(text);
    if (text === "close") connection.close("asked to");
    else connection.send(frame(`echo:${text}`));
    this.wake();
  }
  fourLetterWord(_c: ClientConnection, word: string): string {
    return `answer to ${word}`;
  }
  disconnected(): void {
    this.disconnectedCount++;
    this.wake();
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

const handler = new EchoHandler();
const logger = new MemoryLogger();
let listener: ClientListener;
let port: number;

before(async () => {
  listener = new ClientListener(
    {
      host: "127.0.0.1",
      port: 0,
      packetBytesMax: 1000,
      connectionsPerAddressMax: 5,
      fourLetterWords: new Set(["ruok", "srvr", "stmk"]),
    },
    handler,
    logger,
  );
  port = await listener.listen();
});

after(async () => {
  await listener.close();
});

function frame(text: string): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

interface Client {
  socket: Socket;
  received: Buffer[];
  closed: Promise<void>;
}

function open(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const received: Buffer[] = [];
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    socket.on("data", (d) => received.push(d));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, received, closed }));
    socket.once("error", reject);
  });
}

function framesOf(received: Buffer[]): string[] {
  const all = Buffer.concat(received);
  const out: string[] = [];
  let offset = 0;
  while (offset + 4 <= all.length) {
    const n = all.readInt32BE(offset);
    if (offset + 4 + n > all.length) break;
    out.push(all.subarray(offset + 4, offset + 4 + n).toString());
    offset += 4 + n;
  }
  return out;
}

async function untilFrames(client: Client, count: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (framesOf(client.received).length < count) {
    if (Date.now() > deadline) throw new Error("timed out waiting for frames");
    await new Promise((r) => setTimeout(r, 10));
  }
  return framesOf(client.received);
}

test("frames split across reads and merged in one read arrive whole, replies are framed", async () => {
  const client = await open();
  const bytes = Buffer.concat([frame("one"), frame("two"), frame("three")]);
  // Byte by byte for the first frame, then the rest in one write.
  for (let i = 0; i < 7; i++) {
    client.socket.write(bytes.subarray(i, i + 1));
    await new Promise((r) => setTimeout(r, 2));
  }
  client.socket.write(bytes.subarray(7));
  assert.deepEqual(await untilFrames(client, 3), ["echo:one", "echo:two", "echo:three"]);
  client.socket.write(frame("close"));
  await client.closed;
});

test("a four-letter word is answered and the connection closed", async () => {
  const client = await open();
  client.socket.write("ruok");
  await client.closed;
  assert.equal(Buffer.concat(client.received).toString(), "answer to ruok");
});

test("stmk waits for its 8-byte mask", async () => {
  const client = await open();
  client.socket.write("stmk");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(client.received.length, 0);
  client.socket.write(Buffer.alloc(8));
  await client.closed;
  assert.equal(Buffer.concat(client.received).toString(), "answer to stmk");
});

test("a four-letter word after the first frame is just a frame length", async () => {
  const client = await open();
  client.socket.write(frame("hello"));
  await untilFrames(client, 1);
  client.socket.write("ruok");
  await client.closed;
  assert.deepEqual(framesOf(client.received), ["echo:hello"]);
});

test("oversized, negative and unknown-word lengths close the connection with a log line", async () => {
  for (const bad of [
    Buffer.from([0, 0, 3, 233]),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
    Buffer.from("kill"),
  ]) {
    const before = logger.lines.length;
    const client = await open();
    client.socket.write(bad);
    await client.closed;
    assert.equal(client.received.length, 0);
    assert.ok(
      logger.lines.slice(before).some((l) => l.message.includes("frame length out of range")),
      `no log line for ${bad.toString("hex")}`,
    );
  }
});

test("connections beyond the per-address cap are closed at accept", async () => {
  await handler.until(() => listener.connectionCount === 0, "earlier connections to go");
  const clients = await Promise.all([1, 2, 3, 4, 5].map(() => open()));
  await handler.until(() => listener.connectionCount === 5, "five connections");
  const extra = await open();
  await extra.closed;
  assert.ok(logger.lines.some((l) => l.message.includes("too many connections")));
  for (const c of clients) c.socket.destroy();
  await Promise.all(clients.map((c) => c.closed));
  await handler.until(() => listener.connectionCount === 0, "connections to close");
  const again = await open();
  again.socket.write(frame("x"));
  assert.deepEqual(await untilFrames(again, 1), ["echo:x"]);
  again.socket.destroy();
});
