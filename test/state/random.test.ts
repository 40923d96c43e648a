// Drives long random sequences of entries (every write op and create mode, multi, setACL with
// valid and invalid ACLs, several auth identities, sessions opening and closing, reaps,
// quotas) through apply() and checks the invariants after every step:
//   - tree shape: every child named by a parent exists, every node is in its parent's set;
//   - numChildren and cversion consistent (cversion = 2C - numChildren, C >= numChildren for
//     user nodes), C never decreases, pzxid >= every child's czxid, zxids never ahead;
//   - no orphan ephemerals: owners are live sessions, the index equals the ephemeral nodes,
//     ephemerals have no children; container/TTL indexes and ACL reference counts exact;
//   - sequence numbers unique and strictly increasing per parent;
//   - quota stats equal a recount of the quota subtree;
//   - a failed write (or failed multi) changes nothing;
//   - snapshot encode/decode yields an identical state.
// The seed is printed; CORRAL_SEED=<n> replays one run, CORRAL_RANDOM_RUNS / _STEPS make the
// run longer.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, ErrorCode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL, Id, MultiOp, MultiResult } from "../../src/protocol/records.js";
import { type ApplyOutcome, apply } from "../../src/state/apply.js";
import { type Entry, EntryKind, type WriteOp } from "../../src/state/entry.js";
import { decodeSnapshot } from "../../src/state/snapshot.js";
import { encodeSnapshot, SnapshotWriter } from "../../src/state/snapshot-writer.js";
import { State } from "../../src/state/state.js";
import { isAtOrBelow, parentOf } from "../../src/tree/path.js";
import { parseStats, statPathOf } from "../../src/tree/quota.js";
import { WatchRegistry } from "../../src/tree/watch-registry.js";
import { NodeKind } from "../../src/tree/znode.js";
import { rng } from "../support/rng.js";
import { acl, aliceId, bobId, dumpState, localIp, open, superId, text } from "./harness.js";

/** mulberry32: small, fast, good enough to pick test operations reproducibly. */
type Rng = ReturnType<typeof rng>;

const names = ["a", "b", "c", "s-", ""];
const identities: Id[][] = [[localIp], [localIp], [localIp, aliceId], [localIp, bobId], [superId]];
const acls: (ACL[] | null)[] = [
  open,
  open,
  open,
  [acl(Perm.read | Perm.create | Perm.delete, "world", "anyone")],
  [acl(Perm.all, "digest", aliceId.id)],
  [acl(Perm.all, "auth", "")],
  [acl(Perm.read, "world", "anyone"), acl(Perm.all, "ip", "127.0.0.0/8")],
  [acl(Perm.all, "world", "bob")],
  null,
];

class Run {
  readonly state = State.fresh({ enforceQuota: true });
  readonly watches = new WatchRegistry();
  zxid = 0;
  timeMs = 1_000_000;
  sessions: number[] = [];
  /** Last sequence number handed out per parent incarnation (path + czxid). */
  readonly lastSeq = new Map<string, number>();
  /** C of every node incarnation at the previous step. */
  prevC = new Map<string, number>();
  /** Quota paths that were ever nested with another: their stats follow ZooKeeper's quirks. */
  readonly everNested = new Set<string>();

  constructor(readonly r: Rng) {
    this.watches.addConnection(1, [localIp]);
    this.watches.addConnection(2, [localIp, aliceId]);
  }

  livePaths(): string[] {
    return Array.from(this.state.tree.entries(), ([p]) => p);
  }

  randomPath(): string {
    const r = this.r;
    if (r.chance(0.6)) {
      const base = r.pick(this.livePaths());
      if (r.chance(0.5)) return base;
      return base === "/" ? `/${r.pick(names)}` : `${base}/${r.pick(names)}`;
    }
    let p = "";
    const depth = 1 + r.int(3);
    for (let i = 0; i < depth; i++) p += `/${r.pick(names.slice(0, 3))}`;
    return r.chance(0.03) ? `${p}/` : p;
  }

