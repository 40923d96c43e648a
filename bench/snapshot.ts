// Snapshot benchmark: how long a snapshot of a large tree holds the event loop. A script,
// not a test:
//   npm run bench:snapshot               1 000 000 znodes of 100 bytes
//   npm run bench:snapshot -- 200000     another count
// First the whole image is encoded in one call (what a member would block on without
// slicing). Then the member's way: SnapshotTask encodes in slices between turns of the event
// loop while a writer applies setData and create entries (through apply(), as committed
// entries would be) on every turn, and the loop's stall is measured from timers that should
// fire every millisecond. The image must equal the state where the task began.

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { NodeClock } from "../src/io/node-clock.js";
import { OpCode } from "../src/protocol/constants.js";
import { SnapshotTask } from "../src/server/snapshot-task.js";
import { encodeSnapshot } from "../src/state/snapshot-writer.js";
import { BenchState, benchData, benchPath, perParent } from "./bench-state.js";

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const bench = new BenchState();
const state = bench.state;
bench.createParents(count);
for (let i = 0; i < count; i++) bench.write(bench.createEntry(benchPath(i)));

const t = performance.now();
const whole = encodeSnapshot(state);
const blockingMs = performance.now() - t;
console.log(
  `${state.tree.size} znodes, image ${(whole.length / 2 ** 20).toFixed(1)} MiB: ` +
    `encoded in one call ${blockingMs.toFixed(0)} ms (the event loop held throughout)`,
);

const delay = monitorEventLoopDelay({ resolution: 1 });
let maxGapMs = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
}, 1);
let writes = 0;
let done = false;
delay.enable();
new SnapshotTask(state, new NodeClock(), setImmediate, (parts, stats) => {
  done = true;
  delay.disable();
  clearInterval(ticker);
  if (Buffer.compare(Buffer.concat(parts), whole) !== 0)
    throw new Error("the sliced image differs from the state where it began");
  console.log(
    `sliced: ${stats.elapsedMs.toFixed(0)} ms elapsed, ${stats.busyMs.toFixed(0)} ms encoding ` +
      `in ${stats.slices} slices (longest ${stats.maxSliceMs.toFixed(1)} ms); ${writes} writes applied meanwhile, ${stats.keptNodes} nodes ` +
      `kept aside; event loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, ` +
      `max ${(delay.max / 1e6).toFixed(1)} ms; longest gap between 1 ms timers ${maxGapMs.toFixed(1)} ms`,
  );
});
// A writer that keeps the tree changing while the task runs: one setData and one create per
// turn of the event loop, spread over the whole namespace.
const churn = (): void => {
  if (done) return;
  const i = (writes * 7919) % count;
  bench.write(
    bench.writeEntry({
      type: OpCode.setData,
      request: { path: benchPath(i), data: benchData, version: -1 },
    }),
  );
  bench.write(bench.createEntry(`/bench/p${Math.floor(i / perParent)}/late${writes}`));
  writes++;
  setImmediate(churn);
};
setImmediate(churn);
