// Proves that a rolling restart of every member of a 3-member ensemble under client load loses
// no session and no acknowledged write: kazoo writers (three sessions) create nodes without a
// pause while the test stops each member gracefully (SIGTERM), restarts it and waits until it
// serves again, followers first and the leader last, as an operator would; afterwards every
// acknowledged create is there and every writer still has its first session
// (kazoo_ensemble.py "rolling").
//
// It also measures the write pause a client sees when the leader stops gracefully (SIGTERM:
// it hands leadership over first) and when it is killed (SIGKILL: the others wait out an
// election timeout), for a Corral TypeScript client connected to a follower and one connected
// to the leader itself. The numbers are printed as diagnostics (docs/ensemble.md records
// them); the test asserts only what the design guarantees: a hand-over costs the client on a
// follower less than the election timeout a kill costs it, no write is lost, and no session.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { waitServing } from "./ensemble-control.js";
import { scenarioFile } from "./scenario-files.js";
import { reportChecks, runProgram } from "./scenario-program.js";

const tickTimeMs = 500;

async function startEnsemble(): Promise<CorralEnsemble> {
  const ensemble = await CorralEnsemble.start({ members: 3, tickTimeMs, logLevel: "warn" });
  await ensemble.waitForLeader();
  return ensemble;
}

test("a rolling restart under kazoo load loses no session and no acknowledged write", {
  skip: kazooMissing() ?? false,
}, async (t) => {
  const ensemble = await startEnsemble();
  const actions: string[] = [];
  let result: Awaited<ReturnType<typeof runProgram>>;
  try {
    result = await runProgram(
      python,
      [scenarioFile("kazoo_ensemble.py"), "rolling", ensemble.connectString],
      {
        timeoutMs: 90_000,
        onAwait: async (request) => {
          if (request.await !== "rolling restart")
            throw new Error(`unexpected ${JSON.stringify(request)}`);
          const leader = await ensemble.waitForLeader();
          const order = [...ensemble.members.filter((m) => m !== leader), leader];
          for (const id of order) {
            const began = performance.now();
            await ensemble.terminate(id);
            await ensemble.restart(id);
            await waitServing(ensemble, id);
            await ensemble.waitForLeader();
            actions.push(
              `member ${id}${id === leader ? " (leader)" : ""} back in ${Math.round(performance.now() - began)} ms`,
            );
          }
          return {};
        },
      },
    );
  } finally {
    await ensemble.stop();
  }
  t.diagnostic(`rolling restart: ${actions.join("; ")}`);
  const writers = result.stdout.split("\n").find((l) => l.includes('"event": "writers"'));
  if (writers !== undefined) t.diagnostic(writers);
  await reportChecks(t, result, ["rolling"]);
});

/** A client that writes to its own node without a pause and records when each write is acknowledged. */
class PacedWriter {
  readonly ackedAtMs: number[] = [];
  readonly failures: string[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly client: ZooKeeperClient,
  ) {}

  async start(): Promise<void> {
    const path = `/pause-${this.name}`;
    await this.client.create(path, "0").catch(() => undefined);
    this.loop = (async () => {
      for (let n = 1; this.running; n++) {
        try {
          await this.client.setData(path, String(n));
          this.ackedAtMs.push(performance.now());
        } catch (e) {
          // A write in flight on a connection that dropped has an unknown outcome; the next
          // one waits for the reconnect. Neither is acknowledged.
          this.failures.push((e as Error).name);
        }
      }
    })();
  }

