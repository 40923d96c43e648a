// Proves that kazoo's `client.reconfig` and Curator's `reconfig()` work unchanged against a
// Corral ensemble under load: the client's writers create nodes continuously while the
// program adds a 4th and a 5th member (the
// test starts each joiner, with an empty data directory and a zoo.cfg listing the running
// members and itself, when the program asks) and then removes two, the leader among them. The
// program checks the new configurations, a stale fromConfig (BadVersion), that every
// acknowledged create is there, and that no session was lost (kazoo_ensemble.py and
// CuratorEnsemble.java, mode reconfig).
import { test } from "node:test";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { runEnsembleScenario } from "./ensemble-control.js";
import { curatorJars, javaUnavailableReason, runJavaProgram } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { runProgram } from "./scenario-program.js";

const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="; // super:test

/** The test's side of the conversation: start joiners, name the leader, wait for one. */
function reconfigAnswers(ensemble: CorralEnsemble, log: (line: string) => void) {
  return async (request: Record<string, unknown>): Promise<unknown> => {
    switch (request.await) {
      case "join": {
        const id = Number(request.id);
        await ensemble.startJoiner(id, request.members as number[]);
        log(`started joiner ${id}`);
        return { line: ensemble.serverLine(id) };
      }
      case "leader":
        return { id: await ensemble.waitForLeader() };
      case "settled": {
        const kept = request.members as number[];
        const deadline = performance.now() + 20000;
        for (;;) {
          const modes = await Promise.all(kept.map((id) => ensemble.mode(id)));
          if (modes.filter((m) => m === "leader").length === 1) {
            log(`leader among ${kept.join(",")}`);
            return {};
          }
          if (performance.now() > deadline) return { error: `modes ${modes.join(",")}` };
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      default:
        return { error: `unknown request ${String(request.await)}` };
    }
  };
}

async function startEnsemble(): Promise<CorralEnsemble> {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    tickTimeMs: 500,
    extraConfig: [
      "reconfigEnabled=true",
      `DigestAuthenticationProvider.superDigest=${superDigest}`,
    ],
    logLevel: "warn",
  });
  await ensemble.waitForLeader();
  return ensemble;
}

test("kazoo's reconfig grows a 3-member ensemble to 5 and removes 2 under load", {
  skip: kazooMissing() ?? false,
}, async (t) => {
  const ensemble = await startEnsemble();
  await runEnsembleScenario(
    t,
    ensemble,
    (log) =>
      runProgram(python, [scenarioFile("kazoo_ensemble.py"), "reconfig", ensemble.connectString], {
        timeoutMs: 120_000,
        onAwait: reconfigAnswers(ensemble, log),
      }),
    ["reconfig"],
  );
});

test("Curator's reconfig() grows a 3-member ensemble to 5 and removes 2 under load", {
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
        ["reconfig", ensemble.connectString],
        120_000,
        reconfigAnswers(ensemble, log),
      ),
    ["reconfig"],
  );
});
