// Proves the TCP peer transport on real loopback sockets with ports chosen at run time:
// three members exchange thousands of messages, each arriving once, unaltered and in order
// per sender; a member that stops and comes back on the same port is redialled and traffic
// resumes; bodies up to frameBytesMax arrive whole and larger ones are refused by the
// sender; a peer that never reads keeps the sender's queue within queueBytesMax while the
// drop counter rises; and hostile connections (garbage, wrong version or ensemble, unknown
// or impossible member ids, an oversize frame, a frame cut short, a handshake trickling in
// too slowly) are each closed with exactly one log line while a good peer's stream to the
// same member goes on without a gap. A body that frames fine but lies inside goes through
// transport and codec and comes out as PeerDecodeError. Last, a joiner: members learn it
// through setPeer, it adopts the ensemble id of the first listed member that dials it, once,
// and refuses any other id after it met its ensemble.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createConnection, createServer, Socket } from "node:net";
import { after, test } from "node:test";
import { MemoryLogger } from "../../src/base/logger.js";
import type { PeerHandler } from "../../src/base/peer-network.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { encodePeerHandshake, PeerRefusal } from "../../src/io/peer-handshake.js";
import {
  type PeerAddress,
  PeerTransport,
  type PeerTransportOptions,
} from "../../src/io/peer-transport.js";
import { makeMessage } from "../../src/raft/message.js";
import { EntryKind, MessageType } from "../../src/raft/types.js";
import {
  decodeRaftMessage,
  encodeRaftMessage,
  PeerDecodeError,
  PeerWriter,
} from "../../src/server/peer-codec.js";
import { waitFor } from "../client/helpers.js";
import { loopbackMembers } from "../support/ports.js";

const ensembleId = "test-ensemble";
/** A hang (say, a queue growing without bound) fails the test instead of stalling the run. */
const bounded = { timeout: 60000 };
const running = new Set<PeerTransport>();
const rawSockets = new Set<Socket>();

after(async () => {
  for (const s of rawSockets) s.destroy();
  await Promise.all([...running].map((t) => t.stop()));
});

/** Records what a member receives: per sender, the sequence numbers in arrival order. */
class Recorder implements PeerHandler {
  readonly seqs = new Map<number, number[]>();
  readonly links: [number, boolean][] = [];
  readonly bodies: { from: number; body: Uint8Array }[] = [];
  keepBodies = false;
  onMessage: ((from: number, body: Uint8Array) => void) | null = null;

  message(from: number, body: Uint8Array): void {
    if (this.onMessage !== null) {
      this.onMessage(from, body);
      return;
    }
    // Every test body starts with the sender's u32 sequence number and its id.
    const view = Buffer.from(body.buffer, body.byteOffset, body.length);
    if (body.length >= 8) {
      assert.equal(view.readUInt32BE(4), from, "body says it came from another member");
      let list = this.seqs.get(from);
      if (list === undefined) {
        list = [];
        this.seqs.set(from, list);
      }
      list.push(view.readUInt32BE(0));
    }
    if (this.keepBodies) this.bodies.push({ from, body: new Uint8Array(body) });
  }

  linkChanged(peer: number, up: boolean): void {
    this.links.push([peer, up]);
  }

  received(from: number): number[] {
    return this.seqs.get(from) ?? [];
  }
}

function body(seq: number, from: number, payloadBytes = 0, fill = 0): Uint8Array {
  const b = Buffer.alloc(8 + payloadBytes, fill);
  b.writeUInt32BE(seq, 0);
  b.writeUInt32BE(from, 4);
  return b;
}

interface Member {
  transport: PeerTransport;
  recorder: Recorder;
  logger: MemoryLogger;
}

async function startMember(
  self: number,
  members: Map<number, PeerAddress>,
  extra: Partial<PeerTransportOptions> = {},
): Promise<Member> {
  const logger = new MemoryLogger();
  const transport = new PeerTransport({
    self,
    ensembleId,
    members,
    logger,
    random: new NodeRandom(),
    reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200,
    ...extra,
  });
  const recorder = new Recorder();
  running.add(transport);
  await transport.start(recorder);
  return { transport, recorder, logger };
}

