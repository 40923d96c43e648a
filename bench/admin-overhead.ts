// What the admin port costs a member under load (issue 14): the same `corral bench` workload
// against one real `corral server` (standalone, fresh temporary dataDir, free ports, admin
// port on), in rounds of two conditions:
//   A  nothing else;
//   B  the dashboard open in headless chromium (the real page, polling /api/status every
//      second for its live charts, after browsing the znode tree) and a Prometheus-style
//      scrape of /metrics every second (dashboard-viewer.ts, metrics-scraper.ts).
// Rounds come in pairs, A-B then B-A then A-B..., so drift in the machine's load falls on
// both conditions alike, and every figure is a ratio within a pair, then the median over
// pairs. Two figures: throughput (the bench's ops/s, B over A), and the server's CPU time
// per request received (/proc/<pid>/stat over the bench process's whole life, divided by the
// server's own packets_received count), which is steadier on a shared machine because it does
// not depend on how much of the cores the server got. The server, the browser and the load
// generator share this machine's cores, so B's throughput also pays for the browser's own
// CPU; the table shows it.
//
// Usage: npm run bench:admin-overhead -- [--rounds PAIRS] [--duration S] [--warmup S]
//        [--workload mixed] [--clients N] [--outstanding N] [--view overview|tree] [--json]
// The defaults (a 5-second warm-up round, then 6 pairs of 15-second rounds) take about four
// and a half minutes.
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import type { WorkloadResult } from "../src/cli/load.js";
import { type CorralServer, corralMain, startCorralServer } from "../test/support/corral-server.js";
import { DashboardViewer } from "./dashboard-viewer.js";
import { MetricsScraper } from "./metrics-scraper.js";
import {
  type Condition,
  cpuUsPerRequest,
  formatSummary,
  type OverheadOptions,
  overheadUsage,
  type PairFigures,
  pairFigures,
  pairOrder,
  parseOverheadOptions,
  type RoundFigures,
  summarise,
} from "./overhead-figures.js";
import { clockTicksPerSecond, descendantsCpuSeconds, processCpuSeconds } from "./process-cpu.js";

