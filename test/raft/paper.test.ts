// Proves the Raft core follows the rules of the Raft paper (Ongaro & Ousterhout, 2014), each
// test named after the rule it checks, including the paper's classic scenarios: the log
// states of figure 7 and the commit hazard of figure 8 (and that the planted variant of the
// figure 8 bug really exhibits it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeConf } from "../../src/raft/conf-state.js";
import { makeMessage } from "../../src/raft/message.js";
import type { PersistedState } from "../../src/raft/node.js";
import { type Entry, EntryKind, MessageType, Role } from "../../src/raft/types.js";
import { TestCluster, text } from "./harness.js";

const enc = new TextEncoder();

function logOf(terms: readonly number[], payload = (i: number) => `e${i}`): Entry[] {
  return terms.map((term, k) => ({
    term,
    index: k + 1,
    kind: EntryKind.normal,
    data: enc.encode(payload(k + 1)),
  }));
}

function stateWith(ids: readonly number[], terms: readonly number[], term: number): PersistedState {
  return {
    hardState: { term, vote: 0, commit: 0 },
    snapshot: { meta: { index: 0, term: 0, conf: makeConf(ids) }, data: new Uint8Array(0) },
    entries: logOf(terms),
  };
}

function termsOf(c: TestCluster, id: number): number[] {
  const log = c.node(id).log;
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i));
  return out;
}

test("5.2: a follower that hears nothing campaigns, and a majority of votes makes it leader", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  assert.equal(c.node(1).role, Role.leader);
  assert.equal(c.node(1).term, 1);
  assert.equal(c.node(2).lead, 1);
  assert.equal(c.node(3).lead, 1);
});

test("5.2: each member votes for at most one candidate in a term (first come, first served)", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  const n = c.node(3);
  n.step(makeMessage(MessageType.vote, 1, 3, 1, { index: 0, logTerm: 0 }));
  n.step(makeMessage(MessageType.vote, 2, 3, 1, { index: 0, logTerm: 0 }));
  const msgs = [...c.get(3).cycle(), ...c.get(3).cycle()];
  const to1 = msgs.find((m) => m.to === 1)!;
  const to2 = msgs.find((m) => m.to === 2)!;
  assert.equal(to1.reject, false);
  assert.equal(to2.reject, true);
  assert.equal(c.get(3).disk.hardState.vote, 1);
});

test("5.4.1: a voter denies its vote to a candidate whose log is less up to date", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.members.clear();
  c.add(1, { preVote: false }, stateWith([1, 2, 3], [1, 1], 2));
  c.add(2, { preVote: false }, stateWith([1, 2, 3], [1, 2], 2));
  c.add(3, { preVote: false }, stateWith([1, 2, 3], [1, 1, 1], 2));
  c.isolate(3);
  c.elect(1);
  // 1's log (last term 1) is behind 2's (last term 2): 2 refuses, 1 cannot win alone.
  assert.notEqual(c.node(1).role, Role.leader);
  c.elect(2);
  assert.equal(c.node(2).role, Role.leader);
});

test("5.3 figure 7: a new leader brings every follower's log in line with its own", () => {
  const ids = [1, 2, 3, 4, 5, 6, 7];
  const logs: Record<number, number[]> = {
    1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], // the leader for term 8
    2: [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing an entry
    3: [1, 1, 1, 4], // (b) missing many
    4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) an extra uncommitted entry
    5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of a later term
    6: [1, 1, 1, 4, 4, 4, 4], // (e) extra entries of an old term
    7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) a leader of terms 2-3 that never replicated
  };
  const c = new TestCluster([], {});
  for (const id of ids)
    c.add(id, { preVote: false, checkQuorum: false }, stateWith(ids, logs[id], 7));
  c.elect(1);
  assert.equal(c.node(1).role, Role.leader, "1 wins with a, b, e, f (c and d are ahead)");
  assert.equal(c.node(1).term, 8);
  c.tickAll(3);
  const expected = [...logs[1], 8];
  for (const id of ids) assert.deepEqual(termsOf(c, id), expected, `log of ${id}`);
  for (const id of ids) assert.equal(c.node(id).log.committed, 11);
});

/**
 * Figure 8 with five members. S1 leads term 4 holding index 2 from term 2; S5 holds a
 * conflicting index 2 from term 3. S1 gets index 2 onto a majority (S1, S3, S4) but its
 * own term-4 entry is held back. Counting replicas would commit index 2 now; S5 can then
 * still win term 5 (its last term 3 beats 2) and overwrite index 2 everywhere.
 */
