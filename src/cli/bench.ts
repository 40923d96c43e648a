// `corral bench`: measures a ZooKeeper-protocol server (Corral or Apache ZooKeeper, the same
// command for both, so numbers compare) with the load in load.ts, and prints one line per
// workload: throughput and latency percentiles. `--json` prints the results as JSON for
// scripts (bench/compare.ts runs it against both servers side by side).
import type { Command } from "commander";
import { Load, type WorkloadName, type WorkloadResult, workloadNames } from "./load.js";

interface BenchCliOptions {
  server: string;
  workloads: string;
  clients: string;
  outstanding: string;
  duration: string;
  warmup: string;
  size: string;
  keys: string;
  json?: boolean;
  spread?: boolean;
}

function positive(name: string, text: string, zeroOk = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) {
    throw new Error(
      `${name} wants a ${zeroOk ? "non-negative" : "positive"} number, got "${text}"`,
    );
  }
  return n;
}

export function parseWorkloads(text: string): WorkloadName[] {
  if (text === "all") return [...workloadNames];
  const out: WorkloadName[] = [];
  for (const name of text.split(",")) {
    if (!(workloadNames as readonly string[]).includes(name)) {
      throw new Error(
        `--workloads: unknown "${name}" (one of ${workloadNames.join(", ")}, or all)`,
      );
    }
    out.push(name as WorkloadName);
  }
  return out;
}

export function formatResult(r: WorkloadResult): string {
  const l = r.latencyMs;
  const ms = (x: number) => x.toFixed(2).padStart(7);
  return (
    `${r.workload.padEnd(7)} ${Math.round(r.opsPerSecond).toString().padStart(8)} ops/s` +
    `  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)} ms` +
    `  (${r.ops} ops${r.errors > 0 ? `, ${r.errors} errors` : ""})`
  );
}

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description(
      "measure a ZooKeeper-protocol server (Corral or ZooKeeper) under a closed-loop load",
    )
    .option("--server <hosts>", "connect string", "127.0.0.1:2181")
    .option("--workloads <list>", `comma-separated, of ${workloadNames.join(", ")}, or all`, "all")
    .option("--clients <n>", "connections, each its own session", "8")
    .option("--outstanding <n>", "requests each connection keeps in flight", "64")
    .option("--duration <s>", "measured seconds per workload", "5")
    .option("--warmup <s>", "unmeasured seconds before each workload", "1")
    .option("--size <bytes>", "data bytes per node written", "100")
    .option("--keys <n>", "nodes that get, exists, set and mixed spread over", "1000")
    .option("--spread", "spread the clients evenly over the connect string's members")
    .option("--json", "print the results as JSON")
    .action(async (opts: BenchCliOptions) => {
      const workloads = parseWorkloads(opts.workloads);
      const load = new Load({
        connectString: opts.server,
        clients: Math.floor(positive("--clients", opts.clients)),
        outstanding: Math.floor(positive("--outstanding", opts.outstanding)),
        durationMs: positive("--duration", opts.duration) * 1000,
        warmupMs: positive("--warmup", opts.warmup, true) * 1000,
        dataBytes: Math.floor(positive("--size", opts.size, true)),
        keys: Math.floor(positive("--keys", opts.keys)),
        spreadHosts: opts.spread === true,
      });
      const results: WorkloadResult[] = [];
      await load.open();
      try {
        for (const w of workloads) {
          const r = await load.run(w);
          results.push(r);
          if (opts.json !== true) console.log(formatResult(r));
        }
      } finally {
        await load.close();
      }
      if (opts.json === true) console.log(JSON.stringify(results));
    });
}
