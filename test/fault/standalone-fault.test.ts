// Proves the fault pipeline end to end against a real standalone Corral process: register,
// sequential-create and ephemeral clients run for about ten seconds while a seeded nemesis
// kills the server (SIGKILL, then a restart on the same data directory) and pauses it
// (SIGSTOP/SIGCONT); afterwards the register history is linearizable, every acknowledged
// create is present exactly once, and no ephemeral of a live session is lost. It also
// checks that the faults bit (operations left indeterminate, restarts) and that every kind
// of operation was acknowledged, so a run where nothing happened cannot pass.
// A second, shorter run proves the pipeline has teeth against a real server: a saboteur
// client outside the history overwrites a register, deletes an acknowledged item and
// deletes the live sessions' ephemerals, and each of the three checks reports it.
// CORRAL_FAULT_SEED=<n> replays another schedule; the seed is printed on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { checkFaultHistory, describeVerdict, FaultHistory } from "./history.js";
import { planFaults, runNemesis } from "./nemesis.js";
import { StandaloneCluster } from "./standalone-cluster.js";
import { Workload } from "./workload.js";

const seed = Number(process.env.CORRAL_FAULT_SEED ?? 7);

test(`a standalone server under kill -9 and SIGSTOP keeps its histories correct (seed ${seed})`, async (t) => {
  const cluster = await StandaloneCluster.start({ tickTimeMs: 200 });
  const history = new FaultHistory();
  const workload = new Workload(
    {
      connectString: cluster.connectString,
      durationMs: 10_000,
      seed,
      registerClients: 4,
      registerKeys: 3,
      setClients: 2,
      ephemeralClients: 3,
      sessionTimeoutMs: 4000,
      requestTimeoutMs: 1000,
      settleTimeoutMs: 20_000,
    },
    history,
  );
  try {
    await workload.setup();
    const plan = planFaults(seed, {
      members: cluster.members,
      canCutLinks: cluster.canCutLinks,
      windowMs: 9000,
      faultsMax: 4,
      faultMsMin: 300,
      faultMsMax: 1500,
      gapMsMin: 800,
      gapMsMax: 1500,
    });
    assert.ok(plan.some((f) => f.action === "kill") && plan.some((f) => f.action === "pause"));
    await Promise.all([workload.run(), runNemesis(cluster, plan, history)]);
    await workload.finish();
    const verdict = checkFaultHistory(history);
    const report = `seed ${seed}\n${describeVerdict(verdict, history)}\nnemesis: ${JSON.stringify(history.nemesis)}`;
    t.diagnostic(report);
    assert.ok(verdict.ok, report);
    const f = verdict.figures;
    assert.ok(cluster.restarts >= 1, report);
    assert.ok((f["register.cas.written"] ?? 0) > 20, `CAS writes acknowledged\n${report}`);
    assert.ok((f["register.cas.badVersion"] ?? 0) > 0, `CAS conflicts seen\n${report}`);
    assert.ok((f["register.read.read"] ?? 0) > 20, `reads acknowledged\n${report}`);
    assert.ok(verdict.set.acknowledged > 20, `creates acknowledged\n${report}`);
    assert.ok(verdict.ephemerals.mustBePresent > 0, `ephemerals of live sessions\n${report}`);
    const indeterminate =
      (f["register.cas.indeterminate"] ?? 0) +
      (f["register.write.indeterminate"] ?? 0) +
      (f["set.create.indeterminate"] ?? 0) +
      (f["ephemeral.create.indeterminate"] ?? 0);
    assert.ok(indeterminate > 0, `the faults left operations in doubt\n${report}`);
  } finally {
    await workload.close();
    await cluster.stop();
  }
});

test("the pipeline reports writes made behind its back and nodes deleted behind its back", async () => {
  const cluster = await StandaloneCluster.start({ tickTimeMs: 200 });
  const history = new FaultHistory();
  const workload = new Workload(
    {
      connectString: cluster.connectString,
      durationMs: 2500,
      seed,
      registerClients: 2,
      registerKeys: 1,
      setClients: 1,
      ephemeralClients: 3,
    },
    history,
  );
  const saboteur = await ZooKeeperClient.connect(cluster.connectString);
  try {
    await workload.setup();
    const sabotage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await saboteur.setData("/fault/register/k0", "sabotage", -1);
      const items = await saboteur.getChildren("/fault/set");
      await saboteur.delete(`/fault/set/${items.sort()[0]}`);
    })();
    await Promise.all([workload.run(), sabotage]);
    for (const name of await saboteur.getChildren("/fault/eph")) {
      await saboteur.delete(`/fault/eph/${name}`);
    }
    await workload.finish();
    const verdict = checkFaultHistory(history);
    const report = describeVerdict(verdict, history);
    assert.equal(verdict.ok, false, report);
    assert.equal(verdict.register.verdict, "illegal", report);
    assert.deepEqual(
      verdict.set.violations.map((v) => v.kind),
      ["lost"],
      report,
    );
    const lost = verdict.ephemerals.violations.filter((v) => v.kind === "lost").length;
    assert.ok(lost > 0 && lost === verdict.ephemerals.mustBePresent, report);
  } finally {
    await saboteur.close();
    await workload.close();
    await cluster.stop();
  }
});
