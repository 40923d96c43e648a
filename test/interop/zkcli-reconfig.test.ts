// Proves that zkCli.sh's reconfig command (Debian zookeeper 3.8) works unchanged against a
// Corral ensemble: `config` shows the initial membership, `reconfig -add` adds a joiner
// started with an empty data directory, `reconfig -s -remove`
// takes it out again and prints the Stat, `reconfig -members` replaces the membership, and
// zkCli prints ZooKeeper's messages for the refusals (no permission before `addauth`, a
// stale `-v`, a membership with one participant left).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { peerSkip } from "../support/peers.js";
import { runProgram } from "./scenario-program.js";

const zkCli = "/usr/share/zookeeper/bin/zkCli.sh";
const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="; // super:test

test("zkCli.sh reconfig -add, -remove and -members against a Corral ensemble", {
  skip: peerSkip(existsSync(zkCli) ? undefined : `${zkCli} is not installed`),
}, async () => {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    extraConfig: [
      "reconfigEnabled=true",
      `DigestAuthenticationProvider.superDigest=${superDigest}`,
    ],
  });
  try {
    await ensemble.waitForLeader();
    await ensemble.startJoiner(4, [1, 2, 3]);
    const initial = [1, 2, 3].map((id) => ensemble.serverLine(id).split(";")[0]);
    const members = [1, 2, 3].map((id) => ensemble.serverLine(id));
    const script = [
      "config",
      `reconfig -add ${ensemble.serverLine(4)}`,
      "addauth digest super:test",
      `reconfig -add ${ensemble.serverLine(4)}`,
      "reconfig -s -remove 4",
      "reconfig -v 1 -remove 3",
      `reconfig -members ${members.join(",")}`,
      "reconfig -remove 2,3",
      "quit",
    ].join("\n");
    const run = await runProgram(
      "/bin/sh",
      ["-c", 'exec "$0" "$@" 2>&1', zkCli, "-server", ensemble.address(1)],
      {
        stdin: `${script}\n`,
        timeoutMs: 60_000,
        env: { ...process.env, ZOO_LOG_DIR: "/tmp", ZOO_LOG4J_PROP: "ERROR,CONSOLE" },
      },
    );
    // Only zkCli's own answers: drop the JVM's, the banner and the connection events.
    const lines = run.stdout
      .split("\n")
      .map((l) => l.trimEnd())
      .filter(
        (l) =>
          l !== "" && !/^(SLF4J|Connecting to|Welcome to|JLine|WATCHER::|WatchedEvent)/.test(l),
      );
    const versions = lines.filter((l) => l.startsWith("version=")).map((l) => l.slice(8));
    assert.equal(versions.length, 4, lines.join("\n"));
    const [v0, vAdd, vRemove, vMembers] = versions;
    assert.equal(v0, "0");
    const expected = [
      ...initial,
      "version=0",
      "Insufficient permission :",
      "Committed new configuration:",
      ...initial,
      ensemble.serverLine(4),
      `version=${vAdd}`,
      "Committed new configuration:",
      ...initial,
      `version=${vRemove}`,
      "cZxid = 0x0",
      "ctime = <time>",
      `mZxid = 0x${vRemove}`,
      "mtime = <time>",
      "pZxid = 0x0",
      "cversion = 0",
      "dataVersion = -1",
      "aclVersion = -1",
      "ephemeralOwner = 0x0",
      `dataLength = ${[...initial, `version=${vRemove}`].join("\n").length}`,
      "numChildren = 0",
      "version No is not valid :",
      "Committed new configuration:",
      ...members,
      `version=${vMembers}`,
      "Arguments are not valid :",
    ];
    assert.deepEqual(
      lines.map((l) => l.replace(/^(c|m)time = .*/, "$1time = <time>")),
      expected,
    );
    // Another member shows the membership -members set.
    const zk = await ZooKeeperClient.connect(ensemble.address(2));
    try {
      const config = await zk.getConfig();
      assert.equal(config.data.toString(), [...members, `version=${vMembers}`].join("\n"));
    } finally {
      await zk.close();
    }
  } finally {
    await ensemble.stop();
  }
});