  version(path: string): number {
    const node = this.state.tree.get(path);
    if (node === undefined || this.r.chance(0.4)) return -1;
    return this.r.chance(0.8) ? node.version : node.version + 1;
  }

  createOp(): MultiOp {
    const r = this.r;
    const path = this.randomPath();
    const data = r.chance(0.1) ? null : text("x".repeat(r.int(20)));
    const listAcl = r.pick(acls);
    const kind = r.int(10);
    if (kind === 0) {
      return {
        type: OpCode.createContainer,
        request: { path, data, acl: listAcl, flags: CreateMode.container },
      };
    }
    if (kind === 1) {
      const flags = r.chance(0.5)
        ? CreateMode.persistentWithTTL
        : CreateMode.persistentSequentialWithTTL;
      const ttl = r.chance(0.05) ? 0 : 1 + r.int(2000);
      return { type: OpCode.createTTL, request: { path, data, acl: listAcl, flags, ttl } };
    }
    const flags = r.int(8) === 0 ? r.pick([4, 5, 7]) : r.pick([0, 0, 1, 2, 3]);
    return {
      type: r.pick([OpCode.create, OpCode.create2]),
      request: { path, data, acl: listAcl, flags },
    };
  }

  writeOp(): MultiOp | WriteOp {
    const r = this.r;
    const k = r.int(12);
    if (k < 4) return this.createOp();
    if (k < 6) {
      const path = this.randomPath();
      return { type: OpCode.delete, request: { path, version: this.version(path) } };
    }
    if (k < 8) {
      const path = this.randomPath();
      const data = text("y".repeat(r.int(40)));
      return { type: OpCode.setData, request: { path, data, version: this.version(path) } };
    }
    if (k < 9) {
      const path = this.randomPath();
      const node = this.state.tree.get(path);
      const version = node === undefined || r.chance(0.5) ? -1 : node.aversion;
      return { type: OpCode.setACL, request: { path, acl: r.pick(acls), version } };
    }
    if (k < 10) {
      const path = this.randomPath();
      return { type: OpCode.check, request: { path, version: this.version(path) } };
    }
    const ops: MultiOp[] = [];
    const n = r.int(5);
    for (let i = 0; i < n; i++) {
      const op = this.writeOp();
      if (op.type !== OpCode.multi && op.type !== OpCode.setACL && op.type !== OpCode.reconfig)
        ops.push(op);
    }
    return { type: OpCode.multi, ops };
  }

  nextEntry(): Entry {
    const r = this.r;
    this.timeMs += r.int(300);
    const k = r.int(100);
    if (k < 4 || this.sessions.length === 0) {
      return {
        kind: EntryKind.createSession,
        timeMs: this.timeMs,
        timeoutMs: 10000,
        password: new Uint8Array(16).fill(k),
      };
    }
    if (k < 7) {
      return {
        kind: EntryKind.closeSession,
        timeMs: this.timeMs,
        sessionId: r.pick(this.sessions),
      };
    }
    if (k < 11) {
      const neverUsedMs = r.pick([0, 0, 500]);
      const candidates = this.state.tree.reapCandidates(this.timeMs, 5, neverUsedMs);
      const path = candidates.length > 0 && r.chance(0.8) ? r.pick(candidates) : this.randomPath();
      return { kind: EntryKind.reap, timeMs: this.timeMs, path, containerNeverUsedMs: neverUsedMs };
    }
    if (k < 12) return this.quotaEntry();
    let op = this.writeOp();
    if (op.type === OpCode.check) op = { type: OpCode.multi, ops: [op] };
    const sessionId = r.chance(0.02) ? 424242 : r.pick(this.sessions);
    return {
      kind: EntryKind.write,
      timeMs: this.timeMs,
      sessionId,
      authIds: r.pick(identities),
      op: op as WriteOp,
    };
  }

