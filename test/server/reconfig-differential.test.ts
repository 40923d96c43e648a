// Proves that a Corral ensemble answers reconfig requests as the real ZooKeeper 3.8 does: a
// real 3-member ZooKeeper ensemble (reconfigEnabled, a super digest) and a 3-member Corral
// one get the same requests in the same order, and each answer (ZooKeeper's error code, or
// success) must be the same. The requests cover every refusal ZooKeeper makes before it
// commits (not authorised, a stale fromConfig, malformed joiners and leavers, too few
// participants, the non-incremental form mixed with the incremental one, a new membership
// whose quorum cannot be reached) and two that succeed (a leaver that is not a member, as
// the super user and then as anyone once /zookeeper/config's ACL allows WRITE). Also the same:
// /zookeeper/config's text before any reconfig (ports and the version masked: ZooKeeper's
// initial version is its first epoch's zxid, Corral's 0), its Stat's version, aversion and
// czxid, and its ACL; after a reconfig, `version=` is the hex mzxid on both.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { freePort } from "../support/ports.js";
import { quickStartJvmOptions, realZooKeeperAvailable } from "../support/real-zookeeper.js";
import { RealZooKeeperEnsemble } from "../support/real-zookeeper-ensemble.js";

const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="; // super:test

type ReconfigChange = Parameters<ZooKeeperClient["reconfig"]>[0];

interface Answers {
  initial: string;
  initialStat: [number, number, number];
  acl: string;
  codes: [string, number | string][];
  versionMatchesMzxid: boolean;
}

async function unreachable(id: number): Promise<string> {
  return `server.${id}=127.0.0.1:${await freePort()}:${await freePort()};127.0.0.1:${await freePort()}`;
}

async function exercise(connectString: string, firstMember: string): Promise<Answers> {
  const admin = await ZooKeeperClient.connect(connectString);
  const plain = await ZooKeeperClient.connect(firstMember);
  try {
    await admin.addAuth("digest", "super:test");
    const initial = await admin.getConfig();
    const acl = await admin.getACL("/zookeeper/config");
    const three = await Promise.all([7, 8, 9].map(unreachable));
    const requests: [string, ZooKeeperClient, ReconfigChange][] = [
      ["not authorised", plain, { leaving: "9" }],
      ["stale fromConfig", admin, { leaving: "9", fromConfig: 5 }],
      ["two participants left", admin, { leaving: "2,3" }],
      ["all leave", admin, { leaving: "1,2,3" }],
      ["joiner without =", admin, { joining: "foo" }],
      ["joiner without ports", admin, { joining: "server.4=garbage" }],
      ["joiner without client port", admin, { joining: "server.4=127.0.0.1:5000:5001" }],
      ["joiner id not a number", admin, { joining: "server.x=127.0.0.1:5000:5001;5002" }],
      ["leaver not a number", admin, { leaving: "x" }],
      ["one member", admin, { newMembers: "server.1=127.0.0.1:5000:5001;5002" }],
      ["members and joiners", admin, { joining: three[0], newMembers: three[1] }],
      ["three unreachable joiners", admin, { joining: three.join(",") }],
      ["a leaver that is not a member", admin, { leaving: "9" }],
    ];
    const codes: [string, number | string][] = [];
    for (const [what, client, change] of requests) {
      codes.push([
        what,
        await client.reconfig(change).then(
          () => "ok",
          (e) => e.code ?? String(e),
        ),
      ]);
    }
    const after = await admin.getConfig();
    const versionMatchesMzxid = after.data
      .toString()
      .endsWith(`\nversion=${after.stat.mzxid.toString(16)}`);
    await admin.setACL("/zookeeper/config", [{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
    codes.push([
      "anyone, with WRITE on /zookeeper/config",
      await plain.reconfig({ leaving: "9" }).then(
        () => "ok",
        (e) => e.code ?? String(e),
      ),
    ]);
    return {
      initial: initial.data
        .toString()
        .replace(/127\.0\.0\.1:\d+:\d+/g, "<peer>")
        .replace(/;127\.0\.0\.1:\d+/g, "")
        .replace(/version=\w+$/, "version=<v>"),
      initialStat: [initial.stat.version, initial.stat.aversion, initial.stat.czxid],
      acl: JSON.stringify(acl.acl),
      codes,
      versionMatchesMzxid,
    };
  } finally {
    await admin.close();
    await plain.close();
  }
}

test("reconfig answers and /zookeeper/config match the real ZooKeeper 3.8", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 240_000,
}, async () => {
  let zookeeper: Answers;
  const real = await RealZooKeeperEnsemble.start({
    extraConfig: ["reconfigEnabled=true"],
    jvmOptions: [
      ...quickStartJvmOptions,
      `-Dzookeeper.DigestAuthenticationProvider.superDigest=${superDigest}`,
    ],
  });
  try {
    zookeeper = await exercise(real.connectString, `127.0.0.1:${real.port(1)}`);
  } finally {
    await real.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    // A joiner that cannot be reached fails after initLimit x tickTime: 2 s here.
    extraConfig: [
      "reconfigEnabled=true",
      `DigestAuthenticationProvider.superDigest=${superDigest}`,
      "initLimit=10",
    ],
  });
  let ours: Answers;
  try {
    await corral.waitForLeader();
    ours = await exercise(corral.connectString, corral.address(1));
  } finally {
    await corral.stop();
  }
  assert.deepEqual(ours, zookeeper);
});
