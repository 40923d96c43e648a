// Proves that zookeeper.skipACL=yes turns every ACL check off as the real ZooKeeper 3.8 does,
// and that without it the same requests are refused as there. A real 3-member ZooKeeper
// ensemble and a 3-member Corral ensemble (processes, reconfigEnabled) are each run twice: with
// -Dzookeeper.skipACL=yes in the JVM flags (Corral reads it from SERVER_JVMFLAGS) and without.
// A client with no rights (no addauth) then reads, lists, reads the ACL of, writes, creates
// under, deletes under and re-ACLs nodes whose ACL grants everything to another user only,
// and reconfigs (/zookeeper/config keeps its READ-only ACL); it also creates a node with the
// `auth` ACL, which stays InvalidACL (the ACL's form is not a check skipACL skips), and asks
// whoami, whose answer stays its own ids. Each answer must be ZooKeeper's, in each setting.
// Corral's members also log ZooKeeper's warning at start and on the reconfig.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { quickStartJvmOptions, realZooKeeperAvailable } from "../support/real-zookeeper.js";
import { RealZooKeeperEnsemble } from "../support/real-zookeeper-ensemble.js";

const skipFlag = "-Dzookeeper.skipACL=yes";
const owned = [{ perms: 31, id: { scheme: "auth", id: "" } }];

type Answers = [string, unknown][];

async function answer(reply: Promise<unknown>): Promise<unknown> {
  return reply.then(
    (r) => {
      if (r === undefined || r === null) return "ok";
      if (Buffer.isBuffer(r)) return `ok ${r.toString()}`;
      if (typeof r === "object" && "data" in r) return `ok ${String(r.data)}`;
      if (typeof r === "object" && "acl" in r) return { ok: r.acl };
      if (typeof r === "object" && "path" in r) return `ok ${String(r.path)}`;
      if (typeof r === "object" && "czxid" in r) return "ok stat";
      return { ok: r };
    },
    (e: { code?: number }) => e.code ?? String(e),
  );
}

async function exercise(connectString: string): Promise<Answers> {
  const owner = await ZooKeeperClient.connect(connectString);
  const stranger = await ZooKeeperClient.connect(connectString);
  try {
    await owner.addAuth("digest", "alice:secret");
    await owner.create("/locked", Buffer.from("x"), { acl: owned });
    await owner.create("/locked/child", Buffer.from("c"), { acl: owned });
    const out: Answers = [];
    const ask = async (what: string, reply: Promise<unknown>) => {
      out.push([what, await answer(reply)]);
    };
    await ask("getData", stranger.getData("/locked"));
    await ask("getChildren", stranger.getChildren("/locked"));
    await ask("getACL (digests unmasked only with ADMIN)", stranger.getACL("/locked"));
    await ask("setData", stranger.setData("/locked", Buffer.from("y")));
    await ask("create a child", stranger.create("/locked/new", null));
    await ask("delete a child", stranger.delete("/locked/child"));
    await ask(
      "setACL",
      stranger.setACL("/locked", [{ perms: 1, id: { scheme: "world", id: "anyone" } }]),
    );
    await ask(
      "create with the auth ACL, unauthenticated",
      stranger.create("/mine", null, { acl: owned }),
    );
    await ask(
      "reconfig (WRITE on /zookeeper/config)", // The new text names ports, which differ: the outcome is compared.
      stranger.reconfig({ leaving: "9" }).then(() => undefined),
    );
    await ask(
      "whoami",
      stranger.whoAmI().then((ids) => ids.map((i) => i.authScheme)),
    );
    return out;
  } finally {
    await owner.close();
    await stranger.close();
  }
}

test("skipACL=yes skips every ACL check as ZooKeeper 3.8 does; without it, the same refusals", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 240_000,
}, async () => {
  for (const skip of [true, false]) {
    const real = await RealZooKeeperEnsemble.start({
      extraConfig: ["reconfigEnabled=true"],
      jvmOptions: [...quickStartJvmOptions, ...(skip ? [skipFlag] : [])],
    });
    let zookeeper: Answers;
    try {
      zookeeper = await exercise(real.connectString);
    } finally {
      await real.stop();
    }
    const corral = await CorralEnsemble.start({
      members: 3,
      extraConfig: ["reconfigEnabled=true"],
      env: skip ? { SERVER_JVMFLAGS: `-Xmx1g ${skipFlag}` } : {},
    });
    let ours: Answers;
    const logs: string[] = [];
    try {
      await corral.waitForLeader();
      ours = await exercise(corral.connectString);
      for (const id of corral.members) logs.push(corral.logs(id));
    } finally {
      await corral.stop();
    }
    assert.deepEqual(ours, zookeeper, `skipACL ${skip ? "on" : "off"}`);
    // What the requests prove, beyond "the same": with skipACL everything but the ACL's own
    // form passes; without it, every check refuses.
    const refused = ours.filter(([, a]) => a === -102).map(([what]) => what);
    assert.deepEqual(
      refused,
      skip
        ? []
        : ours.filter(([w]) => !w.startsWith("create with") && w !== "whoami").map(([w]) => w),
    );
    const started = logs.filter((l) => l.includes('zookeeper.skipACL=="yes"')).length;
    assert.equal(started, skip ? 3 : 0, "every member warns at start, with skipACL only");
    const reconfigWarned = logs.some((l) => l.includes("reconfig operation will skip ACL checks"));
    assert.equal(reconfigWarned, skip);
  }
});
