// Keeps bench/snapshot-load.ts (the snapshot-under-load figure of docs/architecture.md)
// working: a tiny run against a real server must take a snapshot in the middle of the client
// load and report its slices and the latency of requests answered during and around it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "bench",
  "snapshot-load.js",
);

test("the snapshot-under-load benchmark takes a snapshot mid-load and reports it", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [script, "--nodes", "3000", "--clients", "2", "--json"],
    { timeout: 120_000 },
  );
  const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
  assert.equal(r.nodes, 3000);
  assert.ok(r.slices >= 1 && r.maxSliceMs >= 0 && r.encodeMs >= 0, stdout);
  assert.ok(r.snapshotBytes > 3000 * 100, "the image holds every node's data");
  assert.ok(r.requestsOutside.count > 0, "requests before and after the snapshot");
  for (const s of [r.requestsDuring, r.requestsOutside]) {
    assert.ok(s.p50 <= s.p99 && s.p99 <= s.max, JSON.stringify(s));
  }
});
