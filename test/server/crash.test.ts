// Crash test of the standalone server: several kazoo writers (one session each) create
// sequential nodes and set data as fast as they can while the server is killed with SIGKILL at
// seeded random moments and restarted on the same data directory and port, for several rounds.
// Every write whose reply a client received is recorded. At the end, every acknowledged create
// exists exactly once with the data it was created with, no payload appears under two names
// (nothing was applied twice), sequence numbers handed out to acknowledged creates are unique
// and grow across restarts, and every writer's own node holds at least its last acknowledged
// value with a version counting at least its acknowledged sets. This proves that a write is
// acknowledged only after it is durable and that recovery replays each entry exactly once.
// Writers never retry a failed write (a retried sequential create may legitimately duplicate),
// so any duplicate is the server's doing. CORRAL_SEED replays a run's kill schedule;
// CORRAL_CRASH_ROUNDS sets the number of kills.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { kazooAvailable, python } from "../support/kazoo.js";
import { peerSkip } from "../support/peers.js";

// Writer threads: each owns a session and alternates a sequential create under /seq (payload
// "w<writer>-r<round>-<n>", unique per attempt) with a setData of /w<writer> to "<round>:<n>".
// Each acknowledged write prints one JSON line at once, so a writer killed with the server
// loses nothing it saw acknowledged. The first failure (the server died) ends the thread.
const writer = String.raw`
import sys, json, threading, os
from kazoo.client import KazooClient
from kazoo.retry import KazooRetry
hosts, rnd, writers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()
def emit(o):
    with lock:
        sys.stdout.write(json.dumps(o) + "\n"); sys.stdout.flush()
def run(w):
    # No connection retries once connected: a lost connection ends the writer.
    zk = KazooClient(hosts=hosts, timeout=10, connection_retry=KazooRetry(max_tries=0))
    try:
        zk.start(timeout=10)
    except Exception as e:
        emit({"w": w, "startFailed": repr(e)}); return
    emit({"w": w, "ready": True})
    n = 0
    try:
        while True:
            n += 1
            payload = "w%d-r%d-%d" % (w, rnd, n)
            p = zk.create("/seq/n-", payload.encode(), sequence=True)
            emit({"w": w, "op": "create", "path": p, "data": payload})
            value = "%d:%d" % (rnd, n)
            s = zk.set("/w%d" % w, value.encode())
            emit({"w": w, "op": "set", "data": value, "version": s.version})
    except Exception as e:
        emit({"w": w, "stopped": repr(e)})
ts = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(writers)]
for t in ts: t.start()
for t in ts: t.join()
os._exit(0)
`;

// Creates the parents once, and at the end reads everything back.
const setup = String.raw`
import sys, json
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=10)
zk.start(timeout=20)
if sys.argv[2] == "setup":
    zk.create("/seq")
    for w in range(int(sys.argv[3])): zk.create("/w%d" % w, b"")
    print(json.dumps({"ok": True}))
else:
    seq = {}
    for c in zk.get_children("/seq"):
        d, _ = zk.get("/seq/" + c)
        seq["/seq/" + c] = d.decode()
    ws = {}
    for w in range(int(sys.argv[3])):
        d, s = zk.get("/w%d" % w)
        ws[w] = {"data": d.decode(), "version": s.version}
    print(json.dumps({"seq": seq, "w": ws}))
zk.stop()
`;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ack {
  w: number;
  op?: "create" | "set";
  path?: string;
  data?: string;
  version?: number;
  ready?: boolean;
  stopped?: string;
  startFailed?: string;
}

