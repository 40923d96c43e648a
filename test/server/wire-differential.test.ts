// Differential test over the wire: one seeded random sequence of operations from three
// sessions (digest alice, digest bob, anonymous) runs through kazoo against the real Apache
// ZooKeeper 3.8 server and against Corral's standalone server, and everything the clients see
// must be identical: error codes, returned paths, data, children, ACLs, Stats, the watch
// notifications each session received (type and path, in order), and the tree read back
// before and after every session closed. The ops cover create in every mode (persistent,
// ephemeral, sequential, container, TTL, create2), delete, setData, setACL, getACL, getData,
// getChildren(2) and exists with and without watches, sync, getEphemerals,
// getAllChildrenNumber, addWatch (persistent and recursive), checkWatches, removeWatches,
// multi that succeeds and fails, multiRead, digest and auth-scheme ACLs, built-in and malformed paths,
// and sessions closing (their ephemerals go, their watches with them) and reconnecting.
//
// What is compared by order rather than value: zxids (ZooKeeper's are epoch<<32|counter,
// Corral's are log indexes, and what consumes a zxid besides writes and sessions may differ),
// so each side's zxids are replaced by their rank among all zxids that side returned; clock
// times, which must rise with the zxid on each side and are then dropped; session ids, which
// are replaced by which session (in creation order) they name. Deliberate differences, where
// Corral follows ZooKeeper 3.8.4+/3.9 and the installed server is 3.8.0, are kept out of the
// comparison by construction, each explained in the generator: exists() and notifications
// check READ (3.8.4+), so watches are only set where every session can read, and unreadable
// nodes are probed (driver) rather than sent exists(); one connection's watch modes on one
// path are independent in 3.9, so no session sets a standard watch on a path where it holds a
// persistent one, nor the other way round. Ephemeral deletions of one closing session are
// notified in an order ZooKeeper takes from a Java HashSet, so that stretch of each session's
// notifications is compared as a set (the driver marks it). ZooKeeper 3.8's checkWatches also
// matches other connections' watches (see sameAnswer()).
// CORRAL_SEED replays a run, CORRAL_WIRE_DIFF_OPS sets its length (default 3000),
// CORRAL_DIFF_TRACE=1 prints both sides op by op, CORRAL_DIFF_DUMP=file.json writes the ops and
// both normalized runs.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startCorralServer } from "../support/corral-server.js";
import { kazooAvailable, python } from "../support/kazoo.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { rng } from "../support/rng.js";

const here = dirname(fileURLToPath(import.meta.url));

function driverFile(): string {
  // Compiled: dist/test/server/ -> test/server/. Run from source: this folder.
  const name = "wire_differential_driver.py";
  const compiled = join(here, "..", "..", "..", "test", "server", name);
  return existsSync(compiled) ? compiled : join(here, name);
}

interface AclEntry {
  perms: number;
  id: { scheme: string; id: string };
}
const entry = (perms: number, scheme: string, id: string): AclEntry => ({
  perms,
  id: { scheme, id },
});
const digestId = (user: string, password: string) =>
  `${user}:${createHash("sha1").update(`${user}:${password}`).digest("base64")}`;
const alice = digestId("alice", "secret");
const bob = digestId("bob", "hunter2");

// Outside /s every ACL lets every session READ, so the notification READ filter of 3.8.4+
// (which Corral applies and 3.8.0 does not) never drops anything there.
const readableAcls: AclEntry[][] = [
  [entry(31, "world", "anyone")],
  [entry(31, "world", "anyone")],
  [entry(1, "world", "anyone"), entry(31, "digest", alice)],
  [entry(5, "world", "anyone"), entry(31, "digest", bob)],
  [entry(31, "auth", ""), entry(1, "world", "anyone")],
  [entry(31, "ip", "127.0.0.1")],
  [entry(29, "world", "anyone")],
];
// Under /s anything goes, including ACLs some or all sessions cannot read, and invalid ones.
const anyAcls: AclEntry[][] = [
  ...readableAcls,
  [entry(31, "digest", alice)],
  [entry(30, "world", "anyone")],
  [entry(31, "ip", "10.0.0.0/8")],
  [entry(31, "world", "bob")],
  [entry(31, "auth", "")],
  [entry(3, "digest", bob), entry(31, "digest", alice)],
];

interface WOp {
  op: string;
  c?: number;
  path?: string;
  data?: string;
  acl?: AclEntry[];
  mode?: string;
  sequence?: boolean;
  stat?: boolean;
  ttl?: number;
  version?: number;
  watch?: boolean;
  type?: number;
  watchMode?: number;
  watched?: boolean;
  ops?: WOp[];
}

