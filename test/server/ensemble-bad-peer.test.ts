// Proves that hostile or broken input on a member's peer port, over real sockets, is refused
// with a log line and costs nothing: garbage instead of a handshake, a wrong ensemble id, a
// member id that is not in the configuration, and — after a valid handshake — a malformed
// body, a Raft append from an old term carrying entries that would overwrite the log, and a
// frame larger than the limit. Afterwards every acknowledged write is still on every member
// and the ensemble still takes writes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { encodePeerHandshake, PeerRefusal } from "../../src/io/peer-handshake.js";
import { EntryKind, MessageType } from "../../src/raft/types.js";
import { encodeRaftMessage, PeerWriter } from "../../src/server/peer-codec.js";
import { waitFor } from "../client/helpers.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";

let ensemble: CorralEnsemble;
let zk: ZooKeeperClient;
let leader = 0;
let victim = 0;
let ensembleId = "";

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  Buffer.from(body.buffer, body.byteOffset, body.length).copy(out, 4);
  return out;
}

/** Opens a raw connection to `id`'s peer port; resolves with the socket and what it reads. */
async function rawPeer(
  id: number,
): Promise<{ socket: Socket; received: Buffer[]; closed: Promise<void> }> {
  const socket = connect({ host: "127.0.0.1", port: ensemble.peerPort(id) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const received: Buffer[] = [];
  socket.on("data", (d) => received.push(d));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received, closed };
}

before(async () => {
  ensemble = await CorralEnsemble.start({ members: 3, tickTimeMs: 200 });
  leader = await ensemble.waitForLeader();
  // A leader change first, so the ensemble's term is past 1 and term 1 is an old one.
  await ensemble.terminate(leader);
  await ensemble.restart(leader);
  leader = await ensemble.waitForLeader();
  victim = ensemble.members.find((id) => id !== leader)!;
  const identity = readFileSync(join(ensemble.dataDir(victim), "corral-ensemble"), "utf8");
  ensembleId = /ensemble=(\S+)/.exec(identity)![1];
  zk = await ZooKeeperClient.connect(ensemble.connectString, {
    sessionTimeoutMs: 4000,
    timeoutMs: 20000,
  });
  await zk.create("/kept", null);
  for (let i = 0; i < 50; i++) await zk.create(`/kept/n${i}`, `v${i}`);
});

after(async () => {
  await zk?.close();
  await ensemble?.stop();
});

test("garbage instead of a handshake is closed with a log line", async () => {
  const peer = await rawPeer(victim);
  peer.socket.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await peer.closed;
  await waitFor(() => /bad magic|handshake/i.test(ensemble.logs(victim)));
});

test("a wrong ensemble id and a member not in the configuration are refused", async () => {
  for (const [hello, code] of [
    [encodePeerHandshake("some-other-ensemble", leader, victim), PeerRefusal.wrongEnsemble],
    [encodePeerHandshake(ensembleId, 9, victim), PeerRefusal.unknownMember],
  ] as const) {
    const peer = await rawPeer(victim);
    peer.socket.write(hello);
    await peer.closed;
    assert.equal(Buffer.concat(peer.received)[0], code);
  }
  await waitFor(() => /wrong ensemble id/.test(ensemble.logs(victim)));
  await waitFor(() => /not in the member table/.test(ensemble.logs(victim)));
});

test("after a valid handshake: a malformed body, an old-term append and an oversize frame", async () => {
  const third = ensemble.members.find((id) => id !== leader && id !== victim)!;
  // We claim to be the real member `third`, whose own link our handshake replaces; when it
  // redials first, ours is the one closed (seen once in CI) and our frames are never read.
  // Then the whole exchange is tried again, a bounded number of times.
  let peer = await rawPeer(victim);
  for (let attempt = 1; ; attempt++) {
    peer.socket.write(encodePeerHandshake(ensembleId, third, victim));
    await waitFor(() => peer.received.length > 0);
    assert.equal(peer.received[0][0], PeerRefusal.accepted);
    // A Raft message cut short: dropped by the member with a log line, the link stays.
    peer.socket.write(frame(Uint8Array.of(0, MessageType.append, 0, 0)));
    // An append from term 1 that would replace entries 1..3 with garbage: refused by Raft.
    const w = new PeerWriter();
    const garbage = Uint8Array.of(1, 2, 3, 4);
    const body = encodeRaftMessage(w, {
      type: MessageType.append,
      from: third,
      to: victim,
      term: 1,
      logTerm: 0,
      index: 0,
      entries: [1, 2, 3].map((index) => ({
        term: 1,
        index,
        kind: EntryKind.normal,
        data: garbage,
      })),
      commit: 3,
      reject: false,
      rejectHint: 0,
      context: 0,
      snapshot: null,
    });
    peer.socket.write(frame(body));
    let closed = false;
    void peer.closed.then(() => {
      closed = true;
    });
    const logged = () => /dropped a malformed message from a member/.test(ensemble.logs(victim));
    await waitFor(() => logged() || closed);
    if (logged()) break;
    assert.ok(attempt < 5, "the real member kept replacing our link");
    peer = await rawPeer(victim);
  }
  // A length beyond the frame limit closes the link.
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(0x7fffffff, 0);
  peer.socket.write(huge);
  await peer.closed;
});

test("nothing was lost and the ensemble still takes writes on every member", async () => {
  for (const id of ensemble.members) {
    const c = await ZooKeeperClient.connect(ensemble.address(id), {
      sessionTimeoutMs: 4000,
      timeoutMs: 20000,
    });
    try {
      await c.sync("/kept");
      const children = await c.getChildren("/kept");
      assert.equal(children.length, 50, `member ${id}`);
      assert.equal(Buffer.from((await c.getData("/kept/n49")).data!).toString(), "v49");
      await c.create(`/after-${id}`, null);
    } finally {
      await c.close();
    }
  }
  assert.equal(await ensemble.mode(victim), "follower");
});
