// Golden tests for the small pure modules the core is built from: majority arithmetic,
// the inflights window, configuration encoding and the single-member change rule, and
// the log's conflict search used for fast backtracking.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyConfChange,
  ConfHistory,
  decodeConfState,
  encodeConfState,
  makeConf,
  voterDistance,
} from "../../src/raft/conf-state.js";
import { makeRaftConfig } from "../../src/raft/config.js";
import { Inflights } from "../../src/raft/inflights.js";
import { RaftLog } from "../../src/raft/log.js";
import { hasQuorum, quorumIndex, VoteResult, voteResult } from "../../src/raft/quorum.js";
import { EntryKind } from "../../src/raft/types.js";
import { Prng } from "../../src/sim/prng.js";

test("quorum index is the highest index a majority has reached", () => {
  const cases: [number[], number][] = [
    [[5], 5],
    [[5, 3], 3],
    [[5, 3, 1], 3],
    [[1, 5, 3, 4], 3],
    [[9, 2, 7, 7, 1], 7],
    [[], 0],
  ];
  for (const [matches, want] of cases) {
    const ids = matches.map((_, i) => i + 1);
    assert.equal(
      quorumIndex(ids, (id) => matches[id - 1]),
      want,
      JSON.stringify(matches),
    );
  }
});

test("votes: won with a majority, lost when a majority is out of reach, else pending", () => {
  const v = (entries: [number, boolean][]) => new Map(entries);
  assert.equal(voteResult([1], v([[1, true]])), VoteResult.won);
  assert.equal(voteResult([1, 2, 3], v([[1, true]])), VoteResult.pending);
  assert.equal(
    voteResult(
      [1, 2, 3],
      v([
        [1, true],
        [2, true],
      ]),
    ),
    VoteResult.won,
  );
  assert.equal(
    voteResult(
      [1, 2, 3],
      v([
        [1, true],
        [2, false],
        [3, false],
      ]),
    ),
    VoteResult.lost,
  );
  assert.equal(
    voteResult(
      [1, 2, 3, 4],
      v([
        [1, true],
        [2, true],
      ]),
    ),
    VoteResult.pending,
  );
  assert.equal(
    voteResult(
      [1, 2, 3, 4],
      v([
        [1, true],
        [2, false],
        [3, false],
      ]),
    ),
    VoteResult.lost,
  );
  assert.equal(
    voteResult(
      [2, 3],
      v([
        [1, true],
        [2, true],
      ]),
    ),
    VoteResult.pending,
    "non-voters do not count",
  );
  assert.ok(hasQuorum([1, 2, 3], (id) => id !== 3));
  assert.ok(!hasQuorum([1, 2, 3, 4], (id) => id <= 2));
});

test("inflights: limits by count and by bytes; acknowledgements free in order", () => {
  const f = new Inflights(3, 100);
  f.add(1, 10);
  f.add(2, 10);
  assert.ok(!f.full());
  f.add(5, 10);
  assert.ok(f.full(), "count limit");
  f.freeTo(2);
  assert.equal(f.count, 1);
  assert.equal(f.bytes, 10);
  f.add(6, 95);
  assert.ok(f.full(), "byte limit");
  f.freeFirst();
  assert.equal(f.count, 1);
  f.freeTo(100);
  assert.equal(f.count, 0);
  assert.equal(f.bytes, 0);
  assert.throws(() => {
    const g = new Inflights(1, 10);
    g.add(1, 1);
    g.add(2, 1);
  });
});

test("configurations round-trip through their encoding", () => {
  const conf = makeConf([3, 1, 2], [7]);
  assert.deepEqual(conf, { voters: [1, 2, 3], learners: [7] });
  assert.deepEqual(decodeConfState(encodeConfState(conf)), conf);
  assert.throws(() => makeConf([0]));
});

test("single-member changes move at most one voter", () => {
  const c = makeConf([1, 2, 3], [4]);
  const promote = applyConfChange(c, { op: "add-voter", id: 4 });
  assert.deepEqual(promote, makeConf([1, 2, 3, 4]));
  const demote = applyConfChange(c, { op: "add-learner", id: 2 });
  assert.deepEqual(demote, makeConf([1, 3], [2, 4]));
  assert.deepEqual(applyConfChange(c, { op: "remove", id: 4 }), makeConf([1, 2, 3]));
  assert.equal(typeof applyConfChange(c, { op: "add-voter", id: 1 }), "string");
  assert.equal(typeof applyConfChange(makeConf([1]), { op: "remove", id: 1 }), "string");
  assert.equal(voterDistance(c, promote as never), 1);
});

test("conf history follows appends, truncations and compaction", () => {
  const h = new ConfHistory(0, makeConf([1, 2, 3]));
  h.appended(5, makeConf([1, 2, 3, 4]));
  h.appended(9, makeConf([1, 2, 4]));
  assert.deepEqual(h.current, makeConf([1, 2, 4]));
  assert.deepEqual(h.at(6), makeConf([1, 2, 3, 4]));
  h.truncatedFrom(9);
  assert.deepEqual(h.current, makeConf([1, 2, 3, 4]));
  h.compactedTo(7);
  assert.deepEqual(h.at(7), makeConf([1, 2, 3, 4]));
  h.truncatedFrom(8);
  assert.equal(h.currentIndex, 7);
});

test("log: conflict search skips whole terms for fast backtracking", () => {
  const terms = [1, 1, 2, 2, 2, 4, 4, 4];
  const log = new RaftLog(
    { meta: { index: 0, term: 0, conf: makeConf([1]) }, data: new Uint8Array(0) },
    terms.map((term, k) => ({
      term,
      index: k + 1,
      kind: EntryKind.normal,
      data: new Uint8Array(0),
    })),
    0,
  );
  assert.equal(log.findConflictByTerm(8, 3), 5);
  assert.equal(log.findConflictByTerm(8, 4), 8);
  assert.equal(log.findConflictByTerm(4, 1), 2);
  assert.equal(log.findConflictByTerm(8, 0), 0);
  assert.ok(log.isUpToDate(8, 4));
  assert.ok(!log.isUpToDate(7, 4));
  assert.ok(log.isUpToDate(1, 5));
});

test("log: a conflict hint behind our snapshot stays where it is", () => {
  // A log compacted to 10: terms below it are unknown. The follower's hint 7 must not come
  // back as 10, or the leader would take 10 for the follower's match and count it to commit.
  const log = new RaftLog(
    { meta: { index: 10, term: 3, conf: makeConf([1]) }, data: new Uint8Array(0) },
    [11, 12].map((index) => ({ term: 3, index, kind: EntryKind.normal, data: new Uint8Array(0) })),
    10,
  );
  assert.equal(log.findConflictByTerm(7, 2), 7);
  assert.equal(log.findConflictByTerm(12, 2), 10);
  assert.equal(log.findConflictByTerm(12, 3), 12);
});

test("config validation refuses nonsense", () => {
  const random = new Prng(1);
  assert.throws(() => makeRaftConfig({ id: 1, random, heartbeatTicks: 10, electionTicks: 10 }));
  assert.throws(() => makeRaftConfig({ id: 0, random }));
  assert.throws(() => makeRaftConfig({ id: 1, random, inflightMessagesMax: 0 }));
  assert.equal(makeRaftConfig({ id: 1, random }).electionTicks, 10);
});
