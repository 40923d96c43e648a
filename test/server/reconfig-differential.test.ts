// Proves that a Corral ensemble answers reconfig requests as the real ZooKeeper 3.8 does: a
// real 3-member ZooKeeper ensemble (reconfigEnabled, a super digest) and a 3-member Corral
// one get the same requests in the same order, and each answer (ZooKeeper's error code, or
// success) must be the same. The requests cover every refusal ZooKeeper makes before it
// commits (not authorised, a stale fromConfig, malformed joiners and leavers, too few
// participants, the non-incremental form mixed with the incremental one, a new membership
// whose quorum cannot be reached) and several that succeed: joiners that are not running,
// as long as the running members are a majority of the new voters (one absent joiner makes
// 3 of 4, a second 3 of 5; a third, 3 of 6, is NewConfigNoQuorum), an absent observer, the
// absent members leaving again, a leaver that is not a member (as the super user, and then
// as anyone once /zookeeper/config's ACL allows WRITE). A success is compared by the
// membership it answers (ids and roles). Also the same:
// /zookeeper/config's text before any reconfig (ports and the version masked: ZooKeeper's
// initial version is its first epoch's zxid, Corral's 0), its Stat's version, aversion and
// czxid, and its ACL; after a reconfig, `version=` is the hex mzxid on both.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { fourLetterWord } from "../support/four-letter.js";
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

async function unreachable(id: number, role = "participant"): Promise<string> {
  return `server.${id}=127.0.0.1:${await freePort()}:${await freePort()}:${role};127.0.0.1:${await freePort()}`;
}

/** A reconfig's outcome: "ok" and the ids and roles of the membership it answers, or the code. */
function outcome(reply: Promise<{ data: Buffer }>): Promise<number | string> {
  return reply.then(
    (r) => {
      const members = r.data.toString().match(/^server\.\d+=\S*?:(participant|observer)\b/gm);
      const shown = (members ?? []).map((l) => l.replace(/=\S*:/, ":").replace(":participant", ""));
      // By id: ZooKeeper's order of the lines varies from run to run (seen: an observer
      // server.10 listed before server.3 in one run, after server.5 in the next).
      const id = (line: string): number => Number(/^server\.(\d+)/.exec(line)?.[1]);
      shown.sort((a, b) => id(a) - id(b));
      return `ok ${shown.join(",")}`;
    },
    (e) => e.code ?? String(e),
  );
}

/** mntr's zk_quorum_size (the voters) on the member at `port`. */
async function quorumSize(port: number): Promise<number> {
  const mntr = await fourLetterWord(port, "mntr");
  const size = /^zk_quorum_size\s+(\d+)$/m.exec(mntr)?.[1];
  if (size === undefined) throw new Error(`no zk_quorum_size in mntr:\n${mntr}`);
  return Number(size);
}

async function exercise(
  connectString: string,
  firstMember: string,
  leaderPort: number,
): Promise<Answers> {
  const admin = await ZooKeeperClient.connect(connectString);
  const plain = await ZooKeeperClient.connect(firstMember);
  try {
    await admin.addAuth("digest", "super:test");
    const initial = await admin.getConfig();
    const acl = await admin.getACL("/zookeeper/config");
    const three = await Promise.all([7, 8, 9].map((id) => unreachable(id)));
    // A probe in the list: the leader's count of voters, two of them absent at that point.
    const probe = "the leader's zk_quorum_size";
    const requests: ([string, ZooKeeperClient, ReconfigChange] | typeof probe)[] = [
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
      ["one absent joiner: 3 of 4 running", admin, { joining: await unreachable(4) }],
      ["a second absent joiner: 3 of 5", admin, { joining: await unreachable(5) }],
      probe,
      ["a third absent joiner: 3 of 6", admin, { joining: await unreachable(6) }],
      ["an absent observer", admin, { joining: await unreachable(10, "observer") }],
      ["the absent members leave", admin, { leaving: "4,5,10" }],
      ["a leaver that is not a member", admin, { leaving: "9" }],
    ];
    const codes: [string, number | string][] = [];
    for (const request of requests) {
      if (request === probe) {
        codes.push([probe, await quorumSize(leaderPort)]);
        continue;
      }
      const [what, client, change] = request;
      codes.push([what, await outcome(client.reconfig(change))]);
    }
    const after = await admin.getConfig();
    const versionMatchesMzxid = after.data
      .toString()
      .endsWith(`\nversion=${after.stat.mzxid.toString(16)}`);
    await admin.setACL("/zookeeper/config", [{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
    codes.push([
      "anyone, with WRITE on /zookeeper/config",
      await outcome(plain.reconfig({ leaving: "9" })),
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
    const leader = await real.waitForLeader();
    zookeeper = await exercise(real.connectString, real.address(1), real.port(leader));
  } finally {
    await real.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    // A joiner that cannot be reached counts as absent once the leader has not heard from it
    // for a check-quorum window (1 s); initLimit x tickTime (2 s here) bounds a slow one.
    extraConfig: [
      "reconfigEnabled=true",
      `DigestAuthenticationProvider.superDigest=${superDigest}`,
      "initLimit=10",
      "4lw.commands.whitelist=*",
      // The client's 30 s session, as ZooKeeper (tickTime 2000) grants it: its pings wait
      // behind a reconfig that waits 1-2 s for an absent joiner, which a 4 s session (a read
      // timeout of 2.7 s) might not outlast.
      "maxSessionTimeout=30000",
    ],
  });
  let ours: Answers;
  try {
    const leader = await corral.waitForLeader();
    ours = await exercise(corral.connectString, corral.address(1), corral.port(leader));
  } finally {
    await corral.stop();
  }
  assert.deepEqual(ours, zookeeper);
  // The two absent joiners vote: 5 voters, 3 of them running.
  assert.ok(ours.codes.some(([what, answer]) => what.includes("zk_quorum_size") && answer === 5));
});
