// Proves each rule of the Raft core beyond the paper's basics: the persistence contract
// (nothing that depends on unpersisted state leaves the member), PreVote, CheckQuorum,
// heartbeats, flow control, snapshots with chunked transfer and compaction, learners,
// single-member membership changes, leadership transfer and read-index.
import assert from "node:assert/strict";
import { test } from "node:test";
import { joinByteParts } from "../../src/base/byte-parts.js";
import { emptyConf, makeConf } from "../../src/raft/conf-state.js";
import { makeMessage } from "../../src/raft/message.js";
import { initialState } from "../../src/raft/node.js";
import { type Entry, MessageType, Role } from "../../src/raft/types.js";
import { TestCluster, text } from "./harness.js";

const enc = new TextEncoder();

test("persistence: a vote grant leaves only after the vote is on stable storage", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  const n = c.node(2);
  n.step(makeMessage(MessageType.vote, 1, 2, 1, {}));
  const rd = n.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, commit: 0 });
  assert.equal(rd.messages.length, 0, "no grant before the vote is persisted");
  n.advance();
  const next = n.ready();
  assert.equal(next.messages.length, 1);
  assert.equal(next.messages[0].type, MessageType.voteResp);
  assert.equal(next.messages[0].reject, false);
});

test("persistence (planted bug): the vote-before-persist variant sends the grant at once", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false, plantedBug: "vote-before-persist" });
  const n = c.node(2);
  n.step(makeMessage(MessageType.vote, 1, 2, 1, {}));
  assert.equal(n.ready().messages.length, 1);
});

test("persistence: a follower acknowledges entries only after persisting them", () => {
  const c = new TestCluster([1, 2], { preVote: false });
  const n = c.node(2);
  const entries: Entry[] = [{ term: 1, index: 1, kind: 0, data: enc.encode("a") }];
  n.step(makeMessage(MessageType.append, 1, 2, 1, { index: 0, logTerm: 0, entries, commit: 0 }));
  const rd = n.ready();
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.messages.length, 0, "no acknowledgement before the entries are durable");
  n.advance();
  const ack = n.ready().messages.find((m) => m.type === MessageType.appendResp)!;
  assert.equal(ack.index, 1);
});

test("persistence: a candidate asks for votes only after persisting its new term and self-vote", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.tick(1, 20);
  const rd = c.node(1).ready();
  assert.equal(rd.hardState?.vote, 1);
  assert.equal(rd.messages.length, 0);
  c.node(1).advance();
  assert.equal(
    c
      .node(1)
      .ready()
      .messages.filter((m) => m.type === MessageType.vote).length,
    2,
  );
});

test("persistence: a candidate counts its own vote only once it is durable (single voter)", () => {
  // Found by the simulator (seed 58501): a sole voter that won at once, crashed before its
  // new term reached the disk and came back in the old term could grant its vote in the term
  // it had led, so that another member (promotable while its demotion was uncommitted) led
  // the same term.
  const c = new TestCluster([1], { preVote: false });
  c.tick(1, 20);
  const n = c.node(1);
  assert.equal(n.role, Role.candidate, "not leader before the self-vote is durable");
  const rd = n.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, commit: 0 });
  // A crash here loses the write; the member comes back in term 0, having led nothing.
  n.advance();
  assert.equal(n.role, Role.leader, "leader once its term and vote are durable");
  assert.equal(n.term, 1);
});

test("persistence (planted bug): the ack-before-persist variant acknowledges at once", () => {
  const c = new TestCluster([1, 2], { preVote: false, plantedBug: "ack-before-persist" });
  const n = c.node(2);
  const entries: Entry[] = [{ term: 1, index: 1, kind: 0, data: enc.encode("a") }];
  n.step(makeMessage(MessageType.append, 1, 2, 1, { index: 0, logTerm: 0, entries, commit: 0 }));
  const ack = n.ready().messages.find((m) => m.type === MessageType.appendResp);
  assert.equal(ack?.index, 1, "acknowledged in the same Ready that persists the entry");
});

