// Read scaling with observers: the same read-only `corral bench` load (getData on random keys)
// against a Corral ensemble of 3 voters with 0, 1 and 2 observers, one process per member on
// this machine, the clients spread evenly over every member of the connect string
// (`--spread`). The three layouts alternate round by round, each round on fresh processes, so
// drift in the machine's load hits them alike; the table shows each layout's median (with an
// even number of rounds, the upper of the middle two) beside every round's figure, and its
// ratio to the 3-voter median.
//
// Each member gets a fixed CPU budget (`--member-cores`, 0.1 of a core by default; see
// bench/cpu-cap.ts), as if it ran on its own small machine, because the question is what an
// observer adds and this machine may have fewer cores than members: uncapped, every member and
// the load generator share the same cores and one more member only adds contention. The table
// says how busy the members were against their budgets and in what share of the scheduler's
// periods the kernel throttled them: near 100% and most periods mean the budgets, not the load
// generator, bounded the figure. `--member-cores 0` runs uncapped.
//
// There is no ZooKeeper column: under the same budgets a ZooKeeper 3.8 ensemble gave erratic
// figures (p99 of 0.7-2 s) that measure how throttling stalls a request at each of its pipeline's
// thread hand-offs, not ZooKeeper (docs/ensemble.md). bench:compare is the side-by-side run.
// Usage: npm run bench:observers -- [--rounds N] [--member-cores C] [corral bench options]
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import type { WorkloadResult } from "../src/cli/load.js";
import { CorralEnsemble } from "../test/support/corral-ensemble.js";
import { corralMain } from "../test/support/corral-server.js";
import { CpuCaps } from "./cpu-cap.js";
import { clockTicksPerSecond, processCpuSeconds } from "./process-cpu.js";

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
}
const rounds = option("--rounds", 2);
const memberCores = option("--member-cores", 0.1);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("--rounds wants a positive integer");
  process.exit(1);
}
if (!(memberCores >= 0)) {
  console.error("--member-cores wants a number of cores, 0 for no cap");
  process.exit(1);
}
const opened = memberCores > 0 ? CpuCaps.open() : null;
if (typeof opened === "string") {
  console.error(`cannot cap the members' CPU: ${opened}; run with --member-cores 0 for no cap`);
  process.exit(1);
}
const caps: CpuCaps | null = opened;
// 30 connections split evenly over 3 and 5 members (and 8/8/7/7 over 4), so no layout gives
// one member a larger share of the load; `--clients` overrides it.
if (!args.includes("--clients")) args.push("--clients", "30");
const layouts = [0, 1, 2];
const ticks = clockTicksPerSecond();
/** Seconds of the load that run uncapped before a capped measurement (see measure). */
const warmUncappedSeconds = 10;

interface Measured {
  result: WorkloadResult;
  /** The members' CPU over the whole `corral bench` run, as a share of their budgets. */
  busy: number;
  /** The share of scheduler periods in which the kernel throttled a member (capped runs). */
  throttled: number;
}

async function start(observers: number): Promise<CorralEnsemble> {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    observers,
    tickTimeMs: 2000,
    logLevel: "warn",
  });
  try {
    await ensemble.waitForLeader();
  } catch (e) {
    await ensemble.stop();
    throw e;
  }
  return ensemble;
}

async function measure(observers: number): Promise<Measured> {
  const ensemble = await start(observers);
  try {
    const pids = ensemble.members.map((id) => ensemble.pid(id) as number);
    const load = (extra: string[]): string =>
      execFileSync(
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
          ...extra,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
      );
    if (caps !== null) {
      // The same load first, unmeasured and uncapped, so that each member's JIT compiler has
      // done its work before the budgets apply: V8's compiler threads would otherwise spend
      // the budget of the measured run warming up.
      load(["--duration", `${warmUncappedSeconds}`, "--warmup", "0"]);
      for (const pid of pids) caps.cap(pid, memberCores);
    }
    const cpuBefore = pids.map((pid) => processCpuSeconds(pid, ticks));
    const startMs = performance.now();
    const out = load([]);
    const wallSeconds = (performance.now() - startMs) / 1000;
    const cpuSeconds = pids.reduce(
      (sum, pid, i) => sum + processCpuSeconds(pid, ticks) - cpuBefore[i],
      0,
    );
    const budget = pids.length * (memberCores > 0 ? memberCores : 1) * wallSeconds;
    let throttled = 0;
    if (caps !== null) {
      let periods = 0;
      for (const pid of pids) {
        const s = caps.throttledPeriods(pid);
        periods += s.periods;
        throttled += s.throttled;
      }
      throttled = periods === 0 ? 0 : throttled / periods;
    }
    const [result] = JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as WorkloadResult[];
    console.error(
      `  3 voters + ${observers} observers: ${Math.round(result.opsPerSecond)}/s p99 ${result.latencyMs.p99.toFixed(2)} ms, members ${Math.round((100 * cpuSeconds) / budget)}% busy`,
    );
    return { result, busy: cpuSeconds / budget, throttled };
  } finally {
    await ensemble.stop();
    caps?.release();
  }
}

const runs = new Map<number, Measured[]>(layouts.map((n) => [n, []]));
for (let round = 1; round <= rounds; round++) {
  console.error(`round ${round} of ${rounds}`);
  for (const observers of layouts) runs.get(observers)!.push(await measure(observers));
}

function median(all: Measured[]): Measured {
  const sorted = [...all].sort((x, y) => x.result.opsPerSecond - y.result.opsPerSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

const percent = (share: number): string => `${Math.round(100 * share)}%`;
const budget =
  memberCores > 0 ? `each member capped at ${memberCores} of a core` : "members not capped";
console.log(
  `read-only get load, clients spread over every member, ${budget}, ${availableParallelism()} cores`,
);
const columns = ["members", "get/s", "ratio", "p99 ms", "busy", "throttled", "rounds' figures"];
const row = (cells: string[]): string =>
  cells
    .map((c, i) => (i === 0 ? c.padEnd(22) : c.padStart(i === cells.length - 1 ? 26 : 9)))
    .join("  ");
console.log(row(columns));
const base = median(runs.get(0)!).result.opsPerSecond;
for (const observers of layouts) {
  const all = runs.get(observers)!;
  const m = median(all);
  console.log(
    row([
      `3 voters + ${observers} observers`,
      `${Math.round(m.result.opsPerSecond)}`,
      `${(m.result.opsPerSecond / base).toFixed(2)}x`,
      m.result.latencyMs.p99.toFixed(2),
      percent(m.busy),
      caps === null ? "-" : percent(m.throttled),
      all.map((r) => Math.round(r.result.opsPerSecond)).join("/"),
    ]),
  );
}