  /** Sets a quota on a random live user node (zkCli's setquota as a multi). */
  quotaEntry(): Entry {
    const r = this.r;
    const users = this.livePaths().filter((p) => p !== "/" && !p.startsWith("/zookeeper"));
    const path = users.length > 0 ? r.pick(users) : "/a";
    const dir = `/zookeeper/quota${path}`;
    const ops: MultiOp[] = [];
    let prefix = "/zookeeper/quota";
    for (const part of path.split("/").slice(1)) {
      prefix += `/${part}`;
      if (this.state.tree.get(prefix) === undefined) {
        ops.push({
          type: OpCode.create,
          request: { path: prefix, data: null, acl: open, flags: 0 },
        });
      }
    }
    const limits = r.chance(0.5)
      ? `count=${r.int(10)},bytes=${r.int(200)}`
      : `count=-1,bytes=-1;countHardLimit=${r.int(10)};byteHardLimit=${r.int(300)}`;
    ops.push(
      {
        type: OpCode.create,
        request: { path: `${dir}/zookeeper_limits`, data: text(limits), acl: open, flags: 0 },
      },
      {
        type: OpCode.create,
        request: {
          path: `${dir}/zookeeper_stats`,
          data: text("count=0,bytes=0"),
          acl: open,
          flags: 0,
        },
      },
    );
    return {
      kind: EntryKind.write,
      timeMs: this.timeMs,
      sessionId: this.sessions[0],
      authIds: [superId],
      op: { type: OpCode.multi, ops },
    };
  }

  /** One random entry, its effects checked; the invariants too unless `checkAll` is false. */
  step(where: string, checkAll = true): void {
    const entry = this.nextEntry();
    const before = dumpState(this.state);
    this.zxid++;
    const out = apply(this.state, this.zxid, entry);
    if (process.env.CORRAL_RANDOM_TRACE)
      console.log(this.zxid, JSON.stringify(entry), JSON.stringify(out.result));
    const after = dumpState(this.state);
    this.observe(entry, out, before, after, where);
    if (checkAll) this.check(where);
  }

  observe(entry: Entry, out: ApplyOutcome, before: string, after: string, where: string): void {
    const r = this.r;
    const same = (a: string) => a.replace(/lastZxid \d+\n?/, "");
    if (entry.kind === EntryKind.createSession) this.sessions.push(this.zxid);
    if (entry.kind === EntryKind.closeSession) {
      this.sessions = this.sessions.filter((s) => s !== entry.sessionId);
      // Ephemerals of a closed session are gone (checked by check()).
    }
    if (entry.kind !== EntryKind.write) {
      this.deliver(out);
      return;
    }
    const { result } = out;
    if (result.err !== 0) {
      assert.equal(same(after), same(before), `${where}: failed write changed state`);
      assert.deepEqual(out.triggers, [], `${where}: failed write fired`);
      return;
    }
    const results =
      entry.op.type === OpCode.multi
        ? (result.body as MultiResult[])
        : [{ type: entry.op.type, response: result.body }];
    if (entry.op.type === OpCode.multi) {
      assert.equal(results.length, entry.op.ops.length, `${where}: multi result count`);
      if (results.some((x) => x.type === -1)) {
        assert.equal(same(after), same(before), `${where}: failed multi changed state`);
        assert.deepEqual(out.triggers, [], `${where}: failed multi fired`);
        const firstBad = results.findIndex((x) => x.type === -1 && x.err !== 0);
        results.forEach((x, i) => {
          assert.equal(x.type, -1);
          if (x.type !== -1) return;
          if (i < firstBad) assert.equal(x.err, 0);
          if (i > firstBad) assert.equal(x.err, ErrorCode.runtimeInconsistency);
        });
        return;
      }
    }
    const ops = entry.op.type === OpCode.multi ? entry.op.ops : [entry.op];
    ops.forEach((op, i) => {
      const res = results[i] as { response: { path?: string } | null };
      const isSeq =
        "request" in op && "flags" in op.request && [2, 3, 6].includes(op.request.flags);
      if (!isSeq || res.response?.path === undefined) return;
      const path = res.response.path;
      const parent = parentOf(path);
      const pnode = this.state.tree.get(parent);
      assert.ok(pnode, `${where}: parent of ${path}`);
      const key = `${parent}@${pnode.czxid}`;
      const seq = Number(path.slice(-10));
      const last = this.lastSeq.get(key) ?? -1;
      assert.ok(seq > last, `${where}: sequence ${path} not above ${last}`);
      this.lastSeq.set(key, seq);
    });
    // Random watches, so the registry runs against real triggers.
    for (const p of ["/a", "/a/b", "/b", "/", "/c"]) {
      if (r.chance(0.05)) this.watches.addDataWatch(1, p);
      if (r.chance(0.05)) this.watches.addChildWatch(2, p);
    }
    if (r.chance(0.01)) this.watches.addPersistentWatch(2, "/a", r.chance(0.5));
    this.deliver(out);
  }

