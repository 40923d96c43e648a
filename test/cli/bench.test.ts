// `corral bench`: the latency histogram's percentiles, workload parsing, and whole runs of the
// built command against Corral's server and the real ZooKeeper, which must finish every
// workload without errors and leave no node behind.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { parseWorkloads } from "../../src/cli/bench.js";
import { LatencyHistogram, type WorkloadResult, workloadNames } from "../../src/cli/load.js";
import { ZooKeeperClient } from "../../src/client/client.js";
import { corralMain, startCorralServer } from "../support/corral-server.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";

const run = promisify(execFile);

describe("latency histogram", () => {
  it("percentiles are within one bucket (6.25%) above the true value, never below", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 100); // 0.01 ms .. 100 ms, uniform
    assert.equal(h.count, 10_000);
    assert.equal(h.max, 100);
    for (const [q, exact] of [
      [0.5, 50],
      [0.9, 90],
      [0.99, 99],
      [0.999, 99.9],
    ]) {
      const got = h.quantile(q);
      assert.ok(got >= exact && got <= exact * 1.0625, `q${q}: ${got} for ${exact}`);
    }
  });

  it("an empty histogram reads 0; one sample reads itself; sub-microsecond counts as 1 us", () => {
    const h = new LatencyHistogram();
    assert.equal(h.quantile(0.5), 0);
    h.record(3);
    assert.equal(h.quantile(0.5), 3);
    assert.equal(h.quantile(1), 3);
    const tiny = new LatencyHistogram();
    tiny.record(0);
    assert.ok(tiny.quantile(0.5) <= 0.001);
  });
});

describe("workload names", () => {
  it("all, a list, and an unknown name refused with the choices", () => {
    assert.deepEqual(parseWorkloads("all"), [...workloadNames]);
    assert.deepEqual(parseWorkloads("get,set"), ["get", "set"]);
    assert.throws(() => parseWorkloads("get,frob"), /unknown "frob".*create, get/);
  });
});

async function benchAgainst(connectString: string): Promise<void> {
  const { stdout } = await run(process.execPath, [
    corralMain,
    "bench",
    "--server",
    connectString,
    "--duration",
    "0.3",
    "--warmup",
    "0.1",
    "--clients",
    "2",
    "--outstanding",
    "4",
    "--keys",
    "20",
    "--json",
  ]);
  const results = JSON.parse(stdout.trim()) as WorkloadResult[];
  assert.deepEqual(
    results.map((r) => r.workload),
    [...workloadNames],
  );
  for (const r of results) {
    assert.ok(r.ops > 0, `${r.workload}: no operation completed`);
    assert.equal(r.errors, 0, `${r.workload}: errors`);
    assert.ok(r.latencyMs.p50 > 0 && r.latencyMs.p50 <= r.latencyMs.p99, `${r.workload} p50`);
    assert.ok(r.latencyMs.p99 <= r.latencyMs.max, `${r.workload} p99`);
  }
  const client = new ZooKeeperClient(connectString);
  try {
    await client.waitConnected({ timeoutMs: 10_000 });
    const left = (await client.getChildren("/")).filter((n) => n.startsWith("corral-bench-"));
    assert.deepEqual(left, [], "the run's nodes were removed");
  } finally {
    await client.close();
  }
}

describe("corral bench runs every workload and cleans up", () => {
  it("against Corral", async () => {
    const server = await startCorralServer({ logLevel: "info" });
    try {
      await benchAgainst(server.connectString);
    } finally {
      await server.stop();
    }
  });

  it("against the real ZooKeeper", {
    skip: peerSkip(!realZooKeeperAvailable() && "real ZooKeeper not installed"),
  }, async () => {
    const zk = await startRealZooKeeper();
    try {
      await benchAgainst(zk.connectString);
    } finally {
      await zk.stop();
    }
  });
});
