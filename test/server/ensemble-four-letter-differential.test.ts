// Proves, against the real Apache ZooKeeper 3.8 running as a 3-member ensemble, that a
// 3-member Corral ensemble answers the four-letter words with the same ensemble lines per
// role: for the leader and for a follower, the srvr and stat line labels (Mode and the
// leader's Proposal sizes line included) and the Mode value; the mntr lines that concern the
// ensemble, as a set and in order, with the same values where they state facts of a healthy
// three-member ensemble (states, synced followers, learners, quorum size) rather than
// figures, and the order of every mntr key both print; conf's ensemble keys; and that srst
// clears the leader's proposal sizes. The two ensembles run one after the other to spare
// the machine's cores. Skipped where the interop packages are absent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { fourLetterWord } from "../support/four-letter.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { RealZooKeeperEnsemble } from "../support/real-zookeeper-ensemble.js";

/** The mntr keys that describe a member's place in its ensemble. */
const ensembleKeys = new Set([
  "zk_server_state",
  "zk_peer_state",
  "zk_min_proposal_size",
  "zk_max_proposal_size",
  "zk_last_proposal_size",
  "zk_synced_followers",
  "zk_synced_non_voting_followers",
  "zk_synced_observers",
  "zk_pending_syncs",
  "zk_leader_uptime",
  "zk_learners",
  "zk_quorum_size",
]);
/** Of those, the ones whose values are facts of a healthy, idle three-member ensemble. */
const factKeys = [
  "zk_server_state",
  "zk_peer_state",
  "zk_synced_followers",
  "zk_synced_non_voting_followers",
  "zk_synced_observers",
  "zk_pending_syncs",
  "zk_learners",
  "zk_quorum_size",
];

interface RoleView {
  srvrLabels: string[];
  statLabels: string[];
  mode: string;
  proposalSizes: string | null;
  mntr: [string, string][];
  /** Every mntr key, in order. */
  mntrKeys: string[];
  confKeys: string[];
}

interface EnsembleView {
  leader: RoleView;
  follower: RoleView;
  /** The observer's view, when the ensemble has one. */
  observer: RoleView | null;
  /** The leader's Proposal sizes line after `srst`. */
  proposalSizesAfterReset: string | null;
}

const labels = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => /^[A-Z][^:]*: /.test(l))
    .map((l) => l.slice(0, l.indexOf(":")));

function mntrLines(text: string): [string, string][] {
  return text
    .split("\n")
    .filter((l) => l.includes("\t"))
    .map((l) => l.split("\t") as [string, string])
    .filter(([k]) => ensembleKeys.has(k));
}

/** conf's keys from serverId on, each server.N line reduced to its shape. */
function confKeys(text: string): string[] {
  const lines = text.split("\n").filter((l) => l !== "");
  const from = lines.findIndex((l) => l.startsWith("serverId="));
  return lines.slice(from).map((l) => {
    if (l.startsWith("server.")) {
      const m =
        /^server\.\d+=127\.0\.0\.1:\d+:\d+:(participant|observer)(;127\.0\.0\.1:\d+)?$/.exec(l);
      assert.ok(m !== null, l);
      return `server.N:${m[1]}`;
    }
    return l.startsWith("membership:") ? l : l.slice(0, l.indexOf("="));
  });
}

async function roleView(port: number): Promise<RoleView> {
  const srvr = await fourLetterWord(port, "srvr");
  const mntr = await fourLetterWord(port, "mntr");
  return {
    srvrLabels: labels(srvr),
    statLabels: labels(await fourLetterWord(port, "stat")),
    mode: /^Mode: (.*)$/m.exec(srvr)?.[1] ?? "",
    proposalSizes: /^Proposal sizes last\/min\/max: (.*)$/m.exec(srvr)?.[1] ?? null,
    mntr: mntrLines(mntr),
    mntrKeys: mntr
      .split("\n")
      .filter((l) => l.includes("\t"))
      .map((l) => l.slice(0, l.indexOf("\t"))),
    confKeys: confKeys(await fourLetterWord(port, "conf")),
  };
}

interface Ensemble {
  members: number[];
  connectString: string;
  port(id: number): number;
  waitForLeader(): Promise<number>;
}

/**
 * Writes through the ensemble, waits (bounded) until its leader reports both followers (and
 * the observer, if any) synced, and reads the leader's, a follower's and the observer's
 * four-letter words.
 */