function generate(seed: number, count: number): WOp[] {
  const r = rng(seed);
  const known = new Set<string>(["/", "/zookeeper", "/s", "/a", "/b"]);
  // Per client slot: paths where the current session holds a persistent or recursive watch.
  const persistent: Set<string>[] = [new Set(), new Set(), new Set()];
  // Per client slot: paths where the current session may hold a standard watch.
  const standard: Set<string>[] = [new Set(), new Set(), new Set()];
  // Built-in nodes and malformed paths now and then.
  const odd = ["/zookeeper/quota", "/zookeeper/config", "/a/", "/a//b", "/a/./b", "/a/../b", "/s/"];
  const path = (): string => {
    if (r.int(40) === 0) return r.pick(odd);
    if (r.int(2) === 0) return r.pick(Array.from(known));
    let p = `/${r.pick(["a", "b", "s"])}`;
    for (let d = r.pick([0, 1, 1, 2]); d > 0; d--) p += `/${r.pick(["a", "b", "c"])}`;
    return p;
  };
  // /s is created once by the run's first op and stays: it is the readable parent of the
  // unreadable area, so nothing deletes it or changes its ACL.
  const writable = (p: string) => (p === "/s" ? "/a" : p);
  const secret = (p: string) => p.startsWith("/s/");
  const aclFor = (p: string) => r.pick(secret(p) ? anyAcls : readableAcls);
  const version = () => r.pick([-1, -1, 0, 1, 2]);
  const data = () => "62".repeat(r.int(10));
  // A standard watch only where every session can read (see readableAcls) and where this
  // session holds no persistent watch (3.8 lets the standard one replace it, 3.9 keeps both).
  // ZooKeeper 3.8 also lets a later addWatch replace a standard watch on the same path (a
  // getChildren watch is lost under a recursive one), so addWatch avoids those paths.
  const watch = (c: number, p: string) => {
    const w = !secret(p) && !persistent[c].has(p) && r.int(2) === 0;
    if (w) standard[c].add(p);
    return w;
  };
  const create = (c: number, inMulti: boolean): WOp => {
    const p = writable(path());
    known.add(p);
    const m = r.int(inMulti ? 2 : 5);
    const mode = ["persistent", "ephemeral", "persistent", "container", "ttl"][m];
    const sequence = mode !== "container" && r.int(3) === 0;
    // A sequential create may name a parent with a trailing slash ("/a/" makes /a/0000000001).
    const target = sequence && m < 3 && r.int(3) === 0 ? `${p}/` : p;
    return {
      op: "create",
      c,
      path: target,
      data: data(),
      acl: r.int(30) === 0 ? [] : aclFor(p),
      mode,
      sequence,
      stat: r.int(2) === 0,
      ttl: r.pick([3_600_000, 3_600_000, 0]),
    };
  };
  const sub = (c: number): WOp => {
    const k = r.int(7);
    if (k < 3) return create(c, true);
    const p = path();
    if (k < 4) return { op: "delete", path: writable(p), version: version() };
    if (k < 6) return { op: "set", path: p, data: data(), version: version() };
    return { op: "check", path: p, version: version() };
  };
  // A quota on /a, as zkCli's setquota lays it out: the server keeps zookeeper_stats current.
  const hexOf = (text: string) => Buffer.from(text).toString("hex");
  const plain = (c: number, p: string, d: string): WOp => ({
    op: "create",
    c,
    path: p,
    data: hexOf(d),
    acl: readableAcls[0],
    mode: "persistent",
    sequence: false,
    stat: false,
    ttl: 0,
  });
  const quota = [
    plain(1, "/zookeeper/quota/a", ""),
    plain(1, "/zookeeper/quota/a/zookeeper_limits", "count=5,bytes=40"),
    plain(1, "/zookeeper/quota/a/zookeeper_stats", "count=0,bytes=0"),
  ];
  const out: WOp[] = [
    ...quota,
    {
      op: "create",
      c: 0,
      path: "/s",
      data: "",
      acl: readableAcls[0],
      mode: "persistent",
      sequence: false,
      stat: false,
      ttl: 0,
    },
  ];
  while (out.length < count) {
    const c = r.int(3);
    const k = r.int(100);
    const p = path();
    if (k < 24) out.push(create(c, false));
    else if (k < 32) out.push({ op: "delete", c, path: writable(p), version: version() });
    else if (k < 44) out.push({ op: "set", c, path: p, data: data(), version: version() });
    else if (k < 49)
      out.push({
        op: "setacl",
        c,
        path: writable(p),
        acl: r.int(8) === 0 ? [] : aclFor(p),
        version: r.pick([-1, 0, 1]),
      });
    else if (k < 53) out.push({ op: "getacl", c, path: p });
    else if (k < 61) {
      // Clients only read the quota's nodes: ZooKeeper 3.8.0 dies on some writes to them.
      if (r.int(6) === 0) out.push({ op: "get", c, path: r.pick(quota).path, watch: false });
      else out.push({ op: "get", c, path: p, watch: watch(c, p) });
    } else if (k < 69)
      out.push({ op: "children", c, path: p, watch: watch(c, p), stat: r.int(2) === 0 });
    else if (k < 77) out.push({ op: "exists", c, path: p, watch: watch(c, p) });
    else if (k < 78) out.push({ op: "sync", c, path: p });
    else if (k < 79 && r.int(2) === 0) {
      const reads: WOp[] = [];
      for (let n = 1 + r.int(4); n > 0; n--)
        reads.push({ op: r.pick(["get", "children"]), path: path() });
      out.push({ op: "multiread", c, ops: reads });
    } else if (k < 79)
      out.push(
        r.int(2) === 0
          ? { op: "ephemerals", c, path: r.pick(["/", "", "/a", "/b/", "/s/a"]) }
          : { op: "count", c, path: p },
      );
    else if (k < 90) {
      const ops: WOp[] = [];
      for (let n = 1 + r.int(4); n > 0; n--) ops.push(sub(c));
      out.push({ op: "multi", c, ops });
    } else if (k < 93) {
      const wp = r.pick(["/a", "/b", "/a/b", "/b/a", "/a/a"]);
      if (persistent[c].has(wp) || standard[c].has(wp)) continue;
      persistent[c].add(wp);
      out.push({ op: "addwatch", c, path: wp, watchMode: r.int(2) });
    } else if (k < 97) {
      if (persistent[c].has(p)) continue;
      const kind = r.pick(["removewatches", "checkwatches"]);
      // Whether any session may hold a watch at this path or a persistent one above it: see
      // sameAnswer() for what ZooKeeper 3.8's checkWatches makes of that.
      const watched = [...standard, ...persistent].some((set) =>
        Array.from(set).some((w) => w === p || p.startsWith(`${w}/`)),
      );
      out.push({ op: kind, c, path: p, type: 1 + r.int(3), watched });
    } else if (k < 99) {
      out.push({ op: "close", c });
      persistent[c].clear();
      standard[c].clear();
    } else out.push({ op: "exists", c, path: p, watch: false });
  }
  return out;
}