  deliver(out: ApplyOutcome): void {
    for (const d of this.watches.trigger(out.triggers)) {
      assert.ok(out.triggers.some((t) => t.path === d.path && t.type === d.type));
    }
  }

  check(where: string): void {
    const { tree, sessions } = this.state;
    const last = this.state.lastZxid;
    const ephemeral = new Map<number, Set<string>>();
    const containers = new Set<string>();
    const ttls = new Set<string>();
    const aclRefs = new Map<unknown, number>();
    const nextC = new Map<string, number>();
    for (const [path, node] of tree.entries()) {
      const at = `${where} ${path}`;
      aclRefs.set(node.acl, (aclRefs.get(node.acl) ?? 0) + 1);
      if (path !== "/") {
        const parent = tree.get(parentOf(path));
        assert.ok(
          parent?.children?.has(path.slice(path.lastIndexOf("/") + 1)),
          `${at}: not in parent`,
        );
        assert.ok(
          parent !== undefined && parent.pzxid >= node.czxid,
          `${at}: parent pzxid below child czxid`,
        );
      }
      const n = node.numChildren;
      assert.equal(node.children === null, n === 0, `${at}: empty child set kept`);
      for (const name of node.children?.keys() ?? []) {
        assert.ok(
          tree.has(path === "/" ? `/${name}` : `${path}/${name}`),
          `${at}: dangling ${name}`,
        );
      }
      assert.equal(node.cversion, 2 * node.childCreations - n, `${at}: cversion`);
      if (!path.startsWith("/zookeeper") && path !== "/") {
        assert.ok(node.childCreations >= n, `${at}: C below numChildren`);
      }
      const key = `${path}@${node.czxid}`;
      const prev = this.prevC.get(key);
      assert.ok(prev === undefined || node.childCreations >= prev, `${at}: C decreased`);
      nextC.set(key, node.childCreations);
      assert.ok(node.mzxid >= node.czxid && node.pzxid >= node.czxid, `${at}: zxid order`);
      assert.ok(node.mzxid <= last && node.pzxid <= last, `${at}: zxid ahead`);
      if (node.kind === NodeKind.ephemeral) {
        assert.ok(sessions.has(node.owner), `${at}: orphan ephemeral of ${node.owner}`);
        assert.equal(n, 0, `${at}: ephemeral with children`);
        if (!ephemeral.has(node.owner)) ephemeral.set(node.owner, new Set());
        ephemeral.get(node.owner)?.add(path);
      } else if (node.kind === NodeKind.container) containers.add(path);
      else if (node.kind === NodeKind.ttl) {
        ttls.add(path);
        assert.ok(node.owner >= 1, `${at}: TTL`);
      }
    }
    this.prevC = nextC;
    assert.equal(tree.size, nextC.size, `${where}: node count`);
    assert.deepEqual(tree.ephemerals, ephemeral, `${where}: ephemeral index`);
    assert.deepEqual(tree.containers, containers, `${where}: container index`);
    assert.deepEqual(tree.ttls, ttls, `${where}: TTL index`);
    for (const entry of tree.acls.entries()) {
      assert.equal(entry.refs, aclRefs.get(entry), `${where}: ACL refs ${entry.key}`);
    }
    assert.equal(tree.acls.size, aclRefs.size, `${where}: unused ACL kept`);
    for (const qp of tree.quotaPaths) {
      // While quotas are nested, changes count only toward the deepest one, and a stats node
      // created later recounts the whole subtree (as in ZooKeeper): only quotas that were never
      // nested have an exact expected value.
      const nested = Array.from(tree.quotaPaths).some(
        (o) => o !== qp && (isAtOrBelow(o, qp) || isAtOrBelow(qp, o)),
      );
      if (nested) this.everNested.add(qp);
      if (this.everNested.has(qp)) continue;
      const statNode = tree.get(statPathOf(qp));
      // A client may overwrite the stats node (ZooKeeper lets it); then nothing is expected.
      if (statNode === undefined || statNode.version !== 0) continue;
      let count = 0;
      let bytes = 0;
      tree.walk(qp, (p, n) => {
        if (tree.quotaPrefixOf(p) !== qp) return;
        count++;
        bytes += n.dataLength;
      });
      const stats = parseStats(statNode.data);
      assert.equal(stats.count, count, `${where}: quota count of ${qp}`);
      assert.equal(stats.bytes, bytes, `${where}: quota bytes of ${qp}`);
    }
    const back = decodeSnapshot(encodeSnapshot(this.state), this.state.options);
    assert.equal(dumpState(back), dumpState(this.state), `${where}: snapshot round trip`);
  }
}