test("persistence: the leader counts itself toward commit only after its entries are durable", () => {
  const c = new TestCluster([1], {});
  c.elect(1);
  const n = c.node(1);
  n.propose(enc.encode("p"));
  const rd = n.ready();
  assert.equal(rd.entries.length, 1);
  assert.equal(n.log.committed, 1, "not committed before advance");
  n.advance();
  assert.equal(n.log.committed, 2);
});

test("restart: a member recovers term, vote, and log from what it persisted", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.propose(1, "a");
  const m = c.get(2);
  const before = m.node.log.lastIndex();
  m.boot();
  assert.equal(m.node.term, 1);
  assert.equal(m.node.log.lastIndex(), before);
  c.propose(1, "b");
  assert.equal(m.node.log.committed, 3);
});

test("PreVote: a member cut off and rejoining does not disturb the leader's term", () => {
  const c = new TestCluster([1, 2, 3], { preVote: true });
  c.elect(1);
  c.isolate(3);
  c.tick(3, 100);
  c.deliverAll();
  assert.equal(c.node(3).term, 1, "pre-votes do not raise the term");
  c.heal();
  c.tickAll(3);
  assert.equal(c.node(1).role, Role.leader);
  assert.equal(c.node(1).term, 1);
});

test("without PreVote a returning member forces a new term (the problem PreVote solves)", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false, checkQuorum: false });
  c.elect(1);
  c.isolate(3);
  c.tick(3, 100);
  c.deliverAll();
  assert.ok(c.node(3).term > 1);
  c.heal();
  c.tickAll(30);
  assert.ok(c.node(1).term > 1);
});

test("CheckQuorum: a leader that has not heard from a quorum for an election timeout steps down", () => {
  const c = new TestCluster([1, 2, 3], { checkQuorum: true });
  c.elect(1);
  c.isolate(1);
  for (let i = 0; i < 25; i++) {
    c.tick(1);
    c.deliverAll();
  }
  assert.equal(c.node(1).role, Role.follower);
});

test("CheckQuorum: the leader reports a peer in contact through every window, and not once it is silent for two", () => {
  const c = new TestCluster([1, 2, 3, 4, 5], { checkQuorum: true });
  c.elect(1);
  const inContact = (id: number) =>
    c
      .node(1)
      .peers()
      .find((p) => p.id === id)?.inContact;
  // Three election timeouts of ticks, looked at right after each tick (before the answers
  // to its heartbeats arrive): the check-quorum resets in between never show as gaps.
  for (let i = 0; i < 30; i++) {
    c.tick(1);
    for (const id of [2, 3, 4, 5]) assert.equal(inContact(id), true, `tick ${i}, peer ${id}`);
    c.deliverAll();
  }
  c.isolate(3);
  for (let i = 0; i < 25; i++) {
    c.tick(1);
    c.deliverAll();
  }
  assert.equal(c.node(1).role, Role.leader);
  assert.equal(inContact(3), false);
  for (const id of [2, 4, 5]) assert.equal(inContact(id), true);
});

test("CheckQuorum lease: followers ignore a candidate while they hear from a leader", () => {
  const c = new TestCluster([1, 2, 3], { checkQuorum: true, preVote: false });
  c.elect(1);
  const n = c.node(2);
  n.step(makeMessage(MessageType.vote, 3, 2, 5, { index: 100, logTerm: 5 }));
  assert.equal(n.term, 1);
});

test("heartbeats carry the commit index, capped at what the follower is known to store", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  const seen: number[] = [];
  c.filter = (m) => {
    if (m.type === MessageType.heartbeat && m.to === 3) seen.push(m.commit);
    return !(m.to === 3 && m.type === MessageType.append);
  };
  c.propose(1, "a");
  c.tick(1, 2);
  c.deliverAll();
  assert.ok(seen.length > 0);
  for (const commit of seen) assert.ok(commit <= 1, `heartbeat commit ${commit} beyond 3's match`);
});

test("flow control: at most inflightMessagesMax appends are outstanding to a follower", () => {
  const c = new TestCluster([1, 2], { preVote: false, inflightMessagesMax: 2, appendBytesMax: 1 });
  c.elect(1);
  const n = c.node(1);
  for (let i = 0; i < 10; i++) n.propose(enc.encode(`p${i}`));
  const out = c.get(1).cycle();
  const appends = out.filter((m) => m.type === MessageType.append && m.to === 2);
  assert.equal(appends.length, 2);
  assert.ok(
    appends.every((m) => m.entries.length === 1),
    "batches capped at appendBytesMax",
  );
  c.queue.push(...out);
  c.deliverAll();
  assert.equal(c.node(2).log.lastIndex(), 11, "the window slides as acknowledgements return");
});

