// Proves the member simulator's claims: a run of the real standalone member (storage,
// RaftLog, Member, handshake) under crashes, torn writes, crashes during recovery, disk
// faults that make it read-only, session closes and dropped connections is a pure function
// of its seed; a bounded sweep of seeds finds every acknowledged write recovered, nothing
// applied twice, replies in order with their zxids rising; and the checkers have teeth: a
// WAL that acknowledges before its fsync and a carrier that hands a write over twice are
// each caught within a few seeds, and the failing seed passes without the bug.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatMemberFailure,
  memberReplayCommand,
  runMemberSeed,
  sweepMember,
} from "../../src/sim/member-runner.js";
import type { MemberPlantedBug } from "../../src/sim/member-sim-bugs.js";

test("a member run replays exactly from its seed", () => {
  const digests = new Set<string>();
  for (const seed of [3, 41, 977]) {
    const a = runMemberSeed(seed);
    const b = runMemberSeed(seed);
    assert.deepEqual(b, a);
    assert.ok(a.ok, formatMemberFailure(a));
    assert.ok(a.stats.crashes >= 1 && a.stats.acked > 0, "the run crashed and wrote");
    digests.add(a.digest);
  }
  assert.equal(digests.size, 3, "different seeds give different runs");
});

test("sweep: every acknowledged write survives crashes, once (bounded in wall time)", () => {
  const result = sweepMember({
    from: 1,
    to: 5000,
    timeBudgetMs: 20_000,
    clockMs: () => performance.now(),
    stopOnFailure: true,
  });
  console.log(
    `member sweep: ${result.seedsRun} seeds, ${result.events} events${result.truncated ? " (time budget reached)" : ""}`,
  );
  for (const f of result.failures) console.log(formatMemberFailure(f));
  assert.equal(
    result.failures.length,
    0,
    "a failing seed is a bug: replay it with corral sim --member --seed N",
  );
  assert.ok(result.seedsRun >= 100, `only ${result.seedsRun} seeds fit in the time budget`);
});

/** Sweeps from seed 1 until the planted bug is caught; returns the failing run. */
function catchBug(plantedBug: MemberPlantedBug, seedsMax: number) {
  const result = sweepMember({ from: 1, to: seedsMax, plantedBug, stopOnFailure: true });
  assert.equal(result.failures.length, 1, `${plantedBug} was not caught within ${seedsMax} seeds`);
  const failure = result.failures[0];
  console.log(`${plantedBug}: caught at seed ${failure.seed}: ${failure.failure?.split("\n")[0]}`);
  const report = formatMemberFailure(failure, { plantedBug });
  assert.ok(report.includes(memberReplayCommand(failure.seed, { plantedBug })));
  assert.match(
    report,
    new RegExp(`corral sim --member --seed ${failure.seed} --planted-bug ${plantedBug}`),
  );
  assert.ok(failure.trace.length > 0, "the report shows the events leading to the failure");
  assert.ok(runMemberSeed(failure.seed).ok, `seed ${failure.seed} passes without the planted bug`);
  return failure;
}

test("teeth: acknowledging appends before their fsync is caught", () => {
  const f = catchBug("lying-wal-fsync", 20);
  // The subtree check sees the lost writes before the zxid check does.
  assert.match(f.failure!, /matches no outcome|below acknowledged zxid|did not start/);
});

test("teeth: a write applied twice is caught", () => {
  const f = catchBug("duplicate-write-frame", 20);
  assert.match(f.failure!, /FIFO|model says/);
});
