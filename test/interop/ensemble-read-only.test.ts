// Proves read-only mode on a partition with unmodified clients against real member processes:
// a 3-member Corral ensemble started with -Dreadonlymode.enabled=true in SERVER_JVMFLAGS (as
// zkServer.sh users set it), one follower cut off from its quorum either by cutting its links
// to both others (relays) or by pausing both others (SIGSTOP). Once the cut-off member says
// "ro" to isro and "Mode: read-only" to srvr, a client program connects to it alone:
// - kazoo with read_only=True (links cut; the majority writes /ro/during meanwhile);
// - the Java client, new ZooKeeper(connect, timeout, watcher, canBeReadOnly=true) (others
//   paused);
// each gets a read-only session, reads the member's tree as it was, and has every write
// refused with NotReadOnly (kazoo also checks that a client without read_only is refused).
// Then the test heals the ensemble, and the client must come back to read-write service by
// itself (the member closes read-only connections once it knows a leader again), with a new
// session, and write. Both programs also run against a real ZooKeeper 3.8 ensemble with the
// same flag (others paused), where installed, so the expectations are ZooKeeper's own.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { fourLetterWord } from "../support/four-letter.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { quickStartJvmOptions, realZooKeeperAvailable } from "../support/real-zookeeper.js";
import { RealZooKeeperEnsemble } from "../support/real-zookeeper-ensemble.js";
import { waitServing } from "./ensemble-control.js";
import { curatorJars, javaUnavailableReason, runJavaProgram } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { type ProgramResult, reportChecks, runProgram } from "./scenario-program.js";

// Sessions of up to 10 s outlive the grace period (2 s) and a reconnect.
const tickTimeMs = 500;
const readOnlyFlags = { SERVER_JVMFLAGS: "-Dreadonlymode.enabled=true" };

/** What the scenario needs of an ensemble, Corral's or ZooKeeper's. */
interface Partitionable {
  members: number[];
  port(id: number): number;
  address(id: number): string;
  waitForLeader(): Promise<number>;
  /** Whether the others still form a quorum once a member is isolated (they can write). */
  keepsQuorum: boolean;
  /** Cuts `id` off from the others. */
  isolate(id: number): Promise<void>;
  heal(): Promise<void>;
}