test("flow control: the byte limit stops the pipeline too", () => {
  const c = new TestCluster([1, 2], { preVote: false, inflightBytesMax: 10, appendBytesMax: 4 });
  c.elect(1);
  const n = c.node(1);
  for (let i = 0; i < 10; i++) n.propose(enc.encode("abcd"));
  const appends = c
    .get(1)
    .cycle()
    .filter((m) => m.type === MessageType.append);
  const bytes = appends.reduce((s, m) => s + m.entries.reduce((t, e) => t + e.data.length, 0), 0);
  assert.ok(bytes <= 12 && appends.length === 3, `sent ${appends.length} appends, ${bytes} bytes`);
});

test("snapshots: a follower behind the compaction point catches up by a chunked snapshot", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 3,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 10; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  const state = enc.encode(leader.applied.map(text).join(","));
  // The image in parts, as a member writes large ones: chunks cross the part boundaries.
  leader.node.compact(leader.node.log.applied, [state.subarray(0, 5), state.subarray(5)]);
  assert.ok(leader.node.log.firstIndex() > 2);
  let chunks = 0;
  c.filter = (m) => {
    if (m.type === MessageType.snapshot) chunks++;
    return true;
  };
  c.heal();
  c.tickAll(3);
  const follower = c.get(3);
  assert.equal(follower.installed.length, 1);
  assert.deepEqual(joinByteParts(follower.installed[0].data), state);
  assert.ok(chunks >= Math.ceil(state.length / 3), `sent ${chunks} chunks`);
  c.propose(1, "after");
  assert.equal(text(follower.applied[follower.applied.length - 1]), "after");
});

test("snapshots: a lost chunk is re-sent with the heartbeats", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 2,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  leader.node.compact(leader.node.log.applied, enc.encode("0123456789"));
  let dropped = false;
  c.filter = (m) => {
    if (!dropped && m.type === MessageType.snapshot && m.snapshot!.offset === 4) {
      dropped = true;
      return false;
    }
    return true;
  };
  c.heal();
  c.tickAll(10);
  assert.ok(dropped);
  const follower = c.get(3);
  assert.equal(follower.installed.length, 1);
  assert.equal(new TextDecoder().decode(joinByteParts(follower.installed[0].data)), "0123456789");
  assert.equal(follower.node.log.committed, leader.node.log.committed);
});

test("snapshots: a follower that lost its log (an empty data directory) catches up by snapshot", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 4,
  });
  c.elect(1);
  for (let i = 0; i < 6; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  assert.equal(c.node(3).log.committed, leader.node.log.committed);
  leader.node.compact(leader.node.log.applied, enc.encode("image-of-v0-to-v5"));
  // Member 3 comes back with nothing: no snapshot, no log, no hard state. The leader still
  // believes it holds everything it acknowledged, and heartbeats say so.
  const empty = c.add(3, { preVote: false }, initialState(makeConf([1, 2, 3])));
  c.tickAll(10);
  assert.equal(empty.installed.length, 1);
  assert.equal(
    new TextDecoder().decode(joinByteParts(empty.installed[0].data)),
    "image-of-v0-to-v5",
  );
  c.propose(1, "after");
  assert.equal(empty.node.log.committed, leader.node.log.committed);
  assert.equal(text(empty.applied[empty.applied.length - 1]), "after");
});

test("snapshots: up to snapshotChunksInflightMax chunks are unconfirmed at once", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 2,
    snapshotChunksInflightMax: 3,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  leader.node.compact(leader.node.log.applied, enc.encode("0123456789"));
  c.heal();
  // Member 3 gets the chunks but its answers are lost: three go out, then nothing more.
  const offsets: number[] = [];
  c.filter = (m) => {
    if (m.type === MessageType.snapshot) offsets.push(m.snapshot!.offset);
    return m.type !== MessageType.snapshotResp;
  };
  c.tickAll(1);
  assert.deepEqual(offsets, [0, 2, 4]);
  // With its answers through, the rest follows and the image arrives whole.
  c.filter = null;
  c.tickAll(5);
  const follower = c.get(3);
  assert.equal(follower.installed.length, 1);
  assert.equal(new TextDecoder().decode(joinByteParts(follower.installed[0].data)), "0123456789");
  assert.equal(follower.node.log.committed, leader.node.log.committed);
});

