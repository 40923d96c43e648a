// The arithmetic of bench/admin-overhead.ts, kept apart from its processes so that it can be
// tested: the command line, a process's CPU time from /proc/<pid>/stat, the order of the
// rounds, and the summary of the pairs (ratios B/A, their medians, overheads in percent) in
// text and JSON. Nothing here starts a process or reads a clock.
import { type WorkloadName, workloadNames } from "../src/cli/load.js";

export interface OverheadOptions {
  /** Pairs of rounds, one without and one with the dashboard and scrape. */
  pairs: number;
  /** Measured seconds of `corral bench` per round. */
  durationS: number;
  warmupS: number;
  workload: WorkloadName;
  clients: number;
  outstanding: number;
  /** The dashboard's tab during condition B (the tree is browsed first either way). */
  view: "overview" | "tree";
  json: boolean;
}

export const overheadDefaults: OverheadOptions = {
  pairs: 6,
  durationS: 15,
  warmupS: 2,
  workload: "mixed",
  clients: 8,
  outstanding: 64,
  view: "overview",
  json: false,
};

export const overheadUsage =
  "usage: npm run bench:admin-overhead -- [--rounds PAIRS] [--duration S] [--warmup S]\n" +
  `       [--workload ${workloadNames.filter((w) => w !== "delete").join("|")}]` +
  " [--clients N] [--outstanding N] [--view overview|tree] [--json]";

function count(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1) {
    throw new Error(`${name} wants a positive integer, got "${text ?? ""}"`);
  }
  return n;
}

function seconds(name: string, text: string | undefined, zeroOk: boolean): number {
  const n = Number(text);
  if (text === undefined || text === "" || !Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) {
    throw new Error(`${name} wants a ${zeroOk ? "non-negative" : "positive"} number of seconds`);
  }
  return n;
}

/** Parses the command line (without node and the script); throws with the reason on nonsense. */
export function parseOverheadOptions(args: readonly string[]): OverheadOptions {
  const o: OverheadOptions = { ...overheadDefaults };
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    if (name === "--json") {
      o.json = true;
      continue;
    }
    const value = args[++i];
    switch (name) {
      case "--rounds":
        o.pairs = count(name, value);
        break;
      case "--duration":
        o.durationS = seconds(name, value, false);
        break;
      case "--warmup":
        o.warmupS = seconds(name, value, true);
        break;
      case "--clients":
        o.clients = count(name, value);
        break;
      case "--outstanding":
        o.outstanding = count(name, value);
        break;
      case "--view":
        if (value !== "overview" && value !== "tree") {
          throw new Error(`--view wants overview or tree, got "${value ?? ""}"`);
        }
        o.view = value;
        break;
      case "--workload":
        // delete runs only until create's nodes are gone: no steady load to measure under.
        if (value === "delete" || !(workloadNames as readonly string[]).includes(value ?? "")) {
          throw new Error(`--workload: "${value ?? ""}" is not a steady workload`);
        }
        o.workload = value as WorkloadName;
        break;
      default:
        throw new Error(`unknown option "${name}"`);
    }
  }
  return o;
}

/**
 * User plus system CPU time of a process in clock ticks, from the text of /proc/<pid>/stat
 * (fields 14 and 15, all its threads), and its parent's pid (field 4). The command name in
 * field 2 may hold spaces and parentheses, so fields are counted from the last ")".
 */
export function parseProcStat(text: string): { ppid: number; cpuTicks: number } {
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state).
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (close < 0 || !Number.isInteger(ppid) || !Number.isInteger(utime + stime)) {
    throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return { ppid, cpuTicks: utime + stime };
}

export type Condition = "A" | "B";

/** Pair i runs A then B when i is even, B then A when odd, so drift falls on both alike. */
export function pairOrder(pair: number): [Condition, Condition] {
  return pair % 2 === 0 ? ["A", "B"] : ["B", "A"];
}

/** One round's figures. */
export interface RoundFigures {
  condition: Condition;
  opsPerSecond: number;
  ops: number;
  errors: number;
  p99Ms: number;
  /** Wall time the `corral bench` process ran (setup, warm-up, measure, cleanup). */
  wallSeconds: number;
  /** The server's CPU time over that wall time. */
  serverCpuSeconds: number;
  /** Client requests the server received over that time (its packets_received). */
  serverRequests: number;
  /** Condition B: the browser's processes' CPU time over that wall time. */
  browserCpuSeconds: number | null;
  /** Condition B: scrapes made, failed, and the slowest one's milliseconds. */
  scrapes: number | null;
  scrapeFailures: number | null;
  scrapeMsMax: number | null;
  /** Condition B: the dashboard's /api/status polls answered. */
  polls: number | null;
}

export interface PairFigures {
  order: string;
  a: RoundFigures;
  b: RoundFigures;
  /** B's throughput over A's. */
  throughputRatio: number;
  /** B's server CPU microseconds per request over A's. */
  cpuPerRequestRatio: number;
}

