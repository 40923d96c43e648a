// Longer fault runs by hand (not part of `npm test`): several seeds, minutes each, one
// line of figures per seed and a verdict; a failing seed's history is saved for study.
//
//   node dist/test/fault/run-fault.js --cluster standalone --seeds 1..3 --duration 60000
//   node dist/test/fault/run-fault.js --seeds 4 --out /tmp/fault   # keep every history
//   node dist/test/fault/run-fault.js --check fault-history-seed-4.json   # check one again
//
// Exits 1 when any seed fails. Clusters are chosen by name from `launchers`; an ensemble
// launcher is added there (docs/fault-testing.md).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checkFaultHistory, describeVerdict, FaultHistory } from "./history.js";
import { type FaultCluster, planFaults, runNemesis } from "./nemesis.js";
import { StandaloneCluster } from "./standalone-cluster.js";
import { Workload } from "./workload.js";

export interface LaunchedCluster extends FaultCluster {
  stop(): Promise<void>;
}

const launchers: Record<string, () => Promise<LaunchedCluster>> = {
  standalone: () => StandaloneCluster.start({ tickTimeMs: 200 }),
};

function parseSeeds(text: string): number[] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text);
  if (m === null) throw new Error(`--seeds wants N or A..B, not ${text}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

async function runSeed(
  launch: () => Promise<LaunchedCluster>,
  seed: number,
  durationMs: number,
  sessionTimeoutMs: number,
): Promise<{ history: FaultHistory; verdict: ReturnType<typeof checkFaultHistory> }> {
  const cluster = await launch();
  const history = new FaultHistory();
  const workload = new Workload(
    {
      connectString: cluster.connectString,
      durationMs,
      seed,
      registerClients: 5,
      registerKeys: 5,
      setClients: 2,
      ephemeralClients: 3,
      sessionTimeoutMs,
      requestTimeoutMs: 1000,
    },
    history,
  );
  try {
    await workload.setup();
    const plan = planFaults(seed, {
      members: cluster.members,
      canCutLinks: cluster.canCutLinks,
      windowMs: durationMs - 1000,
      faultsMax: Math.ceil(durationMs / 2000),
      // Some faults outlast the session timeout, so sessions also expire.
      faultMsMax: 2 * sessionTimeoutMs,
    });
    await Promise.all([workload.run(), runNemesis(cluster, plan, history)]);
    await workload.finish();
    return { history, verdict: checkFaultHistory(history) };
  } finally {
    await workload.close();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cluster: { type: "string", default: "standalone" },
      seeds: { type: "string", default: "1..3" },
      duration: { type: "string", default: "60000" },
      "session-timeout": { type: "string", default: "4000" },
      out: { type: "string" },
      check: { type: "string" },
    },
  });
  if (values.check !== undefined) {
    const history = FaultHistory.load(values.check);
    const verdict = checkFaultHistory(history);
    console.log(describeVerdict(verdict, history));
    process.exitCode = verdict.ok ? 0 : 1;
    return;
  }
  const launch = launchers[values.cluster];
  if (launch === undefined) throw new Error(`unknown cluster ${values.cluster}`);
  const durationMs = Number(values.duration);
  const sessionTimeoutMs = Number(values["session-timeout"]);
  if (values.out !== undefined) mkdirSync(values.out, { recursive: true });
  let failed = 0;
  for (const seed of parseSeeds(values.seeds)) {
    const { history, verdict } = await runSeed(launch, seed, durationMs, sessionTimeoutMs);
    const f = verdict.figures;
    const sum = (prefix: string): number =>
      Object.entries(f).reduce((n, [k, v]) => (k.startsWith(prefix) ? n + v : n), 0);
    console.log(
      [
        `seed ${seed}: ${verdict.ok ? "ok" : "FAILED"}`,
        `register ops ${sum("register.")} (${f["register.cas.written"] ?? 0} CAS ok, ${f["register.cas.badVersion"] ?? 0} BadVersion, ${(f["register.cas.indeterminate"] ?? 0) + (f["register.write.indeterminate"] ?? 0)} writes in doubt)`,
        `creates ${verdict.set.acknowledged} acked / ${verdict.set.indeterminatePresent + verdict.set.indeterminateAbsent} in doubt`,
        `ephemerals ${verdict.ephemerals.mustBePresent} kept / ${verdict.ephemerals.goneWithSession} gone with their session`,
        `sessions ${f["session.alive"] ?? 0} alive, ${f["session.closed"] ?? 0} closed, ${f["session.expired"] ?? 0} expired, ${f["session.unknown"] ?? 0} unknown`,
        `faults ${history.nemesis.filter((e) => ["kill", "pause", "partition", "one-way"].includes(e.action)).length}`,
        `check ${verdict.checkMs.toFixed(0)} ms`,
      ].join("; "),
    );
    if (!verdict.ok) {
      failed++;
      console.log(describeVerdict(verdict, history));
    }
    if (values.out !== undefined || !verdict.ok) {
      const path = join(values.out ?? ".", `fault-history-seed-${seed}.json`);
      history.save(path);
      console.log(`history saved to ${path}`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