test("snapshots: an answer to a re-sent chunk does not start a second stream of chunks", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 2,
    snapshotChunksInflightMax: 1,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  const snap = leader.node.compact(leader.node.log.applied, enc.encode("0123456789"));
  c.heal();
  // Member 3 gets no chunk: we answer for it, twice, as it answers a chunk it got twice.
  c.filter = (m) => m.type !== MessageType.snapshot;
  c.tickAll(1);
  const term = leader.node.term;
  const answer = () =>
    makeMessage(MessageType.snapshotResp, 3, 1, term, { index: 2, context: snap.meta.index });
  leader.node.step(answer());
  leader.node.step(answer());
  const chunks = leader.cycle().filter((m) => m.type === MessageType.snapshot);
  assert.deepEqual(
    chunks.map((m) => m.snapshot!.offset),
    [2],
    "one chunk for two equal answers",
  );
});

test("snapshots: a stalled transfer re-sends its chunk with backing-off heartbeats", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 2,
    snapshotChunksInflightMax: 1,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  leader.node.compact(leader.node.log.applied, enc.encode("0123456789"));
  c.heal();
  // Every chunk is lost, as if member 3 were too busy to read any: 1 + 6 re-sends in 40
  // heartbeats (after 1, 2, 4, 8, 16 and 32 stalled ones) rather than 40.
  let chunks = 0;
  c.filter = (m) => {
    if (m.type !== MessageType.snapshot) return true;
    chunks++;
    return false;
  };
  c.tickAll(40);
  assert.equal(chunks, 7);
  // Once chunks get through again, the transfer ends.
  c.filter = null;
  c.tickAll(40);
  assert.equal(c.get(3).installed.length, 1);
});

test("snapshots: a transfer under way ends with its snapshot though the leader takes a newer one", () => {
  const c = new TestCluster([1, 2, 3], {
    preVote: false,
    compactRetainEntries: 0,
    snapshotChunkBytes: 2,
  });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
  const leader = c.get(1);
  const first = leader.node.compact(leader.node.log.applied, enc.encode("first-image"));
  c.heal();
  // The first chunks get through, then the leader snapshots again before the rest.
  let chunksLeft = 2;
  c.filter = (m) => m.type !== MessageType.snapshot || chunksLeft-- > 0;
  c.tickAll(1);
  assert.equal(c.get(3).installed.length, 0);
  for (let i = 0; i < 5; i++) c.propose(1, `w${i}`);
  leader.node.compact(leader.node.log.applied, enc.encode("second-image"));
  c.filter = null;
  c.tickAll(10);
  const follower = c.get(3);
  assert.deepEqual(
    follower.installed.map((s) => s.meta.index),
    [first.meta.index],
    "the snapshot it began with, once",
  );
  // The entries after the first snapshot were kept for it.
  assert.equal(follower.node.log.committed, leader.node.log.committed);
  assert.equal(text(follower.applied[follower.applied.length - 1]), "w4");
});

test("learners receive the log but neither vote nor count toward commit", () => {
  const conf = makeConf([1, 2, 3], [4]);
  const c = new TestCluster([1, 2, 3, 4], { preVote: false }, conf);
  c.elect(1);
  c.propose(1, "x");
  assert.equal(text(c.get(4).applied[1]), "x");
  c.isolate(2);
  c.isolate(3);
  c.node(1).propose(enc.encode("y"));
  c.deliverAll();
  assert.equal(c.node(1).log.committed, 2, "leader + learner is not a quorum");
  c.tick(4, 100);
  c.deliverAll();
  assert.equal(c.node(4).role, Role.follower, "a learner never campaigns");
});