async function untilAnswer(port: number, word: string, pattern: RegExp): Promise<void> {
  const deadline = performance.now() + 30_000;
  let last = "";
  for (;;) {
    last = await fourLetterWord(port, word, 2000).catch((e) => String(e));
    if (pattern.test(last)) return;
    if (performance.now() > deadline) throw new Error(`${word} never matched ${pattern}: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes /ro/before, cuts a follower off, waits until it serves read-only, writes /ro/during
 * through the majority when there is one, then runs the client program, healing when asked.
 */
async function partitionScenario(
  target: Partitionable,
  program: (
    address: string,
    during: boolean,
    heal: () => Promise<unknown>,
  ) => Promise<ProgramResult>,
): Promise<ProgramResult> {
  const leader = await target.waitForLeader();
  const isolated = target.members.find((id) => id !== leader)!;
  const writer = await ZooKeeperClient.connect(target.address(leader), { sessionTimeoutMs: 8000 });
  const majority = target.keepsQuorum;
  try {
    await writer.create("/ro", "");
    await writer.create("/ro/before", "before");
    // The member to be cut off must have applied /ro/before first.
    const probe = await ZooKeeperClient.connect(target.address(isolated), {
      sessionTimeoutMs: 8000,
    });
    await probe.sync("/ro");
    assert.equal((await probe.getData("/ro/before")).data.toString(), "before");
    await probe.close();
    if (!majority) await writer.close();
    await target.isolate(isolated);
    await untilAnswer(target.port(isolated), "isro", /^ro$/);
    assert.match(await fourLetterWord(target.port(isolated), "srvr"), /Mode: read-only/);
    if (majority) await writer.create("/ro/during", "during");
  } finally {
    if (majority) await writer.close().catch(() => {});
  }
  return program(target.address(isolated), majority, async () => {
    await target.heal();
    return {};
  });
}

function corralTarget(ensemble: CorralEnsemble, how: "cut" | "pause"): Partitionable {
  return {
    members: ensemble.members,
    port: (id) => ensemble.port(id),
    address: (id) => ensemble.address(id),
    keepsQuorum: how === "cut",
    waitForLeader: async () => {
      const leader = await ensemble.waitForLeader();
      for (const id of ensemble.members) await waitServing(ensemble, id);
      return leader;
    },
    isolate: async (id) => {
      for (const other of ensemble.members) {
        if (other === id) continue;
        if (how === "cut") await ensemble.cutLink(id, other, false);
        else await ensemble.pause(other);
      }
    },
    heal: () => ensemble.healAll(),
  };
}

function kazooProgram(t: TestContext) {
  return (address: string, during: boolean, heal: () => Promise<unknown>) =>
    runProgram(
      python,
      [scenarioFile("kazoo_ensemble.py"), "readonly", address, during ? "during" : "-"],
      {
        timeoutMs: 120_000,
        onAwait: async (request) => {
          assert.equal(request.await, "heal");
          t.diagnostic("healing the ensemble");
          return heal();
        },
      },
    );
}

function javaProgram(
  address: string,
  during: boolean,
  heal: () => Promise<unknown>,
): Promise<ProgramResult> {
  return runJavaProgram(
    "CuratorEnsemble.java",
    curatorJars,
    ["readonly", address, during ? "during" : "-"],
    120_000,
    async () => heal(),
  );
}

test("kazoo read_only=True on a member cut off by its links: reads, NotReadOnly, read-write once healed", {
  skip: kazooMissing() ?? false,
  timeout: 180_000,
}, async (t) => {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    tickTimeMs,
    relays: true,
    env: readOnlyFlags,
    logLevel: "info",
  });
  let result: ProgramResult;
  try {
    result = await partitionScenario(corralTarget(ensemble, "cut"), kazooProgram(t));
  } finally {
    await ensemble.stop();
  }
  await reportChecks(t, result, ["readonly"]);
});

test("the Java client with canBeReadOnly on a member whose peers are paused: read-only, then read-write", {
  skip: javaUnavailableReason(curatorJars) ?? false,
  timeout: 180_000,
}, async (t) => {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    tickTimeMs,
    env: readOnlyFlags,
    logLevel: "info",
  });
  let result: ProgramResult;
  try {
    result = await partitionScenario(corralTarget(ensemble, "pause"), (address, during, heal) =>
      runJavaProgram(
        "CuratorEnsemble.java",
        curatorJars,
        ["readonly", address, during ? "during" : "-"],
        120_000,
        async () => heal(),
      ),
    );
  } finally {
    await ensemble.stop();
  }
  await reportChecks(t, result, ["readonly"]);
});

/** A real ZooKeeper 3.8 ensemble with read-only mode on, as its admin guide sets it up. */
async function withZooKeeper(
  run: (target: Partitionable) => Promise<ProgramResult>,
): Promise<ProgramResult> {
  const zk = await RealZooKeeperEnsemble.start({
    tickTimeMs,
    jvmOptions: [...quickStartJvmOptions, "-Dreadonlymode.enabled=true"],
    // ZooKeeper 3.7+ serves read-only sessions only as local sessions (server/read-only.ts).
    extraConfig: ["localSessionsEnabled=true"],
  });
  const paused: number[] = [];
  try {
    return await run({
      members: zk.members,
      port: (id) => zk.port(id),
      address: (id) => zk.address(id),
      keepsQuorum: false,
      waitForLeader: () => zk.waitForLeader(),
      isolate: async (id) => {
        for (const other of zk.members) {
          if (other === id) continue;
          zk.pause(other);
          paused.push(other);
        }
      },
      heal: async () => {
        for (const id of paused.splice(0)) zk.resume(id);
      },
    });
  } finally {
    for (const id of paused) zk.resume(id);
    await zk.stop();
  }
}

const zooKeeperSkip = realZooKeeperAvailable() ? undefined : "the real ZooKeeper is not installed";

test("reference: the same kazoo program against a real ZooKeeper 3.8 ensemble", {
  skip: kazooMissing() ?? zooKeeperSkip ?? false,
  timeout: 240_000,
}, async (t) => {
  const result = await withZooKeeper((target) => partitionScenario(target, kazooProgram(t)));
  await reportChecks(t, result, ["readonly"]);
});

test("reference: the same Java program against a real ZooKeeper 3.8 ensemble", {
  skip: javaUnavailableReason(curatorJars) ?? zooKeeperSkip ?? false,
  timeout: 240_000,
}, async (t) => {
  const result = await withZooKeeper((target) => partitionScenario(target, javaProgram));
  await reportChecks(t, result, ["readonly"]);
});