interface Run {
  results: unknown[];
  events: Record<string, [number, string][]>;
  sessions: string[];
  tree: Record<string, unknown>;
  afterClose: Record<string, unknown>;
}

type StatArray = [
  number, // czxid
  number, // mzxid
  number, // ctime
  number, // mtime
  number, // version
  number, // cversion
  number, // aversion
  string, // ephemeralOwner, as a decimal string (ZooKeeper's exceed 2^53)
  number, // dataLength
  number, // numChildren
  number, // pzxid
];

function isStat(x: unknown): x is StatArray {
  return (
    Array.isArray(x) &&
    x.length === 11 &&
    typeof x[7] === "string" &&
    x.every((v, i) => i === 7 || typeof v === "number")
  );
}

function forEachStat(x: unknown, f: (s: StatArray) => void): void {
  if (isStat(x)) f(x);
  else if (Array.isArray(x)) for (const y of x) forEachStat(y, f);
  else if (x !== null && typeof x === "object")
    for (const y of Object.values(x as Record<string, unknown>)) forEachStat(y, f);
}

/**
 * Rewrites one side's run so it can be compared with the other's: zxids become ranks, times
 * are checked to rise with zxids and then zeroed, session ids become session names.
 */
function normalize(run: Run, side: string): Run {
  const all = [run.results, run.tree, run.afterClose];
  const zxids = new Set<number>();
  const times: [number, number][] = [];
  forEachStat(all, (s) => {
    zxids.add(s[0]);
    zxids.add(s[1]);
    zxids.add(s[10]);
    times.push([s[0], s[2]], [s[1], s[3]]);
  });
  times.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (let i = 1; i < times.length; i++) {
    assert.ok(
      times[i][1] >= times[i - 1][1],
      `${side}: time ${times[i][1]} of zxid ${times[i][0]} is before time ${times[i - 1][1]} of zxid ${times[i - 1][0]}`,
    );
  }
  const rank = new Map<number, number>();
  for (const z of Array.from(zxids).sort((x, y) => x - y)) rank.set(z, rank.size);
  const session = new Map<string, string>(run.sessions.map((id, i) => [id, `s${i}`]));
  const copy = JSON.parse(JSON.stringify(run)) as Run;
  forEachStat([copy.results, copy.tree, copy.afterClose], (s) => {
    s[0] = rank.get(s[0]) ?? -1;
    s[1] = rank.get(s[1]) ?? -1;
    s[10] = rank.get(s[10]) ?? -1;
    s[2] = 0;
    s[3] = 0;
    if (s[7] !== "0") s[7] = session.get(s[7]) ?? `unknown session ${s[7]}`;
  });
  copy.sessions = [];
  // The notifications a session got from another session's close (between the driver's two
  // markers) are ephemeral deletions of one transaction, in an order ZooKeeper takes from a
  // Java HashSet: compare them as a sorted set.
  for (const list of Object.values(copy.events)) {
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== 0 || !list[i][1].startsWith("before close")) continue;
      let j = i + 1;
      while (j < list.length && list[j][0] !== 0) j++;
      const stretch = list
        .slice(i + 1, j)
        .sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
      list.splice(i + 1, stretch.length, ...stretch);
      i = j;
    }
  }
  return copy;
}