function figure8(options: Record<string, unknown>): { commitBefore: number; c: TestCluster } {
  const ids = [1, 2, 3, 4, 5];
  const o = { preVote: false, checkQuorum: false, appendBytesMax: 1, ...options };
  const c = new TestCluster([], {});
  c.add(1, o, stateWith(ids, [1, 2], 3));
  c.add(2, o, stateWith(ids, [1, 2], 3));
  c.add(3, o, stateWith(ids, [1], 3));
  c.add(4, o, stateWith(ids, [1], 3));
  c.add(5, o, stateWith(ids, [1, 3], 3));
  // S1's term-4 entries never get stored anywhere (lost, or S1 is about to crash); only
  // the probes that S3 and S4 reject for lacking index 2 get through.
  c.filter = (m) =>
    !(
      m.type === MessageType.append &&
      m.entries.some((e) => e.term === 4) &&
      c.node(m.to).log.lastIndex() >= 2
    );
  c.elect(1);
  assert.equal(c.node(1).role, Role.leader);
  assert.equal(c.node(1).term, 4);
  assert.deepEqual(termsOf(c, 3), [1, 2], "S3 stores index 2 from term 2");
  assert.deepEqual(termsOf(c, 4), [1, 2], "S4 stores index 2 from term 2");
  const commitBefore = c.node(1).log.committed;
  // S1 crashes; S5 wins term 5 with votes from S2, S3, S4.
  c.isolate(1);
  c.filter = null;
  c.elect(5);
  assert.equal(c.node(5).role, Role.leader);
  c.tickAll(2);
  return { commitBefore, c };
}

test("5.4.2 figure 8: a leader never commits an entry of an earlier term by counting replicas", () => {
  const { commitBefore, c } = figure8({});
  assert.ok(commitBefore < 2, "index 2 (term 2) on a majority is not committed by S1");
  // S5 overwrote index 2 with its term-3 entry, which is safe because it never committed.
  for (const id of [2, 3, 4, 5]) assert.equal(c.node(id).log.term(2), 3);
});

test("5.4.2 figure 8 (planted bug): counting earlier-term replicas commits what is later overwritten", () => {
  const { commitBefore, c } = figure8({ plantedBug: "commit-prior-term-by-counting" });
  assert.equal(commitBefore, 2, "the buggy leader marks index 2 (term 2) committed");
  assert.equal(c.node(5).log.term(2), 3, "and a later leader replaces that committed entry");
  assert.ok(c.node(5).log.committed >= 2);
});

test("5.3: a follower rejects an append whose previous entry does not match (log matching)", () => {
  const c = new TestCluster([1, 2], { preVote: false });
  const n = c.node(2);
  n.step(
    makeMessage(MessageType.append, 1, 2, 1, {
      index: 5,
      logTerm: 1,
      entries: logOf([1, 1, 1, 1, 1, 1]).slice(5),
    }),
  );
  const out = [...c.get(2).cycle(), ...c.get(2).cycle()];
  const resp = out.find((m) => m.type === MessageType.appendResp)!;
  assert.equal(resp.reject, true);
  assert.equal(c.node(2).log.lastIndex(), 0);
});

test("5.3: conflicting entries are deleted and replaced, matching ones are kept", () => {
  const ids = [1, 2];
  const c = new TestCluster([], {});
  c.add(2, { preVote: false }, stateWith(ids, [1, 1, 2, 2], 2));
  const n = c.node(2);
  const leaderLog = logOf([1, 1, 3, 3, 3], (i) => `L${i}`);
  n.step(
    makeMessage(MessageType.append, 1, 2, 3, { index: 1, logTerm: 1, entries: leaderLog.slice(1) }),
  );
  c.get(2).cycle();
  assert.deepEqual(termsOf(c, 2), [1, 1, 3, 3, 3]);
  assert.equal(text(c.node(2).log.entry(2)), "e2", "matching entry 2 was kept as it was");
  assert.equal(text(c.node(2).log.entry(3)), "L3");
});

test("5.3 fast backtracking: a long conflicting tail is repaired in a few round trips", () => {
  const ids = [1, 2, 3];
  const c = new TestCluster([], {});
  const o = { preVote: false, checkQuorum: false };
  c.add(1, o, stateWith(ids, [1, ...Array(50).fill(2)], 3));
  c.add(2, o, stateWith(ids, [1, ...Array(50).fill(2)], 3));
  c.add(3, o, stateWith(ids, [1, ...Array(80).fill(3)], 3));
  let rejections = 0;
  c.filter = (m) => {
    if (m.type === MessageType.appendResp && m.reject && m.from === 3) rejections++;
    return true;
  };
  c.isolate(3);
  c.elect(1);
  c.heal();
  c.tickAll(3);
  assert.deepEqual(termsOf(c, 3), termsOf(c, 1));
  assert.ok(rejections <= 3, `took ${rejections} rejections, one per term at most`);
});

test("5.4.2/5.3: commit advances once a majority stores an entry of the current term", () => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.elect(1);
  c.isolate(3);
  c.propose(1, "x");
  assert.equal(c.node(1).log.committed, 2);
  assert.deepEqual(c.get(2).applied.map(text).filter(Boolean), ["x"]);
});

test("a single-voter group commits what it has persisted locally", () => {
  const c = new TestCluster([1], {});
  c.elect(1);
  assert.equal(c.node(1).role, Role.leader);
  c.propose(1, "solo");
  assert.equal(c.node(1).log.committed, 2);
  assert.deepEqual(c.get(1).applied.map(text), ["", "solo"]);
});