function runPython(script: string, args: string[]): unknown {
  const run = spawnSync(python, ["-c", script, ...args], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, `python failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** One round: start writers, kill the server after `killAfterMs` of load, collect acks. */
async function round(
  server: CorralServer,
  rnd: number,
  writers: number,
  killAfterMs: number,
): Promise<Ack[]> {
  const child = spawn(python, ["-c", writer, server.connectString, String(rnd), String(writers)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    if (err.length < 20000) err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Load starts when every writer is connected; the kill lands somewhere in the load.
  const readyBy = Date.now() + 20_000;
  while ((out.match(/"ready"/g) ?? []).length < writers && Date.now() < readyBy) {
    if (/startFailed/.test(out)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(
    (out.match(/"ready"/g) ?? []).length,
    writers,
    `writers did not connect: ${out}${err}`,
  );
  await new Promise((r) => setTimeout(r, killAfterMs));
  await server.kill();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Ack);
}

test("acknowledged writes survive SIGKILL and are applied exactly once", {
  skip: peerSkip(!kazooAvailable() && "kazoo not installed"),
  timeout: 180_000,
}, async (t) => {
  const seed = Number(process.env.CORRAL_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (replay: CORRAL_SEED=${seed} npm test -- crash)`);
  const random = rng(seed);
  const rounds = Number(process.env.CORRAL_CRASH_ROUNDS ?? 8);
  const writers = 4;
  // A small snapCount makes the server snapshot (and compact its log) several times per round,
  // so restarts recover from a snapshot plus a log tail rather than from the log alone.
  const extraConfig = ["snapCount=300"];
  let server = await startCorralServer({ extraConfig });
  const { dataDir, port } = server;
  const acks: Ack[] = [];
  try {
    runPython(setup, [server.connectString, "setup", String(writers)]);
    for (let r = 0; r < rounds; r++) {
      const killAfterMs = 200 + Math.floor(random() * 1500);
      const got = await round(server, r, writers, killAfterMs);
      const writes = got.filter((a) => a.op !== undefined);
      t.diagnostic(`round ${r}: killed after ${killAfterMs} ms, ${writes.length} acknowledged`);
      acks.push(...writes);
      server = await startCorralServer({ dataDir, port, extraConfig });
    }
    assert.ok(acks.length > rounds * writers, `too little load to prove anything: ${acks.length}`);
    // The last restart must have recovered from a snapshot plus a log tail.
    const recovered = /storage recovered snapshotZxid=(\d+) logEntries=(\d+)/.exec(server.logs());
    t.diagnostic(`last recovery: ${recovered?.[0]}`);
    assert.ok(recovered !== null && Number(recovered[1]) > 0, `seed ${seed}: no snapshot used`);
    const final = runPython(setup, [server.connectString, "check", String(writers)]) as {
      seq: Record<string, string>;
      w: Record<string, { data: string; version: number }>;
    };
    // Each acknowledged create exists with its data; no two acks share a name.
    const ackedPaths = new Set<string>();
    let lastSeq = -1;
    const seqOf = (p: string) => Number(p.slice(-10));
    for (const a of acks) {
      if (a.op !== "create" || a.path === undefined) continue;
      assert.ok(!ackedPaths.has(a.path), `seed ${seed}: ${a.path} acknowledged twice`);
      ackedPaths.add(a.path);
      assert.equal(final.seq[a.path], a.data, `seed ${seed}: acknowledged ${a.path} lost or wrong`);
    }
    // Sequence numbers grow across rounds (acks of one round come before the next round's).
    for (let r = 0; r < rounds; r++) {
      const inRound = acks
        .filter((a) => a.op === "create" && a.data?.includes(`-r${r}-`))
        .map((a) => seqOf(a.path ?? ""));
      if (inRound.length === 0) continue;
      assert.ok(Math.min(...inRound) > lastSeq, `seed ${seed}: sequence reused in round ${r}`);
      lastSeq = Math.max(...inRound);
    }
    // Nothing applied twice: every payload names one attempt, so it appears under one name.
    const payloads = new Map<string, string>();
    for (const [p, d] of Object.entries(final.seq)) {
      assert.ok(!payloads.has(d), `seed ${seed}: ${d} stored as ${payloads.get(d)} and ${p}`);
      payloads.set(d, p);
    }
    // setData: the last acknowledged value (or a later unacknowledged one) is there, and the
    // version counts at least every acknowledged set.
    for (let w = 0; w < writers; w++) {
      const sets = acks.filter((a) => a.w === w && a.op === "set");
      if (sets.length === 0) continue;
      const last = sets[sets.length - 1];
      const [lr, ln] = (last.data ?? "").split(":").map(Number);
      const [fr, fn] = final.w[w].data.split(":").map(Number);
      assert.ok(fr > lr || (fr === lr && fn >= ln), `seed ${seed}: /w${w} lost ${last.data}`);
      assert.ok(final.w[w].version >= (last.version ?? 0), `seed ${seed}: /w${w} version`);
      assert.ok(final.w[w].version >= sets.length, `seed ${seed}: /w${w} lost sets`);
    }
    await server.stop();
  } catch (e) {
    t.diagnostic(`server log tail:\n${server.logs().slice(-4000)}`);
    await server.kill();
    throw e;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