async function stopMember(m: Member): Promise<void> {
  await m.transport.stop();
  running.delete(m.transport);
}

function allUp(ms: Member[]): boolean {
  return ms.every((a) =>
    ms.every((b) => a === b || a.transport.counters(b.transport.self)?.up === true),
  );
}

function assertInOrder(got: number[], count: number, what: string): void {
  assert.equal(got.length, count, `${what}: ${got.length} of ${count} arrived`);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== i) assert.fail(`${what}: message ${i} arrived as ${got[i]}`);
  }
}

/** Yields to the event loop so queued sends flush (one turn per burst). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test(
  "three members exchange many messages, each once and in order per sender",
  bounded,
  async () => {
    const members = await loopbackMembers([1, 2, 3]);
    const ms = [
      await startMember(1, members),
      await startMember(2, members),
      await startMember(3, members),
    ];
    await waitFor(() => allUp(ms), 10000, "all links up");
    const perPair = 6000;
    for (let seq = 0; seq < perPair; ) {
      // Bursts of varying size, each flushed in its own turn of the event loop.
      const burst = 1 + (seq % 97);
      for (let k = 0; k < burst && seq < perPair; k++, seq++) {
        for (const a of ms) {
          for (const b of ms) {
            if (a !== b) a.transport.send(b.transport.self, body(seq, a.transport.self, seq % 200));
          }
        }
      }
      await nextTurn();
    }
    await waitFor(
      () =>
        ms.every((b) =>
          ms.every((a) => a === b || b.recorder.received(a.transport.self).length >= perPair),
        ),
      20000,
      "every message delivered",
    );
    for (const a of ms) {
      for (const b of ms) {
        if (a === b) continue;
        assertInOrder(
          b.recorder.received(a.transport.self),
          perPair,
          `${a.transport.self}->${b.transport.self}`,
        );
        const c = a.transport.counters(b.transport.self)!;
        assert.equal(c.messagesSent, perPair);
        assert.equal(c.messagesDroppedQueueFull + c.messagesDroppedLinkDown, 0);
      }
      // Links came up once each and never went down; nothing was logged above info.
      assert.deepEqual(
        a.recorder.links.map(([, up]) => up),
        [true, true],
      );
      assert.deepEqual(
        a.logger.lines.filter((l) => l.level === "warn" || l.level === "error"),
        [],
      );
    }
    for (const m of ms) await stopMember(m);
  },
);

test("a member restarted on the same port is redialled and traffic resumes", bounded, async () => {
  const members = await loopbackMembers([1, 2, 3]);
  const a = await startMember(1, members);
  const b = await startMember(2, members);
  let c = await startMember(3, members);
  await waitFor(() => allUp([a, b, c]), 10000, "all links up");
  a.transport.send(3, body(0, 1));
  await waitFor(() => c.recorder.received(1).length === 1, 5000, "first message");

  await stopMember(c);
  await waitFor(
    () => a.transport.counters(3)?.up === false && b.transport.counters(3)?.up === false,
    5000,
    "links to the stopped member down",
  );
  // While it is down, sends are dropped at once (counted), not queued for later.
  a.transport.send(3, body(1, 1));
  c = await startMember(3, members);
  await waitFor(() => allUp([a, b, c]), 10000, "links up again");
  for (let seq = 0; seq < 500; seq++) {
    a.transport.send(3, body(seq, 1));
    c.transport.send(1, body(seq, 3));
    b.transport.send(3, body(seq, 2));
  }
  await waitFor(
    () =>
      c.recorder.received(1).length === 500 &&
      c.recorder.received(2).length === 500 &&
      a.recorder.received(3).length === 500,
    10000,
    "traffic after the restart",
  );
  assertInOrder(c.recorder.received(1), 500, "1->3");
  assertInOrder(c.recorder.received(2), 500, "2->3");
  assertInOrder(a.recorder.received(3), 500, "3->1");
  assert.ok((a.transport.counters(3)?.messagesDroppedLinkDown ?? 0) >= 1);
  assert.deepEqual(
    a.recorder.links.filter(([peer]) => peer === 3).map(([, up]) => up),
    [true, false, true],
  );
  assert.ok(a.logger.lines.some((l) => l.message === "peer link lost" && l.fields?.peer === 3));
  for (const m of [a, b, c]) await stopMember(m);
});

test(
  "bodies up to frameBytesMax arrive whole; a larger one is dropped by the sender",
  bounded,
  async () => {
    const frameBytesMax = 4 * 1024 * 1024;
    const members = await loopbackMembers([1, 2]);
    const options = { frameBytesMax, queueBytesMax: 4 * frameBytesMax };
    const a = await startMember(1, members, options);
    const b = await startMember(2, members, options);
    b.recorder.keepBodies = true;
    await waitFor(() => allUp([a, b]), 10000, "links up");
    a.transport.send(2, body(0, 1, frameBytesMax - 8, 0xa1));
    // One byte too large, twice: both dropped, one error line (drops are logged at a rate).
    a.transport.send(2, body(1, 1, frameBytesMax - 7, 0));
    a.transport.send(2, body(1, 1, frameBytesMax - 7, 0));
    a.transport.send(2, body(1, 1, 10, 0xb2));
    await nextTurn();
    a.transport.send(2, body(2, 1, frameBytesMax - 8, 0xc3));
    await waitFor(() => b.recorder.bodies.length === 3, 20000, "large bodies delivered");
    assertInOrder(b.recorder.received(1), 3, "1->2");
    const fills = [0xa1, 0xb2, 0xc3];
    const lengths = [frameBytesMax, 18, frameBytesMax];
    b.recorder.bodies.forEach(({ body: got }, i) => {
      assert.equal(got.length, lengths[i]);
      assert.ok(
        got.subarray(8).every((x) => x === fills[i]),
        `body ${i} intact`,
      );
    });
    assert.equal(a.transport.counters(2)?.messagesDroppedOversize, 2);
    assert.equal(a.logger.lines.filter((l) => l.level === "error").length, 1);
    for (const m of [a, b]) await stopMember(m);
  },
);

test(
  "a peer that never reads: the sender's queue stays bounded and drops are counted",
  bounded,
  async () => {
    // Member 2 is played by hand: it accepts the handshake and then never reads again.
    const members = await loopbackMembers([1, 2]);
    const stalled = new Set<Socket>();
    const fake = createServer((socket) => {
      stalled.add(socket);
      socket.once("data", () => {
        socket.write(Buffer.of(PeerRefusal.accepted));
        socket.pause();
      });
    });
    await new Promise<void>((resolve) => fake.listen(members.get(2)!.port, "127.0.0.1", resolve));
    const queueBytesMax = 1024 * 1024;
    const a = await startMember(1, members, { queueBytesMax, frameBytesMax: 64 * 1024 });
    try {
      await waitFor(() => a.transport.counters(2)?.up === true, 10000, "link up");
      const before = process.memoryUsage().arrayBuffers;
      // One body rewritten for every send: send() copies, and the test allocates nothing.
      const message = Buffer.from(body(0, 1, 64 * 1024 - 8));
      let maxQueued = 0;
      // 200 turns of 16 messages: 200 MiB offered to a peer that takes none of it.
      for (let turn = 0; turn < 200; turn++) {
        for (let k = 0; k < 16; k++) {
          message.writeUInt32BE(turn * 16 + k, 0);
          a.transport.send(2, message);
        }
        await nextTurn();
        maxQueued = Math.max(maxQueued, a.transport.counters(2)!.queuedBytes);
      }
      const counters = a.transport.counters(2)!;
      assert.ok(maxQueued <= queueBytesMax, `queued ${maxQueued} > ${queueBytesMax}`);
      assert.ok(counters.messagesDroppedQueueFull > 2500, `${counters.messagesDroppedQueueFull}`);
      assert.ok(counters.up, "a slow peer is not a broken link");
      const grownBytes = process.memoryUsage().arrayBuffers - before;
      assert.ok(grownBytes < 32 * 1024 * 1024, `buffers grew by ${grownBytes} bytes`);
      // One warning for the whole run: the drop log is rate-limited.
      const warnings = a.logger.lines.filter(
        (l) => l.message === "peer queue full; dropping messages",
      );
      assert.equal(warnings.length, 1);
    } finally {
      await stopMember(a);
      for (const s of stalled) s.destroy();
      await new Promise((resolve) => fake.close(resolve));
    }
  },
);

/** A raw connection to `port`, with everything it receives and a promise of its close. */
function rawConnect(
  port: number,
): Promise<{ socket: Socket; got: number[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    rawSockets.add(socket);
    const got: number[] = [];
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("data", (chunk: Buffer) => got.push(...chunk));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, got, closed }));
    socket.once("error", reject);
  });
}

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test(
  "hostile connections are closed with one log line each; a good peer is unharmed",
  bounded,
  async () => {
    // Member 3 exists in the table but is played by raw sockets; 2 streams to 1 throughout.
    const members = await loopbackMembers([1, 2, 3]);
    const handshakeTimeoutMs = 400;
    const one = await startMember(1, members, { handshakeTimeoutMs, frameBytesMax: 1024 });
    const two = await startMember(2, members);
    await waitFor(() => two.transport.counters(1)?.up === true, 10000, "2->1 up");
    let sent = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        for (let k = 0; k < 20; k++) two.transport.send(1, body(sent++, 2, 16));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const port = members.get(1)!.port;
    const good = encodePeerHandshake(ensembleId, 3, 1);
    const badVersion = Buffer.from(good);
    badVersion[4] = 9;

    /** Runs one hostile connection and checks the single log line it leaves. */
    async function hostile(
      what: string,
      act: (s: Socket, got: number[]) => Promise<void> | void,
      reason: RegExp,
      answer?: number,
    ): Promise<void> {
      const { socket, got, closed } = await rawConnect(port);
      const remote = `127.0.0.1:${socket.localPort}`;
      await act(socket, got);
      await within(closed, 5000, `${what}: connection closed`);
      // The log line is written before the close reaches us, but give the loop a turn anyway.
      await nextTurn();
      const lines = one.logger.lines.filter((l) => l.fields?.remote === remote);
      assert.equal(lines.length, 1, `${what}: ${JSON.stringify(lines)}`);
      assert.match(String(lines[0].fields?.reason), reason, what);
      if (answer !== undefined) assert.deepEqual(got, [answer], `${what}: answer`);
    }

    await hostile(
      "garbage",
      (s) => void s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      /bad magic/,
      PeerRefusal.badMagic,
    );
    await hostile(
      "bad version",
      (s) => void s.write(badVersion),
      /version/,
      PeerRefusal.badVersion,
    );
    await hostile(
      "wrong ensemble",
      (s) => void s.write(encodePeerHandshake("another-ensemble", 3, 1)),
      /wrong ensemble/,
      PeerRefusal.wrongEnsemble,
    );
    await hostile(
      "unknown member",
      (s) => void s.write(encodePeerHandshake(ensembleId, 99, 1)),
      /not in the member table/,
      PeerRefusal.unknownMember,
    );
    await hostile(
      "claims the acceptor's id",
      (s) => void s.write(encodePeerHandshake(ensembleId, 1, 1)),
      /acceptor's own id/,
      PeerRefusal.dialledItself,
    );
    await hostile(
      "wrong target",
      (s) => void s.write(encodePeerHandshake(ensembleId, 3, 2)),
      /another member/,
      PeerRefusal.wrongTarget,
    );
    await hostile(
      "oversize frame",
      async (s, got) => {
        s.write(good);
        await waitFor(() => got.length === 1, 5000, "accepted");
        const header = Buffer.alloc(4);
        header.writeUInt32BE(1025, 0);
        s.write(header);
      },
      /longer than frameBytesMax/,
    );
    await hostile(
      "truncated frame, then close",
      async (s, got) => {
        s.write(good);
        await waitFor(() => got.length === 1, 5000, "accepted");
        // One whole frame is delivered; the next is cut short by the close.
        s.write(frame(body(0, 3, 4)));
        await waitFor(() => one.recorder.received(3).length === 1, 5000, "whole frame delivered");
        s.end(frame(body(1, 3, 100)).subarray(0, 50));
      },
      /middle of a frame/,
    );
    await hostile(
      "handshake cut short",
      (s) => void s.end(good.subarray(0, 10)),
      /during the handshake/,
    );
    await hostile(
      "handshake trickling in",
      async (s) => {
        // One byte every 100 ms: the whole handshake would take far longer than the timeout.
        for (let i = 0; i < good.length && !s.destroyed; i++) {
          s.write(good.subarray(i, i + 1));
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      /not finished in time/,
    );

    // A second connection from the same member replaces the first (the dialler reconnected).
    const first = await rawConnect(port);
    first.socket.write(good);
    await waitFor(() => first.got.length === 1, 5000, "first accepted");
    const second = await rawConnect(port);
    second.socket.write(good);
    await waitFor(() => second.got.length === 1, 5000, "second accepted");
    await within(first.closed, 5000, "older connection closed");
    second.socket.write(frame(body(7, 3)));
    await waitFor(() => one.recorder.received(3).at(-1) === 7, 5000, "frame on the new connection");
    assert.ok(one.logger.lines.some((l) => l.message.startsWith("peer reconnected")));
    second.socket.destroy();

    streaming = false;
    await stream;
    await waitFor(() => one.recorder.received(2).length === sent, 10000, "good stream complete");
    assertInOrder(one.recorder.received(2), sent, "2->1 during the attacks");
    assert.deepEqual(two.recorder.links, [[1, true]]);
    assert.ok(sent > 100, `only ${sent} good messages were sent`);
    for (const m of [one, two]) await stopMember(m);
  },
);

test(
  "the dialler's side: a refusal is logged once per run of equal failures, a silent acceptor times out",
  bounded,
  async () => {
    // Member 2 runs another ensemble: 1's dials are refused, and 1 says why, once.
    const members = await loopbackMembers([1, 2, 3]);
    // Member 3's port accepts TCP connections but never answers the handshake.
    const silent = new Set<Socket>();
    const mute = createServer((socket) => {
      silent.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => mute.listen(members.get(3)!.port, "127.0.0.1", resolve));
    const a = await startMember(1, members, { handshakeTimeoutMs: 300 });
    // Member 2 does not know member 3, so every connection to the silent port is 1's.
    const twoKnows = new Map([...members].filter(([id]) => id !== 3));
    const b = await startMember(2, twoKnows, { ensembleId: "another-ensemble" });
    try {
      const refusals = () =>
        b.logger.lines.filter(
          (l) =>
            l.message === "refusing peer connection" && l.fields?.reason === "wrong ensemble id",
        ).length;
      await waitFor(() => refusals() >= 4, 10000, "several refused dials");
      const refusedLines = a.logger.lines.filter(
        (l) => l.message === "peer refused our link" && l.fields?.peer === 2,
      );
      assert.equal(refusedLines.length, 1, "one warning for the whole run of refusals");
      assert.match(String(refusedLines[0].fields?.reason), /wrong ensemble id/);
      // The silent acceptor: each dial is given up after the handshake timeout and retried.
      await waitFor(() => silent.size >= 2, 10000, "a second dial after the timeout");
      const silentLines = a.logger.lines.filter((l) => l.fields?.peer === 3 && l.level !== "debug");
      assert.equal(silentLines.length, 1);
      assert.match(String(silentLines[0].fields?.reason), /not answered in time/);
      assert.equal(a.transport.counters(2)?.up, false);
      assert.equal(a.transport.counters(3)?.up, false);
      assert.deepEqual(a.recorder.links, []);
    } finally {
      for (const m of [a, b]) await stopMember(m);
      for (const s of silent) s.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  },
);

test(
  "a burst sent during one turn of the event loop leaves in one socket write",
  bounded,
  async () => {
    const members = await loopbackMembers([1, 2]);
    const a = await startMember(1, members);
    const b = await startMember(2, members);
    await waitFor(() => allUp([a, b]), 10000, "links up");
    // Counts writes on sockets towards member 2's port while the burst is flushed (other
    // sockets of the process, such as the test runner's stdout pipe, are not counted).
    const port = members.get(2)!.port;
    const write = Socket.prototype.write;
    let writes = 0;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    try {
      for (let seq = 0; seq < 1000; seq++) a.transport.send(2, body(seq, 1, 50));
      assert.equal(writes, 0, "nothing is written before the turn ends");
      await nextTurn();
      await nextTurn();
      assert.equal(writes, 1);
    } finally {
      Socket.prototype.write = write;
    }
    await waitFor(() => b.recorder.received(1).length === 1000, 5000, "burst delivered");
    assertInOrder(b.recorder.received(1), 1000, "1->2");
    for (const m of [a, b]) await stopMember(m);
  },
);

test(
  "a body that frames fine but lies inside comes out of the codec as PeerDecodeError",
  bounded,
  async () => {
    const members = await loopbackMembers([1, 2]);
    const a = await startMember(1, members);
    const b = await startMember(2, members);
    const outcomes: unknown[] = [];
    b.recorder.onMessage = (_from, received) => {
      try {
        outcomes.push(decodeRaftMessage(received));
      } catch (err) {
        outcomes.push(err);
      }
    };
    await waitFor(() => allUp([a, b]), 10000, "links up");
    const w = new PeerWriter();
    const entries = [
      { term: 2, index: 5, kind: EntryKind.normal, data: Uint8Array.of(1, 2, 3) },
      { term: 2, index: 6, kind: EntryKind.normal, data: Uint8Array.of(4) },
    ];
    const append = makeMessage(MessageType.append, 1, 2, 2, { index: 4, logTerm: 1, entries });
    const valid = encodeRaftMessage(w, append).slice();
    // The second entry claims index 9: a gap the Raft core's log would assert on.
    const hostile = valid.slice();
    const secondEntryIndexAt = 63 + 8 + 8 + 1 + 4 + 3 + 8;
    new DataView(hostile.buffer).setFloat64(secondEntryIndexAt, 9);
    a.transport.send(2, valid);
    a.transport.send(2, hostile);
    a.transport.send(2, Uint8Array.of(200, 1, 2, 3)); // an unknown kind
    await waitFor(() => outcomes.length === 3, 5000, "three bodies delivered");
    assert.deepEqual(outcomes[0], append);
    assert.ok(outcomes[1] instanceof PeerDecodeError && outcomes[1].code === "inconsistent");
    assert.ok(outcomes[2] instanceof PeerDecodeError && outcomes[2].code === "kind");
    for (const m of [a, b]) await stopMember(m);
  },
);

test(
  "a joiner learnt by setPeer adopts the ensemble id of the member that dials it, once, and only while it has met nobody",
  bounded,
  async () => {
    const members = await loopbackMembers([1, 2, 3]);
    const running2 = new Map([...members].filter(([id]) => id !== 3));
    const one = await startMember(1, running2);
    const two = await startMember(2, running2);
    await waitFor(() => allUp([one, two]), 15000, "the running members link up");
    // The joiner's server lines name all three and derive another ensemble id.
    const adopted: [string, number][] = [];
    const three = await startMember(3, members, {
      ensembleId: "derived-by-the-joiner",
      adoptEnsemble: (id, from) => {
        adopted.push([id, from]);
        return true;
      },
    });
    // Its own dials are refused (the running members know no member 3 yet).
    await waitFor(
      () => one.logger.lines.some((l) => l.message === "refusing peer connection"),
      15000,
      "member 1 refuses the joiner",
    );
    one.transport.setPeer(3, "127.0.0.1", members.get(3)!.port);
    two.transport.setPeer(3, "127.0.0.1", members.get(3)!.port);
    await waitFor(() => allUp([one, two, three]), 15000, "every link up once the joiner adopted");
    assert.equal(adopted.length, 1);
    assert.equal(adopted[0][0], ensembleId);
    three.transport.send(1, body(0, 3));
    await waitFor(
      () => one.recorder.received(3).length === 1,
      15000,
      "the joiner's message arrives",
    );
    // Having met its ensemble, it never adopts another id.
    const raw = await rawConnect(members.get(3)!.port);
    raw.socket.write(encodePeerHandshake("another-ensemble", 1, 3));
    await within(raw.closed, 5000, "the other ensemble's dial is refused");
    assert.deepEqual(raw.got, [PeerRefusal.wrongEnsemble]);
    assert.equal(adopted.length, 1);
    for (const m of [one, two, three]) await stopMember(m);
  },
);