const runs = Number(process.env.CORRAL_RANDOM_RUNS ?? 8);
const steps = Number(process.env.CORRAL_RANDOM_STEPS ?? 1000);
const fixedSeed = process.env.CORRAL_SEED;

test("random entry sequences keep every invariant", (t) => {
  const base =
    fixedSeed !== undefined ? Number(fixedSeed) : (Date.now() ^ (process.pid << 8)) >>> 0;
  const count = fixedSeed !== undefined ? 1 : runs;
  t.diagnostic(`seed ${base} (replay one run: CORRAL_SEED=<seed> npm test -- random)`);
  console.log(`random state test: base seed ${base}, ${count} runs x ${steps} steps`);
  for (let i = 0; i < count; i++) {
    const seed = (base + i) >>> 0;
    const run = new Run(rng(seed));
    for (let s = 0; s < steps; s++) {
      run.step(`seed ${seed} step ${s} (CORRAL_SEED=${seed})`);
    }
    assert.ok(run.state.tree.size > 4 || steps < 50, `seed ${seed}: tree never grew`);
  }
});

test("a snapshot image written while entries keep applying shows the state where it began", (t) => {
  // The writer runs a few nodes at a time with random entries applied between its steps
  // (creates, deletes, multi rollbacks, session closes, reaps, quota updates). Tiny parts
  // and child-list limits make every part boundary and the live child walk happen often.
  const base =
    fixedSeed !== undefined ? Number(fixedSeed) : (Date.now() ^ (process.pid << 9)) >>> 0;
  const count = fixedSeed !== undefined ? 1 : runs;
  t.diagnostic(`seed ${base} (replay one run: CORRAL_SEED=<seed> npm test -- random)`);
  for (let i = 0; i < count; i++) {
    const seed = (base + i) >>> 0;
    const run = new Run(rng(seed));
    const r = run.r;
    let s = 0;
    for (let image = 0; image < 12; image++) {
      const grow = 40 + r.int(80);
      for (let g = 0; g < grow; g++, s++) run.step(`seed ${seed} step ${s}`, false);
      const where = `seed ${seed} image ${image} (CORRAL_SEED=${seed})`;
      const expected = encodeSnapshot(run.state);
      const writer = new SnapshotWriter(run.state, {
        partBytes: 1 + r.int(300),
        childListCopyMax: r.int(3),
      });
      if (r.chance(0.1)) {
        // An abandoned image leaves the tree free for the next one.
        writer.step(1 + r.int(5));
        writer.abort();
        continue;
      }
      let steps = 0;
      while (!writer.step(1 + r.int(3))) {
        const between = r.int(4);
        for (let k = 0; k < between; k++, s++) run.step(`${where} step ${s}`, false);
        assert.ok(++steps < 100000, `${where}: writer never finished`);
      }
      const parts = writer.parts();
      assert.deepEqual(Buffer.concat(parts), expected, `${where}: image differs`);
    }
  }
});