/**
 * Corral's result, or ZooKeeper's where the difference is a known ZooKeeper 3.8 defect:
 * its checkWatches (WatchManager.containsWatcher in 3.6–3.8) answers OK when any connection
 * watches the path (or holds a recursive watch above it), not only the asking one. Corral
 * checks the asking connection's own watches, as removeWatches does in both and as
 * zookeeper-protocol.md §11.5 states; only that exact pair of answers is let through.
 */
function sameAnswer(op: WOp, ours: unknown, theirs: unknown): unknown {
  const err = (x: unknown) => (x as { err?: unknown }).err;
  if (op.op === "checkwatches" && op.watched && err(ours) === -121 && err(theirs) === 0) {
    return theirs;
  }
  return ours;
}

function drive(connectString: string, ops: WOp[]): Run {
  const run = spawnSync(python, [driverFile(), connectString], {
    input: JSON.stringify(ops),
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, `kazoo driver failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Run;
}

test("Corral's server answers like real ZooKeeper over the wire", {
  skip: peerSkip(
    (!realZooKeeperAvailable() || !kazooAvailable()) && "real ZooKeeper or kazoo not installed",
  ),
  timeout: 300_000,
}, async (t) => {
  const seed = Number(process.env.CORRAL_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (replay: CORRAL_SEED=${seed} npm test -- wire-differential)`);
  const ops = generate(seed, Number(process.env.CORRAL_WIRE_DIFF_OPS ?? 3000));
  // Containers and TTL nodes are reaped by a periodic check on both servers; pushing it out of
  // the run's reach keeps the trees deterministic.
  const [zk, corral] = await Promise.all([
    startRealZooKeeper({ systemProperties: { "znode.container.checkIntervalMs": "3600000" } }),
    startCorralServer({ extraConfig: ["znode.container.checkIntervalMs=3600000"] }),
  ]);
  try {
    const theirs = normalize(drive(zk.connectString, ops), "zookeeper");
    const ours = normalize(drive(corral.connectString, ops), "corral");
    if (process.env.CORRAL_DIFF_DUMP) {
      writeFileSync(process.env.CORRAL_DIFF_DUMP, JSON.stringify({ ops, ours, theirs }));
    }
    if (process.env.CORRAL_DIFF_TRACE) {
      ops.forEach((op, i) => {
        console.log(i, JSON.stringify(op));
        console.log("   corral", JSON.stringify(ours.results[i]));
        console.log("   zk    ", JSON.stringify(theirs.results[i]));
      });
    }
    for (let i = 0; i < ops.length; i++) {
      assert.deepEqual(
        sameAnswer(ops[i], ours.results[i], theirs.results[i]),
        theirs.results[i],
        `seed ${seed} op ${i}: ${JSON.stringify(ops[i])}`,
      );
    }
    assert.deepEqual(ours.events, theirs.events, `seed ${seed}: watch notifications`);
    assert.deepEqual(ours.tree, theirs.tree, `seed ${seed}: final tree`);
    assert.deepEqual(ours.afterClose, theirs.afterClose, `seed ${seed}: tree after close`);
    // The run must have exercised what it claims to compare.
    const notified = Object.values(ours.events).reduce((n, e) => n + e.length, 0);
    if (ops.length >= 200) assert.ok(notified > 0, `seed ${seed}: no notification at all`);
  } catch (e) {
    t.diagnostic(`corral log tail:\n${corral.logs().slice(-3000)}`);
    throw e;
  } finally {
    await Promise.all([zk.stop(), corral.stop()]);
  }
});