test("membership: a new voter joins through the log, and changes go one at a time", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.add(4, { preVote: false }, initialState(emptyConf));
  const r = c.node(1).proposeConfChange({ op: "add-voter", id: 4 });
  assert.ok(r.ok);
  const again = c.node(1).proposeConfChange({ op: "add-voter", id: 5 });
  assert.equal(again.ok, false, "a second change waits for the first to commit");
  c.deliverAll();
  c.tickAll(2);
  assert.deepEqual(c.node(4).status().conf.voters, [1, 2, 3, 4]);
  c.propose(1, "with4");
  assert.equal(text(c.get(4).applied[c.get(4).applied.length - 1]), "with4");
  // Now 4 counts: with 2 and 3 cut off, 1 and 4 are not a majority of four.
  c.isolate(2);
  c.isolate(3);
  c.node(1).propose(enc.encode("z"));
  c.deliverAll();
  assert.ok(c.node(1).log.committed < c.node(1).log.lastIndex());
});

test("membership: a removed leader steps down once its removal commits", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  assert.ok(c.node(1).proposeConfChange({ op: "remove", id: 1 }).ok);
  c.deliverAll();
  c.tickAll(2);
  assert.equal(c.node(1).role, Role.follower);
  c.tickAll(40);
  const leaders = [2, 3].filter((id) => c.node(id).role === Role.leader);
  assert.equal(leaders.length, 1);
  c.tick(1, 100);
  assert.notEqual(c.node(1).role, Role.candidate, "a removed member does not campaign");
});

test("membership: a change that would move two voters at once is refused", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  const r = c.node(1).proposeConfChange({ op: "add-voter", id: 1 });
  assert.equal(r.ok, false);
});

test("leadership transfer: the target catches up, campaigns at once and wins", () => {
  const c = new TestCluster([1, 2, 3], { preVote: true, checkQuorum: true });
  c.elect(1);
  c.isolate(3);
  c.propose(1, "a");
  c.heal();
  assert.equal(c.node(1).transferLeadership(3), null);
  assert.equal(c.node(1).propose(enc.encode("no")).ok, false, "proposals pause during transfer");
  c.deliverAll();
  assert.equal(c.node(3).role, Role.leader);
  assert.equal(c.node(1).role, Role.follower);
});

test("read-index: the leader answers after a quorum confirms it is still leader", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.propose(1, "a");
  c.isolate(2);
  c.isolate(3);
  assert.ok(c.node(1).readIndex(7));
  c.deliverAll();
  assert.equal(c.get(1).readStates.length, 0, "no answer without a quorum");
  c.heal();
  c.tick(1, 1);
  c.deliverAll();
  assert.deepEqual(c.get(1).readStates, [{ index: 2, context: 7 }]);
});

test("read-index: a follower's request is forwarded and answered with the leader's commit", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.propose(1, "a");
  assert.ok(c.node(2).readIndex(9));
  c.deliverAll();
  c.tickAll(1);
  assert.deepEqual(c.get(2).readStates, [{ index: 2, context: 9 }]);
});

test("read-index: a single voter answers at once", () => {
  const c = new TestCluster([1], {});
  c.elect(1);
  c.node(1).readIndex(3);
  c.deliverAll();
  assert.deepEqual(c.get(1).readStates, [{ index: 1, context: 3 }]);
});

test("restart after a torn write: entries survived but not the hard state after them", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.propose(1, "a");
  const m = c.get(2);
  // The disk kept the term-1 entries but an older hard state (term 0): adopt the log's term.
  m.disk.hardState = { term: 0, vote: 0, commit: 0 };
  m.boot();
  assert.equal(m.node.term, 1);
  assert.equal(m.node.status().vote, 0);
  const rd = m.node.ready();
  assert.equal(rd.hardState?.term, 1, "the adopted term is persisted with the first Ready");
  m.node.advance();
});

test("committed entries are handed out only once they are durable locally", () => {
  const c = new TestCluster([1, 2], { preVote: false });
  const n = c.node(2);
  const entries: Entry[] = [{ term: 1, index: 1, kind: 0, data: enc.encode("a") }];
  n.step(makeMessage(MessageType.append, 1, 2, 1, { index: 0, logTerm: 0, entries, commit: 1 }));
  const rd = n.ready();
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.committed.length, 0, "commit 1 is known, but entry 1 is not on disk yet");
  n.advance();
  assert.equal(n.ready().committed.length, 1);
});
