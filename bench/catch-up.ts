// Catch-up benchmark: a member of a 3-process ensemble restarted on an empty data directory
// rejoins from the leader's snapshot of a large tree. A script, not a test (minutes, and
// gigabytes of memory across the three processes):
//   npm run bench:catch-up                1 000 000 znodes of 100 bytes
//   npm run bench:catch-up -- 200000      another count
//   npm run bench:catch-up -- --snap-count=5000   fewer snapshots of the leader's own
// It fills the tree through the leader with multis (1000 creates each, /bench/p<i>/n<j>),
// writes past the entries the leader keeps behind its snapshots so the start of the log is
// gone, and measures the latency of a steady probe load on the leader (setData and getData
// from 4 clients, one request at a time each) before the restart and during the install.
// The install time is what the restarted member's own log says: from the process start to
// the state replaced by the snapshot, then until its znode count equals the leader's.
import { performance } from "node:perf_hooks";
import { ZooKeeperClient } from "../src/client/index.js";
import { CorralEnsemble } from "../test/support/corral-ensemble.js";
import { fourLetterWord } from "../test/support/four-letter.js";

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
/** --snap-count=N: entries between snapshots (1000 by default, so the padding stays short). */
const snapCount = Number(
  /^--snap-count=(\d+)$/.exec(process.argv.find((a) => a.startsWith("--snap-count=")) ?? "")?.[1] ??
    1000,
);
const perParent = 1000;
const data = new Uint8Array(100).fill(0x61);
const probeClients = 4;
const beforeMs = 10000;
const installedLine = "state replaced by a snapshot from the leader";
const nodeExists = -110;

