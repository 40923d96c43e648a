// Proves the CI rule of test/support/peers.ts on a real suite: with the ZooKeeper jar pointed
// at a file that does not exist, the real-ZooKeeper suite skips on a developer's machine and
// fails under CI=true, naming the missing peer.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { peerSkip } from "./peers.js";

const suite = join(dirname(fileURLToPath(import.meta.url)), "real-zookeeper.test.js");

function runSuite(ci: boolean): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CORRAL_ZOOKEEPER_JAR: "/nonexistent/zookeeper-renamed.jar",
  };
  delete env.CI;
  // The child runner must not report into this one's.
  delete env.NODE_TEST_CONTEXT;
  if (ci) env.CI = "true";
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", suite], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

test("a missing jar skips the suite outside CI", () => {
  const r = runSuite(false);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /# skipped 1/);
});

test("a missing jar fails the suite under CI=true, naming what is missing", () => {
  const r = runSuite(true);
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /CI=true and a real peer is missing: zookeeper not installed/);
});

test("peerSkip: nothing missing never skips", () => {
  assert.equal(peerSkip(false), false);
  assert.equal(peerSkip(undefined), false);
});
