// Proves that node-zookeeper-client 1.1.3 (npm), which speaks the 3.4 protocol (no readOnly
// byte in its handshake, xids from 0), works against each target server: connect, create in
// every 3.4 mode, get/set/remove with versions and errors, exists, children with Stat,
// watches, transactions, ACLs and digest auth, ephemeral cleanup on close. The scenarios live
// in node-zk-client-scenarios.mjs; each of its checks becomes one subtest here.
import { createRequire } from "node:module";
import { test } from "node:test";
import { peerSkip } from "../support/peers.js";
import { targets } from "../support/targets.js";
import { scenarioFile } from "./scenario-files.js";
import { reportChecks, runProgram } from "./scenario-program.js";

const scenarios = ["session", "crud", "watches", "transaction", "acl", "ephemerals"];

function clientMissing(): string | undefined {
  try {
    createRequire(import.meta.url).resolve("node-zookeeper-client");
    return undefined;
  } catch {
    return "node-zookeeper-client is not installed (a devDependency: npm install)";
  }
}

for (const target of targets) {
  const skip = target.unavailableReason() ?? clientMissing();
  test(`node-zookeeper-client scenarios against ${target.name}`, {
    skip: peerSkip(skip),
  }, async (t) => {
    const server = await target.start();
    let result: Awaited<ReturnType<typeof runProgram>>;
    try {
      result = await runProgram(
        process.execPath,
        [scenarioFile("node-zk-client-scenarios.mjs"), server.connectString],
        { timeoutMs: 60_000 },
      );
    } finally {
      await server.stop();
    }
    await reportChecks(t, result, scenarios);
  });
}