function log(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 23)}] ${text}`);
}

async function znodeCount(port: number): Promise<number> {
  const text = await fourLetterWord(port, "mntr", 30000).catch(() => "");
  const m = /zk_znode_count\s+(\d+)/.exec(text);
  return m === null ? -1 : Number(m[1]);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (v: number): string => v.toFixed(1);
  return (
    `${name}: ${s.length} requests, p50 ${f(percentile(s, 50))} ms, p99 ${f(percentile(s, 99))} ms, ` +
    `p99.9 ${f(percentile(s, 99.9))} ms, max ${f(s[s.length - 1] ?? Number.NaN)} ms`
  );
}

/** The timestamp at the start of the first log line containing `text`, in epoch ms. */
function loggedAt(logs: string, text: string): number {
  const line = logs.split("\n").find((l) => l.includes(text));
  if (line === undefined) return Number.NaN;
  return Date.parse(line.slice(0, 24));
}

/**
 * Runs `op` until it succeeds or finds its work done (NodeExists: a multi or create applied
 * before the connection was lost); the machine is shared, and a slow member may lose its
 * leadership during the fill.
 */
async function retrying(op: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await op();
      return;
    } catch (e) {
      if ((e as { code?: number }).code === nodeExists) return;
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function fill(client: ZooKeeperClient): Promise<void> {
  await retrying(() => client.create("/bench"));
  const parents = Math.ceil(count / perParent);
  const inFlight: Promise<unknown>[] = [];
  for (let p = 0; p < parents; p++) {
    const build = () => {
      const tx = client.transaction();
      tx.create(`/bench/p${p}`, null);
      for (let j = 0; j < perParent && p * perParent + j < count; j++) {
        tx.create(`/bench/p${p}/n${j}`, data);
      }
      return tx.commit();
    };
    inFlight.push(retrying(build));
    if (inFlight.length >= 4) await Promise.all(inFlight.splice(0));
    if (p % 100 === 99) log(`filled ${(p + 1) * perParent} znodes`);
  }
  await Promise.all(inFlight);
}

interface Phase {
  name: string;
  writes: number[];
  reads: number[];
}

async function main(): Promise<void> {
  const ensemble = await CorralEnsemble.start({
    members: 3,
    extraConfig: [`snapCount=${snapCount}`],
    logLevel: "info",
  });
  const clients: ZooKeeperClient[] = [];
  try {
    let leader = await ensemble.waitForLeader();
    log(`leader ${leader}; ${count} znodes; snapCount ${snapCount}`);
    const filler = await ZooKeeperClient.connect(ensemble.connectString, {
      sessionTimeoutMs: 30000,
    });
    clients.push(filler);
    const fillStart = performance.now();
    await fill(filler);
    log(`fill done in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);
    // Writes until every member has a snapshot past index 1000: having kept 1000 entries
    // behind it, the leader has dropped the first, so the empty member cannot catch up from
    // the log. A snapshot falls due every snapCount entries, but one due while the previous
    // is still being written is skipped.
    const snapshotZxid = (id: number): number => {
      let newest = 0;
      for (const m of ensemble.logs(id).matchAll(/snapshot written zxid=(\d+)/g))
        newest = Math.max(newest, Number(m[1]));
      return newest;
    };
    // Every member, so whoever leads when the pad ends qualifies.
    const everySnapshotZxid = (): number =>
      Math.min(...ensemble.members.map((id) => snapshotZxid(id)));
    await retrying(() => filler.create("/pad"));
    let padded = 0;
    const padStart = performance.now();
    while (everySnapshotZxid() <= 1000) {
      if (performance.now() - padStart > 600000) throw new Error("no snapshot on the leader");
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) {
        const path = `/pad/p-${padded++}`;
        batch.push(retrying(() => filler.create(path)));
      }
      await Promise.all(batch);
    }
    log(`padded with ${padded} creates`);
    leader = await ensemble.waitForLeader(60000);
    const follower = ensemble.members.find((id) => id !== leader)!;
    log(`leader ${leader}; member ${follower} will rejoin empty`);
    const snapLines = ensemble
      .logs(leader)
      .split("\n")
      .filter((l) => l.includes("snapshot written"));
    for (const l of snapLines) log(`leader: ${l.slice(25)}`);

    for (let i = 0; i < probeClients; i++) {
      const c = await ZooKeeperClient.connect(ensemble.address(leader), {
        sessionTimeoutMs: 30000,
      });
      clients.push(c);
      await c.create(`/probe-${i}`, "0");
    }
    const phases: Phase[] = [
      { name: "before", writes: [], reads: [] },
      { name: "during install", writes: [], reads: [] },
      { name: "after install", writes: [], reads: [] },
    ];
    let phase = phases[0];
    let stop = false;
    let errors = 0;
    const probes = clients.slice(1).map(async (c, i) => {
      let n = 0;
      while (!stop) {
        const t0 = performance.now();
        const p = phase;
        try {
          if (n % 2 === 0) {
            await c.setData(`/probe-${i}`, String(n));
            p.writes.push(performance.now() - t0);
          } else {
            await c.getData(`/probe-${i}`);
            p.reads.push(performance.now() - t0);
          }
        } catch {
          errors++;
        }
        n++;
      }
    });
    await new Promise((r) => setTimeout(r, beforeMs));

    await ensemble.kill(follower);
    ensemble.wipeData(follower);
    phase = phases[1];
    const restartStart = Date.now();
    await ensemble.restart(follower);
    const deadline = performance.now() + 900000;
    while (!ensemble.logs(follower).includes(installedLine)) {
      if (performance.now() > deadline) throw new Error("no install within 15 minutes");
      await new Promise((r) => setTimeout(r, 20));
    }
    phase = phases[2];
    const installSeenMs = Date.now();
    const leaderCount = await znodeCount(ensemble.port(leader));
    while ((await znodeCount(ensemble.port(follower))) < leaderCount) {
      if (performance.now() > deadline) throw new Error("no catch-up within 15 minutes");
      await new Promise((r) => setTimeout(r, 50));
    }
    const caughtUpMs = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    stop = true;
    await Promise.all(probes);

    const flogs = ensemble.logs(follower);
    const started = loggedAt(flogs, "starting corral");
    const linked = loggedAt(flogs, "peer link up");
    const installed = loggedAt(flogs, installedLine);
    const installLine = flogs.split("\n").find((l) => l.includes(installedLine)) ?? "";
    log(`follower: ${installLine.slice(25)}`);
    for (const l of flogs.split("\n")) {
      if (
        /snapshot|election|campaign|leader|warn|WARN|ERROR/i.test(l) &&
        !l.includes("snapshot written")
      )
        log(`  follower log: ${l.slice(11)}`);
    }
    for (const l of ensemble.logs(leader).split("\n").slice(-400)) {
      if (/WARN|ERROR|leader changed|term/i.test(l)) log(`  leader log: ${l.slice(11)}`);
    }
    console.log("");
    console.log(`znodes on the leader: ${leaderCount}`);
    console.log(`restart to process start: ${started - restartStart} ms`);
    console.log(`process start to first peer link: ${linked - started} ms`);
    console.log(`process start to state replaced (install): ${installed - started} ms`);
    console.log(`restart to install seen by the bench: ${installSeenMs - restartStart} ms`);
    console.log(`restart to znode count equal to the leader's: ${caughtUpMs - restartStart} ms`);
    for (const p of phases) {
      console.log(summary(`leader writes ${p.name}`, p.writes));
      console.log(summary(`leader reads  ${p.name}`, p.reads));
    }
    console.log(`probe errors: ${errors}; leader now ${await ensemble.waitForLeader(60000)}`);
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble.stop();
  }
}

await main();