  /** Waits until `count` more writes were acknowledged (bounded). */
  async acks(count: number, timeoutMs = 20000): Promise<void> {
    const target = this.ackedAtMs.length + count;
    const deadline = performance.now() + timeoutMs;
    while (this.ackedAtMs.length < target) {
      if (performance.now() > deadline) throw new Error(`${this.name}: writes stalled`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The longest interval without an acknowledged write that overlaps [fromMs, toMs]. */
  longestGapMs(fromMs: number, toMs: number): number {
    let longest = 0;
    for (let i = 1; i < this.ackedAtMs.length; i++) {
      const a = this.ackedAtMs[i - 1];
      const b = this.ackedAtMs[i];
      if (b >= fromMs && a <= toMs) longest = Math.max(longest, b - a);
    }
    return longest;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

interface PauseSample {
  how: string;
  followerClientMs: number;
  leaderClientMs: number;
}

/**
 * Pins one client to a follower and one to the leader (unshuffled host lists), loads both,
 * stops the leader with `stop`, and returns the longest write gap each saw around it. The
 * member is restarted afterwards and the ensemble has a leader again.
 */
async function measurePause(
  ensemble: CorralEnsemble,
  how: string,
  stop: (id: number) => Promise<void>,
): Promise<PauseSample> {
  const leader = await ensemble.waitForLeader();
  const follower = ensemble.members.find((m) => m !== leader) ?? 0;
  // Both must accept clients, or a pinned client would land on the next host in its list.
  await waitServing(ensemble, follower);
  await waitServing(ensemble, leader);
  const ordered = (first: number) =>
    [first, ...ensemble.members.filter((m) => m !== first)]
      .map((m) => ensemble.address(m))
      .join(",");
  const options = { sessionTimeoutMs: 8000, shuffleHosts: false };
  const onFollower = new PacedWriter(
    "on-follower",
    await ZooKeeperClient.connect(ordered(follower), options),
  );
  const onLeader = new PacedWriter(
    "on-leader",
    await ZooKeeperClient.connect(ordered(leader), options),
  );
  const writers = [onFollower, onLeader];
  const sessions = writers.map((w) => w.client.sessionIdHex);
  const states: string[] = [];
  for (const w of writers) w.client.on("state", (s: string) => states.push(`${w.name}:${s}`));
  try {
    assert.equal(onFollower.client.currentHost?.port, ensemble.port(follower), "on a follower");
    assert.equal(onLeader.client.currentHost?.port, ensemble.port(leader), "on the leader");
    for (const w of writers) await w.start();
    await Promise.all(writers.map((w) => w.acks(20)));
    const stoppedAtMs = performance.now();
    await stop(leader);
    await Promise.all(writers.map((w) => w.acks(20)));
    const resumedByMs = performance.now();
    for (const w of writers) await w.stop();
    assert.deepEqual(
      writers.map((w) => w.client.sessionIdHex),
      sessions,
      `${how}: every client kept its session`,
    );
    assert.ok(!states.some((s) => /expired|lost/.test(s)), `${how}: ${states.join(", ")}`);
    return {
      how,
      followerClientMs: Math.round(onFollower.longestGapMs(stoppedAtMs, resumedByMs)),
      leaderClientMs: Math.round(onLeader.longestGapMs(stoppedAtMs, resumedByMs)),
    };
  } finally {
    for (const w of writers) {
      await w.stop();
      await w.client.close();
    }
    await ensemble.restart(leader);
    await waitServing(ensemble, leader);
  }
}

test("the write pause clients see when the leader stops gracefully and when it is killed", async (t) => {
  const ensemble = await startEnsemble();
  const samples: PauseSample[] = [];
  try {
    samples.push(
      await measurePause(ensemble, "SIGTERM (hand-over)", (id) => ensemble.terminate(id)),
    );
    samples.push(await measurePause(ensemble, "SIGKILL", (id) => ensemble.kill(id)));
  } finally {
    await ensemble.stop();
  }
  for (const s of samples) {
    t.diagnostic(
      `leader stopped by ${s.how}: longest write gap ${s.followerClientMs} ms for a client on a follower, ${s.leaderClientMs} ms for a client on the leader`,
    );
  }
  const [graceful, killed] = samples;
  // A kill leaves the followers waiting at least the election timeout (20 ticks of 50 ms)
  // from the last heartbeat (sent every 100 ms) before they campaign; a hand-over starts
  // the election at once.
  assert.ok(
    killed.followerClientMs >= 800,
    `a kill costs an election timeout: ${killed.followerClientMs} ms`,
  );
  assert.ok(
    graceful.followerClientMs < killed.followerClientMs,
    `a hand-over (${graceful.followerClientMs} ms) is shorter than an election (${killed.followerClientMs} ms)`,
  );
});
