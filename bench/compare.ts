// Side by side: the same `corral bench` load against Apache ZooKeeper (Debian's package, as
// installed by scripts/install-interop.sh) and against Corral's standalone server on this
// machine, each on a free loopback port with a fresh data directory, then one table.
// ZooKeeper runs with its default JIT and a 1 GiB heap (not the tests' quick-start JVM
// settings); both fsync every write before acknowledging it (ZooKeeper's forceSync=yes).
// With --rounds N the two alternate N times, each round on fresh servers, and the table shows
// each workload's median, so drift in the machine's load hits both alike.
// Usage: npm run bench:compare -- [--rounds N] [corral bench options, e.g. --duration 10]
import { execFileSync } from "node:child_process";
import type { WorkloadResult } from "../src/cli/load.js";
import { corralMain, startCorralServer } from "../test/support/corral-server.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../test/support/real-zookeeper.js";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt < 0 ? 1 : Number(args[roundsAt + 1]);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("--rounds wants a positive integer");
  process.exit(1);
}
const passThrough = roundsAt < 0 ? args : [...args.slice(0, roundsAt), ...args.slice(roundsAt + 2)];

function bench(connectString: string): WorkloadResult[] {
  const out = execFileSync(
    process.execPath,
    [corralMain, "bench", "--server", connectString, "--json", ...passThrough],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as WorkloadResult[];
}

async function measure(
  name: string,
  start: () => Promise<{ connectString: string; stop(): Promise<void> }>,
): Promise<WorkloadResult[]> {
  const server = await start();
  try {
    console.error(`measuring ${name} at ${server.connectString}...`);
    return bench(server.connectString);
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
  zookeeperRuns.push(
    await measure("ZooKeeper", () => startRealZooKeeper({ jvmOptions: ["-Xmx1g", "-Xms1g"] })),
  );
  corralRuns.push(await measure("Corral", () => startCorralServer({ logLevel: "warn" })));
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
