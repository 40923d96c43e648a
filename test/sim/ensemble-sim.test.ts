// Proves the ensemble simulator's claims: a run of three or five real members (storage,
// RaftLog, EnsembleLog, Member, handshake) over the simulated network, under crashes,
// partitions, loss, client moves, observers, leadership transfers and membership changes
// made by an operator's reconfig requests, is a pure function of its seed; a time-bounded
// sweep of clean seeds passes every check (linearizable registers, reads never older than an
// acknowledged write at their zxid, watch notifications before the replies that show the
// change, ephemerals exactly while their session lives, identical states at equal zxid, and
// /zookeeper/config: one text per version, OK only for committed memberships, refusals that
// change nothing, convergence to the Raft configuration); and the checks have teeth: each
// planted ensemble bug is caught within the first 20 seeds (60 for the removed member, whose
// removals are rarer), and the seed that caught it passes without the bug.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ensembleReplayCommand,
  formatEnsembleFailure,
  runEnsembleSeed,
  sweepEnsemble,
} from "../../src/sim/ensemble-runner.js";
import { runEnsembleSimulation } from "../../src/sim/ensemble-sim.js";
import type { EnsemblePlantedBug } from "../../src/sim/ensemble-sim-bugs.js";

test("an ensemble run replays exactly from its seed (3 and 5 members)", () => {
  for (const [seed, members] of [
    [5, 3],
    [3, 5],
  ]) {
    // A short fault phase keeps this cheap; the sweep below runs the full length.
    const a = runEnsembleSeed(seed, { members, durationMs: 3000 });
    const b = runEnsembleSeed(seed, { members, durationMs: 3000 });
    assert.deepEqual(b, a);
    assert.ok(a.ok, formatEnsembleFailure(a, { members }));
    assert.ok(a.stats.acked > 50, `seed ${seed} acknowledged only ${a.stats.acked} requests`);
    assert.ok(a.stats.registerOps > 20, "the registers were exercised");
  }
});

test("sweep: clean seeds pass every ensemble check (bounded in wall time)", () => {
  const result = sweepEnsemble({
    members: 3,
    from: 1,
    to: 10_000,
    timeBudgetMs: 10_000,
    clockMs: () => performance.now(),
    stopOnFailure: true,
  });
  console.log(
    `ensemble sweep: ${result.seedsRun} seeds, ${result.events} events${result.truncated ? " (time budget reached)" : ""}`,
  );
  for (const f of result.failures) console.log(formatEnsembleFailure(f, { members: 3 }));
  assert.equal(
    result.failures.length,
    0,
    "a failing seed is a bug: replay it with corral sim --member --members 3 --seed N",
  );
  assert.ok(result.seedsRun >= 2, `only ${result.seedsRun} seeds fit in the time budget`);
});

test("observers and leadership transfers: seeds that once hung a client pass", () => {
  // Seeds 149 (3 voters + 2 observers) and 453 found that a leader refused proposals while it
  // handed leadership over and dropped forwarded ones without a word, so a transfer that gave
  // up left those clients waiting forever; the leader now holds them until the transfer ends.
  for (const seed of [149, 453]) {
    const result = runEnsembleSeed(seed, { members: 3 });
    assert.ok(result.ok, formatEnsembleFailure(result, { members: 3 }));
    assert.match(result.setup, /transfers <=/);
  }
  assert.match(runEnsembleSeed(149, { members: 3 }).setup, /\+ 2 observers/);
});

test("a snapshot records the membership in force at its index: seed 459 passes", () => {
  // Seed 459 (3 voters, 2 observers, snapCount 20) found that a member wrote the newest
  // membership in its log into a snapshot's metadata, not the one at the snapshot's index:
  // a member that took a snapshot at zxid 20 while its log already held the removals of two
  // observers (indexes 38 and 42) recovered believing they were gone below 38 too, so it
  // applied the reconfig entry at 32, which lists one of them, over a Raft group without it
  // (a later change truncated away would have left it with a membership nobody committed).
  const r = runEnsembleSeed(459, { members: 3 });
  assert.ok(r.ok, formatEnsembleFailure(r, { members: 3 }));
  assert.ok(r.stats.reconfigsOk >= 2, "the seed still commits reconfigs");
});

/** Sweeps from seed 1 until the planted bug is caught; returns the failing run. */
function catchBug(plantedBug: EnsemblePlantedBug, seedsMax: number) {
  const options = { members: 3, plantedBug };
  const result = sweepEnsemble({ ...options, from: 1, to: seedsMax, stopOnFailure: true });
  assert.equal(result.failures.length, 1, `${plantedBug} was not caught within ${seedsMax} seeds`);
  const failure = result.failures[0];
  console.log(`${plantedBug}: caught at seed ${failure.seed}: ${failure.failure?.split("\n")[0]}`);
  const report = formatEnsembleFailure(failure, options);
  assert.ok(report.includes(ensembleReplayCommand(failure.seed, options)));
  assert.match(
    report,
    /profile: 3 members( \+ \d observers)?( \+ \d spares)?, /,
    "the report prints the seed's profile",
  );
  assert.ok(failure.trace.length > 0, "the report shows the events leading to the failure");
  assert.ok(
    runEnsembleSeed(failure.seed, { members: 3 }).ok,
    `seed ${failure.seed} passes without the planted bug`,
  );
  return failure;
}

test("teeth: a leader that commits before a quorum persisted is caught", () => {
  const f = catchBug("phantom-append-acks", 20);
  assert.match(
    f.failure!,
    /not linearizable|differ at zxid|older than|did not start|exception|lost: .* acknowledged/,
  );
});

test("teeth: followers that expire sessions are caught", () => {
  const f = catchBug("follower-expires-sessions", 20);
  assert.match(f.failure!, /refused as expired/);
});

test("teeth: sync answered from the member's own state is caught", () => {
  const f = catchBug("local-sync", 20);
  assert.match(f.failure!, /not linearizable|older than/);
});

test("teeth: a removed member that keeps serving is caught", () => {
  // Membership changes: a member removed from the configuration never hears of its removal,
  // so unless it forgets its silent leader it serves clients whose writes never reach it.
  // Removals come from the operator's reconfig requests, a quarter of the profiles, each one
  // after the leader's job: fewer per run than a direct Raft change made, so more seeds.
  const f = catchBug("removed-member-keeps-serving", 60);
  assert.match(f.failure!, /liveness|older than|not linearizable/);
});

test("teeth: a leader that answers a reconfig before its change committed is caught", () => {
  // The reconfig entry goes in before the joiner was added and caught up: /zookeeper/config
  // (and the OK the client got) name a participant the Raft group does not have.
  const f = catchBug("reconfig-answers-early", 20);
  assert.match(f.failure!, /as participant, but at that zxid|\/zookeeper\/config/);
});

test("membership changes go through the reconfig request: accepted, refused, applied", () => {
  // Seed 1 draws membership changes (3 voters, 2 observers, a reconfig every <=600 ms).
  const r = runEnsembleSimulation({ seed: 1, members: 3, traceLength: 100_000 });
  assert.ok(r.ok, formatEnsembleFailure(r, { members: 3 }));
  assert.match(r.setup, /membership changes <=/);
  assert.ok(r.stats.reconfigsOk >= 3, `only ${r.stats.reconfigsOk} reconfigs committed`);
  const trace = r.trace.join("\n");
  assert.match(trace, /op asks m\d to reconfig: m\d (joins as|becomes) participant/);
  assert.match(trace, /m\d info reconfiguration committed/);
  assert.match(trace, /m\d info membership change proposed \{"change":"remove"/);
});
