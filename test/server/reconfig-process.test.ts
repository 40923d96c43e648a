// Proves dynamic reconfiguration on real `corral server` processes, with ZooKeeper's API
// through the TypeScript client:
//
// - a running 3-member ensemble, under writes from two clients, grows to 5: each joiner is
//   started as ZooKeeper's docs say (empty data, a zoo.cfg listing the running members and
//   itself), joins once `reconfig` adds it, and serves clients; /zookeeper/config shows
//   ZooKeeper's text and Stat, and a getConfig watch fires on each change;
// - one reconfig removes two members, the leader among them: a new leader comes from the
//   rest, every write acknowledged during the whole run is there, and a client session with
//   an ephemeral node lives through it all;
// - a remaining original member restarted on the zoo.cfg the reconfiguration rewrote (with
//   its zoo.cfg.dynamic.<version>) comes back with the new membership on its data;
// - requests ZooKeeper refuses are refused with its codes: a stale fromConfig (BadVersion),
//   no super user and no WRITE on /zookeeper/config (NoAuth), joiners that never start and
//   without which the new membership has no quorum (NewConfigNoQuorum once the leader has
//   not heard from them for a check-quorum window, removed again), a second reconfig while
//   one runs (ReconfigInProgress);
// - one request adds a running joiner and one that never starts: both are learners at once,
//   the running one catches up and votes, and the absent one becomes a voter anyway once the
//   leader has not heard from it for a check-quorum window, long before initLimit x tickTime
//   (20 s there), since 4 of the 5 new voters are caught up (ZooKeeper adds it too:
//   reconfig-differential.test.ts); the leader then counts 5 voters, writes go on, and
//   removing the absent one brings the count back to 4;
// - a standalone server answers Unimplemented (reconfigEnabled) or ReconfigDisabled, as
//   ZooKeeper's does.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { ErrorCode } from "../../src/protocol/constants.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { freePort } from "../support/ports.js";

// super:test, as zoo.cfg's superDigest takes it (base64 of sha1("super:test")).
const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";
const extraConfig = [
  "reconfigEnabled=true",
  `DigestAuthenticationProvider.superDigest=${superDigest}`,
  "initLimit=10",
  // A reconfig that waits for a joiner (1-2 s for an absent one) holds its session's pings
  // behind it: sessions of up to 30 s (ZooKeeper's tickTime 2000 would allow 40 s) keep
  // clients from timing out meanwhile.
  "maxSessionTimeout=30000",
];

function text(data: Buffer | null): string {
  return data === null ? "" : data.toString("utf8");
}

function codeOf(err: unknown): number {
  return (err as { code?: number }).code ?? 0;
}

