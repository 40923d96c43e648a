// Proves that a lock and a leader latch never have two holders while members of a 3-member
// ensemble are killed and restarted: kazoo Lock, Curator InterProcessMutex and Curator
// LeaderLatch contenders (three sessions each) compete while a seeded nemesis SIGKILLs one
// member at a time, the leader every other time, and restarts it, so a quorum always
// remains. Every holder fences its writes with conditional setData on a token znode and
// prints its tenure; fencing-history.ts checks that no conditional write was rejected, that
// the tokens of different tenures never interleave, and that a holder that released cleanly
// did so before the next one acquired. Sessions may expire and locks be lost: that is
// allowed, two holders are not. Each resource must also have changed hands several times,
// so the checks cannot pass on an idle history.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { rng } from "../support/rng.js";
import { fencingViolations, type Tenure, tenuresWithTokens } from "./fencing-history.js";
import { curatorJars, javaUnavailableReason, runJavaProgram } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { type ProgramResult, reportChecks, runProgram } from "./scenario-program.js";

const tickTimeMs = 500;
/** Faults injected, one member down at a time; FENCING_FAULTS=50 makes a longer soak. */
const faults = Number(process.env.FENCING_FAULTS ?? 6);
/** Tenures with accepted writes each resource must have had at least. */
const tenuresMin = 5;

async function nemesis(ensemble: CorralEnsemble, seed: number, log: string[]): Promise<void> {
  const random = rng(seed);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let last = 0;
  for (let i = 0; i < faults; i++) {
    const leader = await ensemble.waitForLeader();
    // A follower other than the member just restarted, when there is one, to spread faults.
    const followers = ensemble.members.filter((m) => m !== leader);
    const fresh = followers.filter((m) => m !== last);
    const victim = i % 2 === 0 ? leader : random.pick(fresh.length > 0 ? fresh : followers);
    last = victim;
    await ensemble.kill(victim);
    const downMs = 400 + random.int(800);
    log.push(`SIGKILL ${victim}${victim === leader ? " (leader)" : ""}, down ${downMs} ms`);
    // The contenders carry on with two members meanwhile; then the member comes back and the
    // ensemble is whole for a while before the next fault.
    await pause(downMs);
    await ensemble.restart(victim);
    await ensemble.waitForLeader();
    await pause(300 + random.int(500));
  }
}

function tenuresOf(result: ProgramResult): Tenure[] {
  const out: Tenure[] = [];
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith('{"tenure"')) continue;
    out.push((JSON.parse(line) as { tenure: Tenure }).tenure);
  }
  return out;
}

function finalVersions(result: ProgramResult): Record<string, number> {
  for (const line of result.stdout.split("\n")) {
    if (line.startsWith('{"final"'))
      return (JSON.parse(line) as { final: Record<string, number> }).final;
  }
  return {};
}

const kazooSkip = kazooMissing();
const javaSkip = javaUnavailableReason(curatorJars);

test("a lock and a leader latch never have two holders while members are killed", {
  skip: kazooSkip !== undefined && javaSkip !== undefined ? `${kazooSkip}; ${javaSkip}` : false,
}, async (t) => {
  const seed = Number(process.env.FENCING_SEED ?? Date.now() % 100000);
  t.diagnostic(`nemesis seed ${seed} (FENCING_SEED=${seed} replays its choices)`);
  const ensemble = await CorralEnsemble.start({ members: 3, tickTimeMs, logLevel: "warn" });
  const log: string[] = [];
  const programs: { name: string; run: Promise<ProgramResult> }[] = [];
  try {
    await ensemble.waitForLeader();
    // The nemesis starts once every program's contenders are running, and the programs stop
    // contending when it is done (their "nemesis" request is answered then).
    const expected = (kazooSkip === undefined ? 1 : 0) + (javaSkip === undefined ? 1 : 0);
    const ready = new Set<string>();
    let start: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const markReady = (name: string): void => {
      ready.add(name);
      if (ready.size === expected) start();
    };
    const done = started.then(() => nemesis(ensemble, seed, log));
    const answerFor =
      (name: string) =>
      async (request: Record<string, unknown>): Promise<unknown> => {
        if (request.await !== "nemesis") throw new Error(`unexpected ${JSON.stringify(request)}`);
        markReady(name);
        await done;
        return {};
      };
    if (kazooSkip === undefined) {
      const run = runProgram(
        python,
        [scenarioFile("kazoo_ensemble.py"), "fencing", ensemble.connectString],
        {
          timeoutMs: 120_000,
          onAwait: answerFor("kazoo"),
        },
      );
      programs.push({ name: "kazoo", run });
    }
    if (javaSkip === undefined) {
      const run = runJavaProgram(
        "CuratorEnsemble.java",
        curatorJars,
        ["fencing", ensemble.connectString],
        120_000,
        answerFor("curator"),
      );
      programs.push({ name: "curator", run });
    }
    // A program that dies before asking must not hold the nemesis back.
    for (const p of programs) void p.run.then(() => markReady(p.name));
    await Promise.all(programs.map((p) => p.run));
    await done;
  } finally {
    await ensemble.stop();
  }
  t.diagnostic(`nemesis: ${log.join("; ")}`);
  assert.equal(log.length, faults, "every fault was injected");
  for (const p of programs) {
    const result = await p.run;
    await t.test(`${p.name} contenders`, async (st) => {
      const tenures = tenuresOf(result);
      const finals = finalVersions(result);
      const resources = [...new Set(tenures.map((x) => x.resource))].sort();
      for (const resource of Object.keys(finals).sort()) {
        const own = tenures.filter((x) => x.resource === resource);
        const outcomes = new Map<string, number>();
        for (const x of own) outcomes.set(x.outcome, (outcomes.get(x.outcome) ?? 0) + 1);
        st.diagnostic(
          `${resource}: ${own.length} tenures, ${JSON.stringify(Object.fromEntries(outcomes))}, token node at version ${finals[resource]}`,
        );
        await st.test(`${resource}: never two holders`, () => {
          assert.deepEqual(fencingViolations(own, finals[resource]), []);
        });
        await st.test(`${resource}: changed hands at least ${tenuresMin} times`, () => {
          assert.ok(tenuresWithTokens(own) >= tenuresMin, `only ${tenuresWithTokens(own)}`);
        });
      }
      assert.deepEqual(
        resources.filter((r) => !(r in finals)),
        [],
        "every resource reported its final version",
      );
      await reportChecks(st, result, ["fencing"]);
    });
  }
});