export interface OverheadSummary {
  cores: number;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  workload: string;
  clients: number;
  outstanding: number;
  durationS: number;
  view: string;
  pairs: PairFigures[];
  medianThroughputRatio: number;
  /** (1 - median ratio) x 100: what the dashboard and scrape cost in throughput. */
  throughputOverheadPercent: number;
  medianCpuPerRequestRatio: number;
  /** (median ratio - 1) x 100: what they cost in the server's CPU per request. */
  cpuOverheadPercent: number;
  medianOpsPerSecondA: number;
  medianOpsPerSecondB: number;
  medianCpuUsPerRequestA: number;
  medianCpuUsPerRequestB: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function cpuUsPerRequest(r: RoundFigures): number {
  return r.serverRequests > 0 ? (r.serverCpuSeconds * 1e6) / r.serverRequests : Number.NaN;
}

export function pairFigures(order: string, a: RoundFigures, b: RoundFigures): PairFigures {
  return {
    order,
    a,
    b,
    throughputRatio: b.opsPerSecond / a.opsPerSecond,
    cpuPerRequestRatio: cpuUsPerRequest(b) / cpuUsPerRequest(a),
  };
}

export function summarise(
  run: Omit<
    OverheadSummary,
    | "medianThroughputRatio"
    | "throughputOverheadPercent"
    | "medianCpuPerRequestRatio"
    | "cpuOverheadPercent"
    | "medianOpsPerSecondA"
    | "medianOpsPerSecondB"
    | "medianCpuUsPerRequestA"
    | "medianCpuUsPerRequestB"
  >,
): OverheadSummary {
  const throughput = median(run.pairs.map((p) => p.throughputRatio));
  const cpu = median(run.pairs.map((p) => p.cpuPerRequestRatio));
  return {
    ...run,
    medianThroughputRatio: throughput,
    throughputOverheadPercent: (1 - throughput) * 100,
    medianCpuPerRequestRatio: cpu,
    cpuOverheadPercent: (cpu - 1) * 100,
    medianOpsPerSecondA: median(run.pairs.map((p) => p.a.opsPerSecond)),
    medianOpsPerSecondB: median(run.pairs.map((p) => p.b.opsPerSecond)),
    medianCpuUsPerRequestA: median(run.pairs.map((p) => cpuUsPerRequest(p.a))),
    medianCpuUsPerRequestB: median(run.pairs.map((p) => cpuUsPerRequest(p.b))),
  };
}

/** The client load under which issue 14 asks for the cost. */
export const loadOpsPerSecondMin = 10_000;

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const loads = (l: number[]): string => l.map((x) => x.toFixed(2)).join(" ");

/** The summary as the table a person reads. */
export function formatSummary(s: OverheadSummary): string {
  const lines = [
    `${s.cores} cores, load average ${loads(s.loadAverageStart)} at start, ${loads(s.loadAverageEnd)} at end`,
    `corral bench --workloads ${s.workload} --clients ${s.clients} --outstanding ${s.outstanding} --duration ${s.durationS}`,
    `A: nothing else; B: the dashboard open in headless chromium (${s.view} shown) and a /metrics scrape every second`,
    "",
    "pair order   A ops/s   B ops/s  B/A    A cpu us/req  B cpu us/req  B/A    B: browser cores  scrapes  polls",
  ];
  s.pairs.forEach((p, i) => {
    const wall = p.b.wallSeconds;
    lines.push(
      [
        String(i + 1).padStart(4),
        p.order.padStart(5),
        Math.round(p.a.opsPerSecond).toString().padStart(9),
        Math.round(p.b.opsPerSecond).toString().padStart(9),
        fixed(p.throughputRatio, 3).padStart(6),
        fixed(cpuUsPerRequest(p.a), 2).padStart(14),
        fixed(cpuUsPerRequest(p.b), 2).padStart(13),
        fixed(p.cpuPerRequestRatio, 3).padStart(6),
        fixed((p.b.browserCpuSeconds ?? Number.NaN) / wall, 2).padStart(18),
        `${p.b.scrapes ?? 0}${p.b.scrapeFailures ? ` (${p.b.scrapeFailures} failed)` : ""}`.padStart(
          8,
        ),
        String(p.b.polls ?? 0).padStart(6),
      ].join(" "),
    );
  });
  lines.push(
    "",
    `throughput: median ${Math.round(s.medianOpsPerSecondA)} ops/s without, ${Math.round(s.medianOpsPerSecondB)} ops/s with;` +
      ` median ratio B/A ${fixed(s.medianThroughputRatio, 4)}: overhead ${fixed(s.throughputOverheadPercent, 2)}%`,
    `server CPU per request: median ${fixed(s.medianCpuUsPerRequestA, 2)} us without, ${fixed(s.medianCpuUsPerRequestB, 2)} us with;` +
      ` median ratio B/A ${fixed(s.medianCpuPerRequestRatio, 4)}: overhead ${fixed(s.cpuOverheadPercent, 2)}%`,
    s.medianOpsPerSecondA >= loadOpsPerSecondMin
      ? `the load reached at least ${loadOpsPerSecondMin} ops/s, as issue 14 asks`
      : `the load stayed below the ${loadOpsPerSecondMin} ops/s issue 14 asks for: more --clients or --outstanding, or a quieter machine`,
  );
  return lines.join("\n");
}
