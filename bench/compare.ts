// Side by side: the same `corral bench` load against Apache ZooKeeper (Debian's package, as
// installed by scripts/install-interop.sh) and against Corral's standalone server on this
// machine, each on a free loopback port with a fresh data directory, then one table.
// ZooKeeper runs with its default JIT and a 1 GiB heap (not the tests' quick-start JVM
// settings); both fsync every write before acknowledging it (ZooKeeper's forceSync=yes).
// With --rounds N the two alternate N times, each round on fresh servers, and the table shows
// each workload's median, so drift in the machine's load hits both alike.
// With --ensemble N (N odd, at least 3) both run as N-member ensembles on this machine, one
// process per member (ZooKeeper's JVMs at full JIT with a 512 MiB heap each), and the load
// goes through an N-host connect string, each client session to a member of its choosing.
// Usage: npm run bench:compare -- [--rounds N] [--ensemble N] [corral bench options, e.g.
// --duration 10]
import { execFileSync } from "node:child_process";
import type { WorkloadResult } from "../src/cli/load.js";
import { CorralEnsemble } from "../test/support/corral-ensemble.js";
import { corralMain, startCorralServer } from "../test/support/corral-server.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../test/support/real-zookeeper.js";
import {
  fullJitJvmOptions,
  RealZooKeeperEnsemble,
} from "../test/support/real-zookeeper-ensemble.js";

/** Removes `--name value` from `args` and returns the value, or null when absent. */
function takeOption(args: string[], name: string): string | null {
  const at = args.indexOf(name);
  if (at < 0) return null;
  const value = args[at + 1] ?? "";
  args.splice(at, 2);
  return value;
}

const passThrough = process.argv.slice(2);
const roundsText = takeOption(passThrough, "--rounds");
const rounds = roundsText === null ? 1 : Number(roundsText);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("--rounds wants a positive integer");
  process.exit(1);
}
const ensembleText = takeOption(passThrough, "--ensemble");
const members = ensembleText === null ? 1 : Number(ensembleText);
if (!Number.isInteger(members) || members < 1 || (members > 1 && members % 2 === 0)) {
  console.error("--ensemble wants an odd number of members (1 for standalone, 3, 5...)");
  process.exit(1);
}

function bench(connectString: string): WorkloadResult[] {
  const out = execFileSync(
    process.execPath,
    [corralMain, "bench", "--server", connectString, "--json", ...passThrough],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as WorkloadResult[];
}

interface Target {
  connectString: string;
  stop(): Promise<void>;
}

async function measure(name: string, start: () => Promise<Target>): Promise<WorkloadResult[]> {
  const server = await start();
  try {
    console.error(`measuring ${name} at ${server.connectString}...`);
    const results = bench(server.connectString);
    // Each round's figures, so that the spread behind the medians is on record.
    for (const r of results) {
      console.error(
        `  ${name} ${r.workload}: ${Math.round(r.opsPerSecond)}/s p99 ${r.latencyMs.p99.toFixed(2)} ms`,
      );
    }
    return results;
  } finally {
    await server.stop();
  }
}

if (!realZooKeeperAvailable()) {
  console.error("real ZooKeeper is not installed: run scripts/install-interop.sh first");
  process.exit(1);
}
const zookeeperRuns: WorkloadResult[][] = [];
const corralRuns: WorkloadResult[][] = [];
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) console.error(`round ${round} of ${rounds}`);
  zookeeperRuns.push(await measure("ZooKeeper", startZooKeeper));
  corralRuns.push(await measure("Corral", startCorral));
}

function startZooKeeper(): Promise<Target> {
  if (members === 1) return startRealZooKeeper({ jvmOptions: ["-Xmx1g", "-Xms1g"] });
  return RealZooKeeperEnsemble.start({ members, jvmOptions: fullJitJvmOptions });
}

async function startCorral(): Promise<Target> {
  if (members === 1) return startCorralServer({ logLevel: "warn" });
  // ZooKeeper's default tick, as the ZooKeeper ensemble has: it bounds session timeouts.
  const ensemble = await CorralEnsemble.start({ members, tickTimeMs: 2000, logLevel: "warn" });
  try {
    await ensemble.waitForLeader();
  } catch (e) {
    await ensemble.stop();
    throw e;
  }
  return ensemble;
}

/** Per workload, the run with the median throughput. */
function medians(runs: WorkloadResult[][]): WorkloadResult[] {
  return runs[0].map((first) => {
    const all = runs
      .map((run) => run.find((r) => r.workload === first.workload))
      .filter((r): r is WorkloadResult => r !== undefined)
      .sort((x, y) => x.opsPerSecond - y.opsPerSecond);
    return all[Math.floor(all.length / 2)];
  });
}
const zookeeper = medians(zookeeperRuns);
const corral = medians(corralRuns);

const row = (cells: string[]) =>
  console.log(cells.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(12))).join(""));
console.log(
  members === 1
    ? "standalone, one server each"
    : `${members}-member ensembles, ${members}-host connect string`,
);
row(["", "ZooKeeper", "Corral", "ratio", "ZK p99 ms", "Corral p99"]);
for (const z of zookeeper) {
  const c = corral.find((r) => r.workload === z.workload);
  if (c === undefined) continue;
  row([
    z.workload,
    `${Math.round(z.opsPerSecond)}/s`,
    `${Math.round(c.opsPerSecond)}/s`,
    `${(c.opsPerSecond / z.opsPerSecond).toFixed(2)}x`,
    z.latencyMs.p99.toFixed(2),
    c.latencyMs.p99.toFixed(2),
  ]);
}