/** Keeps creating nodes until stopped; remembers the ones the server acknowledged. */
class Writer {
  readonly acked: string[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly name: string,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; !this.stopped && i < 100_000; i++) {
      const path = `/load/${this.name}-${i}`;
      try {
        await this.zk.create(path, Buffer.from("x"));
        this.acked.push(path);
      } catch {
        // ConnectionLoss while a member leaves: the outcome is unknown, so it is not counted.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

test("a 3-member ensemble grows to 5 and loses 2 (the leader too) under writes, by reconfig", async () => {
  const ensemble = await CorralEnsemble.start({ members: 3, extraConfig });
  const clients: ZooKeeperClient[] = [];
  const writers: Writer[] = [];
  try {
    const connect = async (cs: string): Promise<ZooKeeperClient> => {
      const zk = await ZooKeeperClient.connect(cs, { sessionTimeoutMs: 15000 });
      clients.push(zk);
      return zk;
    };
    const admin = await connect(ensemble.connectString);
    await admin.addAuth("digest", "super:test");
    const initial = await admin.getConfig();
    // The members' zoo.cfg lines give no client address, so neither does the text.
    assert.equal(
      text(initial.data),
      [1, 2, 3]
        .map((id) => ensemble.serverLine(id).split(";")[0])
        .concat("version=0")
        .join("\n"),
    );
    assert.equal(initial.stat.version, -1);
    assert.equal(initial.stat.aversion, -1);
    assert.equal(initial.stat.czxid, 0);

    await admin.create("/load", null);
    const alive = await connect(ensemble.connectString);
    await alive.create("/alive", null, { mode: "ephemeral" });
    const aliveSession = alive.sessionId;
    writers.push(new Writer(await connect(ensemble.address(1)), "a"));
    writers.push(new Writer(await connect(ensemble.connectString), "b"));

    // Watch /zookeeper/config from a plain client: it fires on every reconfiguration.
    const watcher = await connect(ensemble.address(2));
    let fired = 0;
    const watch = (): Promise<unknown> =>
      watcher.getConfig({
        watch: () => {
          fired++;
        },
      });
    await watch();

    await ensemble.startJoiner(4, [1, 2, 3]);
    const added4 = await admin.reconfig({ joining: ensemble.serverLine(4) });
    assert.match(
      text(added4.data),
      new RegExp(`^${ensemble.serverLine(4).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
    );
    assert.match(text(added4.data), new RegExp(`\\nversion=${added4.stat.mzxid.toString(16)}$`));
    assert.equal(added4.stat.version, -1);
    await waitFor(() => fired === 1, "the getConfig watch fires after the first reconfig");
    await watch();

    // The joiner serves clients, with the ensemble's data.
    const on4 = await connect(ensemble.address(4));
    await on4.sync("/");
    assert.ok((await on4.exists("/alive")) !== null);

    await ensemble.startJoiner(5, [1, 2, 3, 4]);
    const added5 = await admin.reconfig({
      joining: ensemble.serverLine(5),
      fromConfig: added4.stat.mzxid,
    });
    assert.equal((text(added5.data).match(/^server\./gm) ?? []).length, 5);
    await waitFor(() => fired === 2, "the getConfig watch fires after the second reconfig");

    // Remove the leader and one other original member in one request.
    const leader = await ensemble.waitForLeader();
    const other = [1, 2, 3].find((id) => id !== leader)!;
    const kept = [1, 2, 3, 4, 5].filter((id) => id !== leader && id !== other);
    const removed = await admin.reconfig({ leaving: `${other},${leader}` });
    assert.deepEqual(
      (text(removed.data).match(/^server\.(\d+)/gm) ?? []).map((l) => Number(l.slice(7))),
      kept,
    );
    // A new leader among the three that stay, and the two that left stop serving.
    await waitFor(async () => {
      const modes = await Promise.all(kept.map((id) => ensemble.mode(id)));
      return (
        modes.filter((m) => m === "leader").length === 1 &&
        modes.every((m) => m === "leader" || m === "follower")
      );
    }, "a leader among the remaining members");

    await new Promise((r) => setTimeout(r, 300));
    for (const w of writers) await w.stop();
    const check = await connect(kept.map((id) => ensemble.address(id)).join(","));
    await check.sync("/");
    const present = new Set(await check.getChildren("/load"));
    for (const w of writers) {
      assert.ok(w.acked.length > 10, "the writers kept writing");
      const lost = w.acked.filter((p) => !present.has(p.slice("/load/".length)));
      assert.deepEqual(lost, [], "no acknowledged write is lost");
    }
    // The session with the ephemeral lived through it all.
    const owner = await check.exists("/alive");
    assert.ok(owner !== null);
    assert.equal(BigInt(owner.ephemeralOwner), aliveSession);
    assert.ok((await alive.exists("/alive")) !== null);

    // Refusals with ZooKeeper's codes.
    // The old leader's own removal finishes after the answer (ReconfigInProgress until then;
    // the admin's connection may have been on a member that left): then a stale fromConfig
    // is BadVersion.
    let stale = 0;
    await waitFor(async () => {
      stale = codeOf(
        await admin.reconfig({ leaving: "", fromConfig: added4.stat.mzxid }).catch((e) => e),
      );
      return stale !== ErrorCode.reconfigInProgress && stale !== ErrorCode.connectionLoss;
    }, "the removals to finish");
    assert.equal(stale, ErrorCode.badVersion);
    const plain = await connect(ensemble.address(kept[0]));
    const noAuth = await plain.reconfig({ leaving: "9" }).catch((e) => e);
    assert.equal(codeOf(noAuth), ErrorCode.noAuth);
    // Four joiners that never start: the three running members would be 3 of 7 voters. Once
    // the leader has heard nothing from them for a check-quorum window (1 s), without a
    // caught-up quorum of the new membership the request fails and the learners it added are
    // removed again. (One or two
    // absent joiners would be added, as ZooKeeper adds them: reconfig-differential.test.ts.)
    const absent: string[] = [];
    for (const id of [9, 10, 11, 12]) {
      absent.push(
        `server.${id}=127.0.0.1:${await freePort()}:${await freePort()};127.0.0.1:${await freePort()}`,
      );
    }
    const startedMs = performance.now();
    const stuck = admin.reconfig({ joining: absent.join(",") }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 200));
    const second = await check
      .addAuth("digest", "super:test")
      .then(() => check.reconfig({ leaving: "9" }).catch((e) => e));
    assert.equal(codeOf(second), ErrorCode.reconfigInProgress);
    assert.equal(codeOf(await stuck), ErrorCode.newConfigNoQuorum);
    // A check-quorum window later, and the learners it added are gone again.
    assert.ok(performance.now() - startedMs >= 900);
    await waitFor(async () => {
      const cfg = await admin.getConfig();
      return (
        !/server\.(9|1[0-2])=/.test(text(cfg.data)) &&
        (await admin.reconfig({}).then(
          () => true,
          () => false,
        ))
      );
    }, "the ensemble takes reconfigs again");

    // A remaining original member restarts on the zoo.cfg the reconfiguration rewrote.
    const original = kept.find((id) => id <= 3)!;
    const dir = ensemble.dataDir(original);
    const cfg = readFileSync(join(dir, "zoo.cfg"), "utf8");
    assert.doesNotMatch(cfg, /^server\./m);
    const dynamic = /^dynamicConfigFile=(.*)$/m.exec(cfg)?.[1];
    assert.ok(
      dynamic !== undefined && existsSync(dynamic),
      `zoo.cfg names its dynamic file: ${cfg}`,
    );
    assert.ok(readdirSync(dir).includes("zoo.cfg.bak"));
    assert.equal((readFileSync(dynamic, "utf8").match(/^server\./gm) ?? []).length, 3);
    await ensemble.terminate(original);
    await ensemble.restartAsWritten(original);
    const back = await connect(ensemble.address(original));
    await back.sync("/");
    assert.ok((await back.exists("/alive")) !== null);
    assert.equal((await back.getChildren("/load")).length >= writers[0].acked.length, true);
  } finally {
    for (const w of writers) await w.stop().catch(() => {});
    for (const c of clients) await c.close().catch(() => {});
    await ensemble.stop();
  }
});

test("one reconfig adds a running joiner and an absent one: the first catches up, the second votes anyway", async () => {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    // initLimit x tickTime is 20 s here: the answer must not wait for it.
    extraConfig: [...extraConfig, "4lw.commands.whitelist=*", "initLimit=100"],
  });
  const clients: ZooKeeperClient[] = [];
  try {
    const admin = await ZooKeeperClient.connect(ensemble.connectString);
    clients.push(admin);
    await admin.addAuth("digest", "super:test");
    await ensemble.startJoiner(4, [1, 2, 3]);
    const absent = `server.5=127.0.0.1:${await freePort()}:${await freePort()}:participant;127.0.0.1:${await freePort()}`;
    const startedMs = performance.now();
    const added = await admin.reconfig({ joining: `${ensemble.serverLine(4)},${absent}` });
    const tookMs = performance.now() - startedMs;
    assert.ok(tookMs >= 900 && tookMs < 10_000, `answered after ${tookMs} ms`);
    assert.deepEqual(
      (text(added.data).match(/^server\.(\d+)/gm) ?? []).map((l) => Number(l.slice(7))),
      [1, 2, 3, 4, 5],
    );
    const leader = await ensemble.waitForLeader();
    const quorumSize = async (): Promise<number> =>
      Number(
        /^zk_quorum_size\s+(\d+)$/m.exec(await fourLetterWord(ensemble.port(leader), "mntr"))?.[1],
      );
    assert.equal(await quorumSize(), 5);
    // Only the absent one was promoted for want of catching up; the running one caught up.
    const logs = ensemble.logs(leader);
    assert.match(logs, /become voters anyway.*members[^0-9]*5\b/);
    assert.doesNotMatch(logs, /become voters anyway.*members[^0-9]*4\b/);
    // The running joiner serves, with the ensemble's data; 4 of 5 voters still write.
    await admin.create("/after", null);
    const on4 = await ZooKeeperClient.connect(ensemble.address(4));
    clients.push(on4);
    await on4.sync("/");
    assert.ok((await on4.exists("/after")) !== null);
    assert.equal(await ensemble.mode(4), "follower");
    await admin.reconfig({ leaving: "5" });
    await waitFor(async () => (await quorumSize()) === 4, "the absent member's removal");
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble.stop();
  }
});

test("a standalone server answers reconfig Unimplemented when enabled, ReconfigDisabled when not", async () => {
  for (const [enabled, code] of [
    [true, ErrorCode.unimplemented],
    [false, ErrorCode.reconfigDisabled],
  ] as const) {
    const server = await startCorralServer({ extraConfig: [`reconfigEnabled=${enabled}`] });
    try {
      const zk = await ZooKeeperClient.connect(server.connectString);
      try {
        assert.equal(codeOf(await zk.reconfig({ leaving: "2" }).catch((e) => e)), code);
        // The connection stays usable.
        assert.ok((await zk.exists("/")) !== null);
      } finally {
        await zk.close();
      }
    } finally {
      await server.stop();
    }
  }
});

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