let options: OverheadOptions;
try {
  options = parseOverheadOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${overheadUsage}`);
  process.exit(2);
}

const ticksPerSecond = clockTicksPerSecond();
const loadAverageStart = loadavg();
let server: CorralServer | null = null;
let viewer: DashboardViewer | null = null;
let scraper: MetricsScraper | null = null;
let benchChild: ChildProcess | null = null;
let cleaned: Promise<void> | null = null;

/** Stops every child (load, browser, server) and removes the data directory, once. */
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    if (benchChild !== null && benchChild.exitCode === null) benchChild.kill("SIGTERM");
    await scraper?.stop();
    scraper?.close();
    await viewer?.close().catch(() => {});
    await server?.stop();
  })();
  return cleaned;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** The server's count of client packets received, from the admin port's monitor command. */
function packetsReceived(adminPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: adminPort, path: "/commands/monitor", timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => {
          const n = (JSON.parse(body) as { packets_received?: unknown }).packets_received;
          if (typeof n === "number") resolve(n);
          else reject(new Error(`monitor has no packets_received: ${body.slice(0, 200)}`));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("monitor timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** One `corral bench` process with the run's workload; its result. */
function runBench(connectString: string, durationS: number): Promise<WorkloadResult> {
  const args = [
    corralMain,
    "bench",
    "--server",
    connectString,
    "--workloads",
    options.workload,
    "--clients",
    String(options.clients),
    "--outstanding",
    String(options.outstanding),
    "--duration",
    String(durationS),
    "--warmup",
    String(options.warmupS),
    "--json",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    benchChild = child;
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      benchChild = null;
      if (code !== 0) {
        reject(new Error(`corral bench exited with ${signal ?? code}`));
        return;
      }
      let results: WorkloadResult[];
      try {
        results = JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as WorkloadResult[];
      } catch {
        reject(new Error(`corral bench printed no JSON: ${out.slice(0, 200)}`));
        return;
      }
      const r = results.find((x) => x.workload === options.workload);
      if (r === undefined) reject(new Error(`corral bench printed no ${options.workload} result`));
      else resolve(r);
    });
  });
}

async function round(
  s: CorralServer,
  condition: Condition,
  durationS = options.durationS,
): Promise<RoundFigures> {
  const withAdmin = condition === "B";
  if (withAdmin) {
    await viewer?.open(options.view);
    scraper?.start();
  }
  const serverPid = s.process.pid as number;
  const notBrowser = new Set([serverPid]);
  const requests0 = await packetsReceived(s.adminPort);
  const polls0 = viewer?.polls ?? 0;
  const browser0 = withAdmin ? descendantsCpuSeconds(process.pid, notBrowser, ticksPerSecond) : 0;
  const cpu0 = processCpuSeconds(serverPid, ticksPerSecond);
  const started = performance.now();
  const result = await runBench(s.connectString, durationS);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu1 = processCpuSeconds(serverPid, ticksPerSecond);
  const browser1 = withAdmin ? descendantsCpuSeconds(process.pid, notBrowser, ticksPerSecond) : 0;
  const polls = (viewer?.polls ?? 0) - polls0;
  const requests1 = await packetsReceived(s.adminPort);
  let scrapes: number | null = null;
  let scrapeFailures: number | null = null;
  let scrapeMsMax: number | null = null;
  if (withAdmin && scraper !== null) {
    await scraper.stop();
    await viewer?.closePage();
    scrapes = scraper.scrapes;
    scrapeFailures = scraper.failures;
    scrapeMsMax = scraper.slowestMs;
    if (scraper.failures > 0) console.error(`  a scrape failed: ${scraper.lastError}`);
  }
  return {
    condition,
    opsPerSecond: result.opsPerSecond,
    ops: result.ops,
    errors: result.errors,
    p99Ms: result.latencyMs.p99,
    wallSeconds,
    serverCpuSeconds: cpu1 - cpu0,
    serverRequests: requests1 - requests0,
    browserCpuSeconds: withAdmin ? browser1 - browser0 : null,
    scrapes,
    scrapeFailures,
    scrapeMsMax,
    polls: withAdmin ? polls : null,
  };
}

function progress(pair: number, r: RoundFigures): void {
  const extra =
    r.condition === "B"
      ? `, browser ${((r.browserCpuSeconds ?? 0) / r.wallSeconds).toFixed(2)} cores,` +
        ` ${r.scrapes} scrapes (slowest ${(r.scrapeMsMax ?? 0).toFixed(1)} ms), ${r.polls} polls`
      : "";
  console.error(
    `pair ${pair + 1} ${r.condition}: ${Math.round(r.opsPerSecond)} ops/s` +
      `${r.errors > 0 ? ` (${r.errors} errors)` : ""}, p99 ${r.p99Ms.toFixed(2)} ms;` +
      ` server ${cpuUsPerRequest(r).toFixed(2)} us CPU/request,` +
      ` ${(r.serverCpuSeconds / r.wallSeconds).toFixed(2)} cores${extra}`,
  );
}

try {
  server = await startCorralServer({ admin: true, logLevel: "warn" });
  if (server.adminPort === 0) throw new Error("the server did not open its admin port");
  console.error(
    `corral server at ${server.connectString}, admin port ${server.adminPort};` +
      ` ${options.pairs} pairs of ${options.durationS} s ${options.workload} rounds`,
  );
  viewer = await DashboardViewer.launch(server.adminPort);
  scraper = new MetricsScraper(server.adminPort);
  // The first round on a fresh server would meet a cold JIT and a growing heap, and it is
  // always an A: one uncounted round with everything on warms both paths first.
  const warm = await round(server, "B", Math.min(options.durationS, 5));
  console.error(`warm-up round, not counted: ${Math.round(warm.opsPerSecond)} ops/s`);
  const pairs: PairFigures[] = [];
  for (let pair = 0; pair < options.pairs; pair++) {
    const order = pairOrder(pair);
    const figures: Partial<Record<Condition, RoundFigures>> = {};
    for (const condition of order) {
      const r = await round(server, condition);
      progress(pair, r);
      figures[condition] = r;
    }
    pairs.push(pairFigures(order.join("-"), figures.A as RoundFigures, figures.B as RoundFigures));
  }
  const summary = summarise({
    cores: availableParallelism(),
    loadAverageStart,
    loadAverageEnd: loadavg(),
    workload: options.workload,
    clients: options.clients,
    outstanding: options.outstanding,
    durationS: options.durationS,
    view: options.view,
    pairs,
  });
  console.log(options.json ? JSON.stringify(summary) : formatSummary(summary));
} catch (err) {
  console.error(`admin-overhead failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
