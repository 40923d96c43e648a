// State machine micro-benchmark: apply() rates for create and setData, the read rate of
// getData, and (with --memory) the heap the tree needs per znode. A script, not a test:
//   npm run bench:apply                      rates with 200 000 znodes, snapshot timing
//   npm run bench:apply -- 50000             rates with another count
//   npm run bench:apply -- --memory 1000000  bytes per znode of 100 bytes (needs --expose-gc,
//                                            which the npm script passes)
// Znodes are laid out as /bench/p<i>/n<j> with 1000 children per parent, the shape of a
// typical large namespace, each with 100 bytes of data, created through apply() exactly as
// committed log entries would be. A checksum keeps the reads observable to the JIT.

import { performance } from "node:perf_hooks";
import { OpCode } from "../src/protocol/constants.js";
import type { ACL, Id } from "../src/protocol/records.js";
import { apply } from "../src/state/apply.js";
import { type Entry, EntryKind } from "../src/state/entry.js";
import { decodeSnapshot } from "../src/state/snapshot.js";
import { encodeSnapshot } from "../src/state/snapshot-writer.js";
import { State } from "../src/state/state.js";
import { getData } from "../src/tree/reads.js";

const args = process.argv.slice(2);
const memoryMode = args.includes("--memory");
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? (memoryMode ? 1_000_000 : 200_000));
const perParent = 1000;

const open: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const ids: Id[] = [{ scheme: "ip", id: "127.0.0.1" }];
const data = new Uint8Array(100).fill(0x61);

const state = State.fresh();
let zxid = 0;
const timeMs = 1_700_000_000_000;
const session = zxid + 1;

function run(entry: Entry): void {
  zxid++;
  const out = apply(state, zxid, entry);
  if (out.result.err !== 0) throw new Error(`entry ${zxid} failed: ${out.result.err}`);
}

function write(op: Entry & { kind: 3 }): void {
  run(op);
}

function createEntry(path: string): Entry & { kind: 3 } {
  return {
    kind: EntryKind.write,
    timeMs: timeMs + zxid,
    sessionId: session,
    authIds: ids,
    op: { type: OpCode.create, request: { path, data, acl: open, flags: 0 } },
  };
}

function pathOf(i: number): string {
  return `/bench/p${Math.floor(i / perParent)}/n${i % perParent}`;
}

function heapBytes(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function report(name: string, ops: number, ms: number): void {
  const rate = Math.round((ops / ms) * 1000);
  console.log(
    `${name.padEnd(28)} ${String(rate).padStart(10)} ops/s  (${ops} in ${ms.toFixed(0)} ms)`,
  );
}

run({ kind: EntryKind.createSession, timeMs, timeoutMs: 30000, password: new Uint8Array(16) });
write(createEntry("/bench"));
for (let p = 0; p * perParent < count; p++) write(createEntry(`/bench/p${p}`));

if (memoryMode) {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.log("warning: run with node --expose-gc for a precise figure");
  }
  const before = heapBytes();
  for (let i = 0; i < count; i++) write(createEntry(pathOf(i)));
  const after = heapBytes();
  const perNode = (after - before) / count;
  console.log(
    `${count} znodes of ${data.length} bytes: ${((after - before) / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(`bytes per znode: ${perNode.toFixed(0)} (of which data ${data.length})`);
} else {
  let t = performance.now();
  for (let i = 0; i < count; i++) write(createEntry(pathOf(i)));
  report("apply create (100 B)", count, performance.now() - t);

  const setEntries: (Entry & { kind: 3 })[] = [];
  for (let i = 0; i < count; i++) {
    setEntries.push({
      kind: EntryKind.write,
      timeMs,
      sessionId: session,
      authIds: ids,
      op: { type: OpCode.setData, request: { path: pathOf(i), data, version: -1 } },
    });
  }
  t = performance.now();
  for (let i = 0; i < count; i++) {
    setEntries[i].timeMs = timeMs + zxid;
    write(setEntries[i]);
  }
  report("apply setData (100 B)", count, performance.now() - t);

  const paths: string[] = [];
  for (let i = 0; i < count; i++) paths.push(pathOf(i));
  let checksum = 0;
  t = performance.now();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < count; i++) {
      const r = getData(state.tree, paths[i], ids);
      if (typeof r !== "number") checksum += r.stat.version;
    }
  }
  report("getData (100 B)", count * 3, performance.now() - t);
  if (checksum !== count * 3) throw new Error(`checksum ${checksum}`);

  t = performance.now();
  const snapshot = encodeSnapshot(state);
  const encodeMs = performance.now() - t;
  t = performance.now();
  const back = decodeSnapshot(snapshot);
  const decodeMs = performance.now() - t;
  if (back.tree.size !== state.tree.size) throw new Error("snapshot lost nodes");
  console.log(
    `snapshot of ${state.tree.size} znodes: ${(snapshot.length / 2 ** 20).toFixed(1)} MiB, ` +
      `encode ${encodeMs.toFixed(0)} ms, decode ${decodeMs.toFixed(0)} ms`,
  );
}
