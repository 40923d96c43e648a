// Proves that real clients given a 3-member connect string keep their session, their watches
// and their ephemerals when the member they are connected to is killed with SIGKILL: kazoo
// and Curator, each with a session on the leader, then one on a follower. The client programs (kazoo_ensemble.py, CuratorEnsemble.java)
// set everything up, then ask the test to kill the member serving their session; the test
// finds it with `cons` and SIGKILLs exactly that process. The programs then check: same
// session id, the ephemeral still there and owned by it, watches set before the kill fired
// by changes another client makes after the reconnect, and no LOST/expired state.
import { test } from "node:test";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { failoverAnswers, runEnsembleScenario } from "./ensemble-control.js";
import { curatorJars, javaUnavailableReason, runJavaProgram } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { runProgram } from "./scenario-program.js";

// tickTime 500 ms: sessions of up to 10 s outlive an election (1-2 s) and a reconnect round,
// and everything stays short.
const tickTimeMs = 500;

async function startEnsemble(): Promise<CorralEnsemble> {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    tickTimeMs,
    extraConfig: ["4lw.commands.whitelist=*"],
    logLevel: "warn",
  });
  await ensemble.waitForLeader();
  return ensemble;
}

test("kazoo keeps its session, watches and ephemeral when its member is SIGKILLed", {
  skip: kazooMissing() ?? false,
}, async (t) => {
  const ensemble = await startEnsemble();
  await runEnsembleScenario(
    t,
    ensemble,
    (log) =>
      runProgram(python, [scenarioFile("kazoo_ensemble.py"), "failover", ensemble.connectString], {
        timeoutMs: 90_000,
        onAwait: failoverAnswers(ensemble, log),
      }),
    ["leader", "follower"],
  );
});

test("Curator keeps its session, watches and ephemeral when its member is SIGKILLed", {
  skip: javaUnavailableReason(curatorJars) ?? false,
}, async (t) => {
  const ensemble = await startEnsemble();
  await runEnsembleScenario(
    t,
    ensemble,
    (log) =>
      runJavaProgram(
        "CuratorEnsemble.java",
        curatorJars,
        ["failover", ensemble.connectString],
        90_000,
        failoverAnswers(ensemble, log),
      ),
    ["leader", "follower"],
  );
});
