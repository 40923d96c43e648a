// Proves that kazoo (Debian python3-kazoo, run by /usr/bin/python3) works against each target
// server: every operation, watch kinds and order, ephemerals and sequence nodes,
// transactions, ACL and digest auth, session close and forced expiry, and kazoo's recipes.
// The scenarios live in kazoo_scenarios.py; each of its checks becomes one subtest here.
import { test } from "node:test";
import { kazooMissing, python } from "../support/kazoo.js";
import { peerSkip } from "../support/peers.js";
import { targets } from "../support/targets.js";
import { scenarioFile } from "./scenario-files.js";
import { reportChecks, runProgram } from "./scenario-program.js";

const scenarios = [
  "builtin",
  "create",
  "gsd",
  "children",
  "acl",
  "digest",
  "sync",
  "txn",
  "wdata",
  "wexists",
  "wchild",
  "worder",
  "eclose",
  "chroot",
  "fourlw",
  "expiry",
  "recipes",
];

for (const target of targets) {
  const skip = target.unavailableReason() ?? kazooMissing();
  test(`kazoo scenarios against ${target.name}`, { skip: peerSkip(skip) }, async (t) => {
    const server = await target.start();
    let result: Awaited<ReturnType<typeof runProgram>>;
    try {
      result = await runProgram(
        python,
        [scenarioFile("kazoo_scenarios.py"), server.connectString, target.name],
        {
          timeoutMs: 120_000,
        },
      );
    } finally {
      await server.stop();
    }
    await reportChecks(t, result, scenarios);
  });
}