async function observe(ensemble: Ensemble, observer: number | null = null): Promise<EnsembleView> {
  const leader = await ensemble.waitForLeader();
  const client = await ZooKeeperClient.connect(ensemble.connectString);
  try {
    await client.create("/differential", new Uint8Array(100));
  } finally {
    await client.close();
  }
  const deadline = performance.now() + 15000;
  for (;;) {
    const mntr = await fourLetterWord(ensemble.port(leader), "mntr");
    const observerSynced = observer === null || /^zk_synced_observers\t1$/m.test(mntr);
    if (/^zk_synced_followers\t2$/m.test(mntr) && observerSynced) break;
    if (performance.now() > deadline) throw new Error(`followers never synced:\n${mntr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const follower = ensemble.members.find((id) => id !== leader && id !== observer)!;
  const leaderView = await roleView(ensemble.port(leader));
  const followerView = await roleView(ensemble.port(follower));
  const observerView = observer === null ? null : await roleView(ensemble.port(observer));
  await fourLetterWord(ensemble.port(leader), "srst");
  const afterReset = await fourLetterWord(ensemble.port(leader), "srvr");
  return {
    leader: leaderView,
    follower: followerView,
    observer: observerView,
    proposalSizesAfterReset: /^Proposal sizes last\/min\/max: (.*)$/m.exec(afterReset)?.[1] ?? null,
  };
}

test("a 3-member Corral answers srvr, stat, mntr and conf with ZooKeeper 3.8's ensemble lines", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 180000,
}, async () => {
  const zk = await RealZooKeeperEnsemble.start();
  let real: EnsembleView;
  try {
    real = await observe(zk);
  } finally {
    await zk.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    extraConfig: ["4lw.commands.whitelist=*"],
  });
  let ours: EnsembleView;
  try {
    ours = await observe(corral);
  } finally {
    await corral.stop();
  }
  // The real ensemble shows what is compared, so the comparison cannot pass on nothing.
  assert.equal(real.leader.mode, "leader");
  assert.equal(real.follower.mode, "follower");
  assert.ok(real.leader.mntr.length >= 10, JSON.stringify(real.leader.mntr));
  // srst clears the leader's proposal sizes on both.
  assert.equal(real.proposalSizesAfterReset, "-1/-1/-1");
  assert.equal(ours.proposalSizesAfterReset, real.proposalSizesAfterReset);
  for (const role of ["leader", "follower"] as const) sameRoleLines(role, real[role], ours[role]);
});

test("with an observer, Corral's observer and leader answer as ZooKeeper 3.8's do", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 180000,
}, async () => {
  const zk = await RealZooKeeperEnsemble.start({ members: 3, observers: 1 });
  let real: EnsembleView;
  try {
    real = await observe(zk, 4);
  } finally {
    await zk.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    observers: 1,
    extraConfig: ["4lw.commands.whitelist=*"],
  });
  let ours: EnsembleView;
  try {
    ours = await observe(corral, 4);
  } finally {
    await corral.stop();
  }
  assert.equal(real.observer?.mode, "observer");
  assert.ok(
    real.leader.mntr.some(([k, v]) => k === "zk_synced_observers" && v === "1"),
    JSON.stringify(real.leader.mntr),
  );
  for (const role of ["leader", "follower", "observer"] as const) {
    sameRoleLines(role, real[role]!, ours[role]!);
  }
});

/** One role's srvr, stat, ensemble mntr lines and conf keys, Corral's against ZooKeeper's. */
function sameRoleLines(role: string, r: RoleView, c: RoleView): void {
  assert.equal(c.mode, r.mode, role);
  assert.deepEqual(c.srvrLabels, r.srvrLabels, `${role} srvr`);
  assert.deepEqual(c.statLabels, r.statLabels, `${role} stat`);
  assert.equal(c.proposalSizes === null, r.proposalSizes === null, `${role} proposal sizes`);
  if (c.proposalSizes !== null) assert.match(c.proposalSizes, /^\d+\/\d+\/\d+$/);
  assert.deepEqual(
    c.mntr.map(([k]) => k),
    r.mntr.map(([k]) => k),
    `${role} mntr keys`,
  );
  // The whole of mntr: the keys both print come in the same order.
  const common = c.mntrKeys.filter((k) => r.mntrKeys.includes(k));
  assert.ok(common.length >= 20, `${role}: ${common.join(" ")}`);
  assert.deepEqual(
    common,
    r.mntrKeys.filter((k) => common.includes(k)),
    `${role} mntr order`,
  );
  const facts = (lines: [string, string][]) => lines.filter(([k]) => factKeys.includes(k));
  assert.deepEqual(facts(c.mntr), facts(r.mntr), `${role} mntr facts`);
  assert.deepEqual(c.confKeys, r.confKeys, `${role} conf`);
}

/** Every word's answer on one member, but envi (its environment differs by nature). */
async function leaderlessAnswers(port: number): Promise<Record<string, string>> {
  const words = ["ruok", "srvr", "stat", "cons", "crst", "srst", "conf", "mntr", "dump"];
  words.push("wchs", "wchc", "wchp", "isro", "dirs", "gtmk", "hash");
  const answers: Record<string, string> = {};
  for (const word of words) answers[word] = await fourLetterWord(port, word);
  return answers;
}

test("a member without a leader answers the four-letter words as ZooKeeper 3.8's does", {
  skip: !realZooKeeperAvailable() && "zookeeper not installed",
  timeout: 180000,
}, async () => {
  const zk = await startRealZooKeeper({ leaderless: true });
  let real: Record<string, string>;
  let realEnvi: string;
  try {
    real = await leaderlessAnswers(zk.port);
    realEnvi = await fourLetterWord(zk.port, "envi");
  } finally {
    await zk.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    extraConfig: ["4lw.commands.whitelist=*"],
  });
  let ours: Record<string, string>;
  let oursEnvi: string;
  try {
    await corral.waitForLeader();
    const lone = corral.members[0];
    for (const id of corral.members.slice(1)) await corral.kill(id);
    // It serves until it gives up on its leader (an election timeout), then looks.
    const deadline = performance.now() + 30000;
    while (!(await fourLetterWord(corral.port(lone), "srvr")).startsWith("This ZooKeeper")) {
      if (performance.now() > deadline) throw new Error("the lone member still serves");
      await new Promise((r) => setTimeout(r, 100));
    }
    ours = await leaderlessAnswers(corral.port(lone));
    oursEnvi = await fourLetterWord(corral.port(lone), "envi");
  } finally {
    await corral.stop();
  }
  // The reference shows the refusal, so the comparison cannot pass on ordinary answers.
  assert.equal(real.srvr, "This ZooKeeper instance is not currently serving requests\n");
  assert.equal(real.isro, "null");
  assert.deepEqual(ours, real);
  assert.match(realEnvi, /^Environment:\n/);
  assert.match(oursEnvi, /^Environment:\n/);
});
