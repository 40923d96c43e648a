// Read scaling with observers: the same read-only `corral bench` load (getData on random keys)
// against a Corral ensemble of 3 voters with 0, 1 and 2 observers, one process per member on
// this machine, the clients spread evenly over every member of the connect string
// (`--spread`). The three layouts alternate round by round, each round on fresh processes, so
// drift in the machine's load hits them alike; the table shows each layout's median (with an
// even number of rounds, the upper of the middle two) beside every round's figure, and its
// ratio to the 3-voter median, with the machine's core count, because members, observers and
// the load generator all share those cores.
// Usage: npm run bench:observers -- [--rounds N] [corral bench options, e.g. --duration 5]
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import type { WorkloadResult } from "../src/cli/load.js";
import { CorralEnsemble } from "../test/support/corral-ensemble.js";
import { corralMain } from "../test/support/corral-server.js";

const args = process.argv.slice(2);
const at = args.indexOf("--rounds");
const rounds = at < 0 ? 2 : Number(args.splice(at, 2)[1]);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("--rounds wants a positive integer");
  process.exit(1);
}
const layouts = [0, 1, 2];

async function measure(observers: number): Promise<WorkloadResult> {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    observers,
    tickTimeMs: 2000,
    logLevel: "warn",
  });
  try {
    await ensemble.waitForLeader();
    const out = execFileSync(
      process.execPath,
      [
        corralMain,
        "bench",
        "--server",
        ensemble.connectString,
        "--workloads",
        "get",
        "--spread",
        "--json",
        ...args,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
    );
    const [result] = JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as WorkloadResult[];
    console.error(
      `  3 voters + ${observers} observers: ${Math.round(result.opsPerSecond)}/s p99 ${result.latencyMs.p99.toFixed(2)} ms`,
    );
    return result;
  } finally {
    await ensemble.stop();
  }
}

const runs = new Map<number, WorkloadResult[]>(layouts.map((n) => [n, []]));
for (let round = 1; round <= rounds; round++) {
  console.error(`round ${round} of ${rounds}`);
  for (const observers of layouts) runs.get(observers)!.push(await measure(observers));
}

function median(results: WorkloadResult[]): WorkloadResult {
  const sorted = [...results].sort((x, y) => x.opsPerSecond - y.opsPerSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

const base = median(runs.get(0)!).opsPerSecond;
console.log(
  `read-only get load, clients spread over every member, ${availableParallelism()} cores`,
);
console.log(
  ["members", "get/s", "ratio", "p99 ms", "rounds' figures"]
    .map((c, i) => (i === 0 ? c.padEnd(22) : c.padStart(i === 4 ? 20 : 12)))
    .join("  "),
);
for (const observers of layouts) {
  const all = runs.get(observers)!;
  const m = median(all);
  console.log(
    [
      `3 voters + ${observers} observers`,
      `${Math.round(m.opsPerSecond)}`,
      `${(m.opsPerSecond / base).toFixed(2)}x`,
      m.latencyMs.p99.toFixed(2),
      all.map((r) => Math.round(r.opsPerSecond)).join("/"),
    ]
      .map((c, i) => (i === 0 ? c.padEnd(22) : c.padStart(i === 4 ? 20 : 12)))
      .join("  "),
  );
}
