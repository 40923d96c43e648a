// State machine micro-benchmark: apply() rates for create and setData, the read rate of
// getData, and (with --memory) the heap the tree needs per znode. A script, not a test:
//   npm run bench:apply                      rates with 200 000 znodes, snapshot timing
//   npm run bench:apply -- 50000             rates with another count
//   npm run bench:apply -- --memory 1000000  bytes per znode of 100 bytes (needs --expose-gc,
//                                            which the npm script passes)
// The namespace is bench-state.ts's. A checksum keeps the reads observable to the JIT.

import { performance } from "node:perf_hooks";
import { OpCode } from "../src/protocol/constants.js";
import { EntryKind } from "../src/state/entry.js";
import { decodeSnapshot } from "../src/state/snapshot.js";
import { encodeSnapshot } from "../src/state/snapshot-writer.js";
import { getData } from "../src/tree/reads.js";
import {
  BenchState,
  benchData as data,
  benchIds as ids,
  benchPath as pathOf,
  benchTimeMs as timeMs,
  type WriteEntry,
} from "./bench-state.js";

const args = process.argv.slice(2);
const memoryMode = args.includes("--memory");
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? (memoryMode ? 1_000_000 : 200_000));
const bench = new BenchState();
const state = bench.state;
const write = (entry: WriteEntry): void => bench.write(entry);
const createEntry = (path: string): WriteEntry => bench.createEntry(path);

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

bench.createParents(count);

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

  const setEntries: WriteEntry[] = [];
  for (let i = 0; i < count; i++) {
    setEntries.push({
      kind: EntryKind.write,
      timeMs,
      sessionId: bench.session,
      authIds: ids,
      op: { type: OpCode.setData, request: { path: pathOf(i), data, version: -1 } },
    });
  }
  t = performance.now();
  for (let i = 0; i < count; i++) {
    setEntries[i].timeMs = timeMs + bench.zxid;
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
