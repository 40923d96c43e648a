// Snapshot stalls under load, measured on a real server: a standalone Corral (the built
// `corral server`) is filled with a large tree, then clients keep reading and writing while
// the writes carry it past snapCount, so a snapshot of the whole tree is encoded and written
// in the middle of the load. The server reports its slices ("snapshot written": slices,
// longest slice, encoding time); the clients measure every request's latency, and the report
// compares the requests answered while the snapshot ran with those before and after it.
// This is the figure docs/storage.md quotes. A script, not a test (it needs a quiet machine):
//   npm run bench:snapshot-load                         500 000 znodes of 100 bytes, 8 clients
//   npm run bench:snapshot-load -- --nodes 200000 --clients 4 --data-bytes 1000 --json
import { ZooKeeperClient } from "../src/client/client.js";
import { startCorralServer } from "../test/support/corral-server.js";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer`);
  return n;
}

const nodes = option("nodes", 500_000);
const clients = option("clients", 8);
const dataBytes = option("data-bytes", 100);
const json = process.argv.includes("--json");
/** Creates in flight per preloading client. */
const pipelineDepth = 500;
const data = new Uint8Array(dataBytes).fill(0x61);
const pathOf = (i: number): string => `/snap/p${Math.floor(i / 1000)}/n${i}`;

interface Sample {
  /** Wall-clock ms when the reply came. */
  atMs: number;
  latencyMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples: Sample[]): { count: number; p50: number; p99: number; max: number } {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

/** The time and fields of the last log line with `message`, or null. */
function logLine(
  logs: string,
  message: string,
): { atMs: number; fields: Record<string, string> } | null {
  const lines = logs
    .split("\n")
    .filter((l) => l.includes(` ${message} `) || l.endsWith(` ${message}`));
  const line = lines.at(-1);
  if (line === undefined) return null;
  const fields: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+)=(\S+)/g)) fields[m[1]] = m[2];
  return { atMs: Date.parse(line.slice(0, line.indexOf(" "))), fields };
}

async function preload(connectString: string): Promise<void> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    await zk.create("/snap");
    for (let p = 0; p * 1000 < nodes; p++) await zk.create(`/snap/p${p}`);
  } finally {
    await zk.close();
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = await ZooKeeperClient.connect(connectString);
      try {
        const inFlight = new Set<Promise<unknown>>();
        while (next < nodes) {
          const p: Promise<unknown> = c.create(pathOf(next++), data).then(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= pipelineDepth) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      } finally {
        await c.close();
      }
    }),
  );
}

async function main(): Promise<void> {
  // The load's writes carry the server past snapCount a moment after it starts.
  const snapCount = nodes + Math.ceil(nodes / 1000) + 2000;
  const server = await startCorralServer({
    extraConfig: [`snapCount=${snapCount}`],
    logLevel: "info",
    startTimeoutMs: 60_000,
  });
  try {
    const t0 = Date.now();
    await preload(server.connectString);
    const preloadMs = Date.now() - t0;
    if (!json) console.error(`preloaded ${nodes} znodes in ${(preloadMs / 1000).toFixed(1)} s`);
    const samples: Sample[] = [];
    let stop = false;
    const workers = Array.from({ length: clients }, async (_, w) => {
      const c = await ZooKeeperClient.connect(server.connectString);
      try {
        for (let i = w; !stop; i += clients) {
          const path = pathOf((i * 7919) % nodes);
          const began = performance.now();
          if (i % 2 === 0) await c.getData(path);
          else await c.setData(path, data);
          samples.push({ atMs: Date.now(), latencyMs: performance.now() - began });
        }
      } finally {
        await c.close();
      }
    });
    // Until the snapshot is written and a second after it (at most three minutes).
    const deadline = Date.now() + 180_000;
    let writtenAt = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const written = logLine(server.logs(), "snapshot written");
      if (written !== null && writtenAt === 0) writtenAt = Date.now();
      if (writtenAt !== 0 && Date.now() - writtenAt > 1000) break;
    }
    stop = true;
    await Promise.all(workers);
    const started = logLine(server.logs(), "snapshot started");
    const written = logLine(server.logs(), "snapshot written");
    if (started === null || written === null) throw new Error("no snapshot was taken under load");
    const during = samples.filter((s) => s.atMs >= started.atMs && s.atMs <= written.atMs);
    const outside = samples.filter((s) => s.atMs < started.atMs || s.atMs > written.atMs);
    const result = {
      nodes,
      dataBytes,
      clients,
      snapshotBytes: Number(written.fields.bytes),
      snapshotMs: written.atMs - started.atMs,
      encodeMs: Number(written.fields.encodeMs),
      slices: Number(written.fields.slices),
      maxSliceMs: Number(written.fields.maxSliceMs),
      requestsDuring: summary(during),
      requestsOutside: summary(outside),
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    const f = (n: number): string => n.toFixed(1);
    console.log(
      `snapshot of ${nodes} znodes (${(result.snapshotBytes / 2 ** 20).toFixed(1)} MiB): ` +
        `${result.snapshotMs} ms from start to file, encoding ${result.encodeMs} ms in ` +
        `${result.slices} slices, longest slice ${result.maxSliceMs} ms`,
    );
    for (const [name, s] of [
      ["during the snapshot", result.requestsDuring],
      ["before and after", result.requestsOutside],
    ] as const) {
      console.log(
        `requests ${name}: ${s.count}, latency p50 ${f(s.p50)} ms, p99 ${f(s.p99)} ms, max ${f(s.max)} ms`,
      );
    }
  } finally {
    await server.stop();
  }
}

await main();
