// Proves the Raft simulator's claims: a run is a pure function of its seed; a bounded
// sweep of seeds (crashes, torn writes, partitions, loss, duplication, reordering, slow
// disks, membership changes, learners, snapshots, transfers, read-index) finds no safety
// or liveness violation; and the checkers have teeth: each of three classic Raft bugs,
// planted in a test-only variant, is caught within a bounded number of seeds, and the
// failing seed passes once the bug is removed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlantedBug } from "../../src/raft/config.js";
import { formatFailure, runSeed, sweep } from "../../src/sim/runner.js";

test("a run replays exactly from its seed", () => {
  for (const seed of [3, 77, 1234]) {
    const a = runSeed(seed, 1500);
    const b = runSeed(seed, 1500);
    assert.deepEqual(b, a);
  }
});

test("sweep: no safety or liveness violation across seeds (bounded in wall time)", () => {
  const seeds = 20_000;
  const result = sweep({
    from: 1,
    to: seeds,
    timeBudgetMs: 60_000,
    clockMs: () => performance.now(),
    stopOnFailure: true,
  });
  console.log(
    `sweep: ${result.seedsRun} seeds, ${result.events} events${result.truncated ? " (time budget reached)" : ""}`,
  );
  for (const f of result.failures) console.log(formatFailure(f, 3000));
  assert.equal(
    result.failures.length,
    0,
    "a failing seed is a bug: replay it with corral sim --seed N",
  );
  assert.ok(result.seedsRun >= 200, `only ${result.seedsRun} seeds fit in the time budget`);
});

/** Sweeps from seed 1 until the planted bug is caught; returns the failing run. */
function catchBug(bug: PlantedBug, seedsMax: number) {
  const result = sweep({ from: 1, to: seedsMax, plantedBug: bug, stopOnFailure: true });
  assert.equal(result.failures.length, 1, `${bug} was not caught within ${seedsMax} seeds`);
  const failure = result.failures[0];
  console.log(`${bug}: caught at seed ${failure.seed}: ${failure.failure}`);
  const report = formatFailure(failure, 3000, bug);
  assert.match(report, new RegExp(`corral sim --seed ${failure.seed} --planted-bug ${bug}`));
  assert.ok(failure.trace.length > 0, "the report shows the events leading to the failure");
  assert.ok(runSeed(failure.seed).ok, `seed ${failure.seed} passes without the planted bug`);
  return failure;
}

test("teeth: counting replicas of an earlier term's entry is caught", () => {
  const f = catchBug("commit-prior-term-by-counting", 4000);
  assert.match(f.failure!, /leader completeness|state machine safety|commit/);
});

test("teeth: granting a vote before it is persisted is caught", () => {
  const f = catchBug("vote-before-persist", 4000);
  assert.match(
    f.failure!,
    /election safety|leader completeness|state machine safety|commit|log matching/,
  );
});

test("teeth: skipping the previous-entry check in AppendEntries is caught", () => {
  const f = catchBug("skip-prev-entry-check", 500);
  assert.match(
    f.failure!,
    /log matching|state machine safety|leader completeness|commit|exception/,
  );
});
