// Proves that a Corral ensemble of 3 and of 5 processes keeps its clients' histories correct
// under a seeded nemesis: members killed with SIGKILL (and restarted on their data), paused
// with SIGSTOP/SIGCONT, links between members cut both ways and one way (every member link
// goes through a fault-injecting relay). Register clients (CAS with setData version), a
// sequential-create set and ephemeral sessions run meanwhile; afterwards the register
// history must be linearizable, every acknowledged create present exactly once and no
// ephemeral of a live session lost. The run must also show that the faults bit (operations
// in doubt) and that every kind of operation was acknowledged, so an idle run cannot pass.
// CORRAL_FAULT_SEED=<n> replays another schedule; the seed is printed on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { checkFaultHistory, describeVerdict, FaultHistory } from "./history.js";
import { planFaults, runNemesis } from "./nemesis.js";
import { Workload } from "./workload.js";

const seed = Number(process.env.CORRAL_FAULT_SEED ?? 11);
const durationMs = Number(process.env.CORRAL_FAULT_MS ?? 12_000);

const sizes = process.env.CORRAL_FAULT_MEMBERS
  ? process.env.CORRAL_FAULT_MEMBERS.split(",").map(Number)
  : [3, 5];

for (const members of sizes) {
  test(`a ${members}-member ensemble under kills, pauses and cut links keeps its histories correct (seed ${seed})`, async (t) => {
    const cluster = await CorralEnsemble.start({
      members,
      tickTimeMs: 200,
      relays: true,
      logLevel: "info",
    });
    const history = new FaultHistory();
    const workload = new Workload(
      {
        connectString: cluster.connectString,
        durationMs,
        seed: seed + members,
        registerClients: 4,
        registerKeys: 3,
        setClients: 2,
        ephemeralClients: 3,
        sessionTimeoutMs: 4000,
        requestTimeoutMs: 2000,
        settleTimeoutMs: 30_000,
      },
      history,
    );
    try {
      await cluster.waitForLeader();
      await workload.setup();
      const plan = planFaults(seed + members, {
        members: cluster.members,
        canCutLinks: cluster.canCutLinks,
        windowMs: durationMs - 1500,
        faultsMax: 8,
        faultMsMin: 500,
        faultMsMax: 2500,
        gapMsMin: 500,
        gapMsMax: 1500,
      });
      await Promise.all([workload.run(), runNemesis(cluster, plan, history)]);
      await workload.finish();
      const verdict = checkFaultHistory(history);
      const report = `seed ${seed}, ${members} members\n${describeVerdict(verdict, history)}\nnemesis: ${JSON.stringify(history.nemesis)}`;
      t.diagnostic(report);
      try {
        assert.ok(verdict.ok, report);
        const f = verdict.figures;
        assert.ok((f["register.cas.written"] ?? 0) > 20, `CAS writes acknowledged\n${report}`);
        assert.ok((f["register.read.read"] ?? 0) > 20, `reads acknowledged\n${report}`);
        assert.ok(verdict.set.acknowledged > 20, `creates acknowledged\n${report}`);
        // Ephemerals of live sessions were checked, unless a fault outlasted the session
        // timeout (a majority killed for seconds) and every ephemeral session expired.
        assert.ok(
          verdict.ephemerals.mustBePresent > 0 || (f["session.expired"] ?? 0) > 0,
          `ephemerals of live sessions\n${report}`,
        );
      } catch (err) {
        for (const id of cluster.members) {
          process.stderr.write(`--- member ${id}:\n${cluster.logs(id).slice(-6000)}\n`);
        }
        throw err;
      }
    } finally {
      await workload.close();
      await cluster.stop();
    }
  });
}
