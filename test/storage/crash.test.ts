// Proves that crashes at random moments never lose or duplicate an acknowledged write and
// never make recovery refuse to start. For many seeds, a random workload (group-committed
// appends, suffix truncations, snapshots, purges, hard state saves, optional random EIO)
// runs on a SimDisk with random latencies; the process "dies" at a random step, losing a
// random part of every unsynced change and possibly tearing a write; then storage is
// recovered and checked against a model of what was acknowledged:
// - every acknowledged entry after the recovered snapshot is there, with its term and data;
// - every recovered entry is one that was appended at that index (no garbage, no repeats),
//   and indexes are consecutive;
// - the snapshot is at least the newest acknowledged one and holds what was written;
// - the hard state is the last acknowledged one or a later one.
// Run one seed with STORAGE_CRASH_SEED=<n>; a failure names its seed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Storage } from "../../src/storage/storage.js";
import { openStorage, type Recovered } from "../../src/storage/storage.js";
import type { HardState, LogEntry } from "../../src/storage/types.js";
import { complete, makeSim, type Sim, storageOptions } from "./harness.js";

interface Value {
  term: number;
  tag: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function dataFor(tag: string, size: number): Uint8Array {
  const head = encoder.encode(`${tag};`);
  const bytes = new Uint8Array(head.length + size);
  bytes.set(head);
  for (let i = 0; i < size; i++) bytes[head.length + i] = (i * 13 + head.length) & 0xff;
  return bytes;
}

function tagOf(data: Uint8Array): string {
  const end = data.indexOf(0x3b);
  assert.ok(end > 0, "entry data has no tag");
  const tag = decoder.decode(data.subarray(0, end));
  const expected = dataFor(tag, data.length - end - 1);
  assert.deepEqual(data, expected, `entry data for ${tag} is damaged`);
  return tag;
}

function snapshotState(index: number): Uint8Array {
  return dataFor(`snapshot-${index}`, 2000 + (index % 500));
}

class Model {
  /** Every value ever appended at an index ("index" -> tags). */
  readonly ever = new Map<number, Set<string>>();
  /** Acknowledged values that must survive (index -> value). */
  readonly must = new Map<number, Value>();
  /** The log as issued (what a crash-free run would hold), index -> value. */
  readonly issued = new Map<number, Value>();
  ackedSnapshot = 0;
  issuedSnapshots = new Set<number>();
  latestSnapshotIssued = 0;
  ackedHardState: HardState = { term: 0, vote: 0, commit: 0 };
  readonly issuedHardStates: HardState[] = [{ term: 0, vote: 0, commit: 0 }];
}

function recover(sim: Sim, seed: number): { storage: Storage; recovered: Recovered } {
  // Random EIO may hit recovery too; a real operator would just restart. Bounded.
  for (let attempt = 0; attempt < 50; attempt++) {
    sim.disk.crash();
    sim.queue.clear();
    const [error, storage, recovered] = complete(
      sim,
      (done: (e: Error | null, s: Storage | null, r: Recovered | null) => void) =>
        openStorage(storageOptions(sim, { segmentBytesMax: 2048, snapshotChunkBytes: 700 }), done),
    );
    if (error === null) return { storage: storage!, recovered: recovered! };
    assert.equal(
      (error as { code?: string }).code,
      "EIO",
      `seed ${seed}: recovery refused: ${error.message}`,
    );
  }
  throw new Error(`seed ${seed}: recovery kept failing`);
}

function check(model: Model, recovered: Recovered, seed: number, cycle: number): void {
  const where = `seed ${seed} cycle ${cycle}`;
  const snap = recovered.snapshot;
  const s = snap === null ? 0 : snap.meta.lastIndex;
  assert.ok(
    s >= model.ackedSnapshot,
    `${where}: snapshot ${s} older than acknowledged ${model.ackedSnapshot}`,
  );
  if (snap !== null) {
    assert.ok(model.issuedSnapshots.has(s), `${where}: snapshot ${s} was never written`);
    assert.deepEqual(snap.state, snapshotState(s), `${where}: snapshot ${s} content`);
    const at = model.must.get(s);
    if (at !== undefined) assert.equal(snap.meta.lastTerm, at.term, `${where}: snapshot term`);
  }
  const entries: LogEntry[] = recovered.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    assert.equal(e.index, s + 1 + i, `${where}: entries not consecutive after snapshot ${s}`);
    const tag = tagOf(e.data);
    assert.ok(
      model.ever.get(e.index)?.has(tag),
      `${where}: entry ${e.index} (${tag}) was never appended there`,
    );
    assert.equal(tag.split("/")[1], String(e.index), `${where}: entry ${e.index} carries ${tag}`);
  }
  const last = s + entries.length;
  for (const [index, value] of model.must) {
    if (index <= s) continue;
    assert.ok(index <= last, `${where}: acknowledged entry ${index} lost (log ends at ${last})`);
    const e = entries[index - s - 1];
    assert.equal(tagOf(e.data), value.tag, `${where}: acknowledged entry ${index} replaced`);
    assert.equal(e.term, value.term, `${where}: acknowledged entry ${index} term`);
  }
  const hs = recovered.hardState;
  const hsIndex = model.issuedHardStates.findIndex(
    (h) => h.term === hs.term && h.vote === hs.vote && h.commit === hs.commit,
  );
  assert.ok(hsIndex >= 0, `${where}: hard state ${JSON.stringify(hs)} never saved`);
  assert.ok(hs.term >= model.ackedHardState.term, `${where}: hard state went back`);
}

function runSeed(seed: number): number {
  const sim = makeSim(seed, {
    latencyMsMin: 0,
    latencyMsMax: 3,
    scrambledTears: seed % 2 === 0,
    ioErrorRate: seed % 3 === 0 ? 0.001 : 0,
  });
  const r = sim.random;
  const model = new Model();
  let { storage, recovered } = recover(sim, seed);
  let acknowledged = 0;
  for (let cycle = 0; cycle < 5; cycle++) {
    // The logical log continues from what recovery returned.
    model.issued.clear();
    const s = recovered.snapshot?.meta.lastIndex ?? 0;
    for (const e of recovered.entries)
      model.issued.set(e.index, { term: e.term, tag: tagOf(e.data) });
    let next = s + recovered.entries.length + 1;
    const term = 1 + cycle;
    let hsTerm = Math.max(storage.hardState.term, model.ackedHardState.term);
    let seq = 0;
    let snapshotBusy = false;
    /** While a leader's snapshot is being installed, the log takes no appends. */
    let installing = false;
    const actions = 5 + r.below(40);
    for (let a = 0; a < actions && storage.failure === null; a++) {
      const choice = r.below(100);
      if (installing && choice < 78) {
        // No appends or truncations until the installed snapshot has replaced the log.
      } else if (choice < 70) {
        const count = 1 + r.below(12);
        for (let k = 0; k < count; k++) {
          const index = next++;
          const value = { term, tag: `${cycle}.${seq++}/${index}` };
          model.issued.set(index, value);
          const set = model.ever.get(index) ?? new Set<string>();
          model.ever.set(index, set);
          set.add(value.tag);
          storage.append(index, term, 0, dataFor(value.tag, r.below(300)), (error) => {
            // An append acknowledged after a truncation that removed it is not required.
            if (error !== null || model.issued.get(index) !== value) return;
            model.must.set(index, value);
            acknowledged++;
          });
        }
      } else if (choice < 78) {
        const low = Math.max(model.latestSnapshotIssued + 1, storage.wal.firstIndex, s + 1);
        if (next > low) {
          const from = low + r.below(next - low);
          for (let i = from; i < next; i++) {
            model.issued.delete(i);
            model.must.delete(i);
          }
          next = from;
          storage.truncateSuffix(from, () => {});
        }
      } else if (choice < 86) {
        // Snapshot at the acknowledged frontier of the issued log.
        let frontier = model.latestSnapshotIssued;
        while (
          model.must.has(frontier + 1) &&
          model.issued.get(frontier + 1) === model.must.get(frontier + 1)
        ) {
          frontier++;
        }
        if (!snapshotBusy && frontier > model.latestSnapshotIssued && frontier > s) {
          const value = model.must.get(frontier)!;
          const index = frontier;
          model.latestSnapshotIssued = index;
          model.issuedSnapshots.add(index);
          snapshotBusy = true;
          storage.saveSnapshot(
            { lastIndex: index, lastTerm: value.term, config: new Uint8Array([1]) },
            snapshotState(index),
            (error) => {
              snapshotBusy = false;
              if (error === null) model.ackedSnapshot = Math.max(model.ackedSnapshot, index);
            },
          );
        }
      } else if (choice < 88) {
        // A snapshot from a leader, beyond the end of our log: it replaces the whole log.
        if (!snapshotBusy) {
          const index = next + r.below(20);
          model.latestSnapshotIssued = index;
          model.issuedSnapshots.add(index);
          snapshotBusy = true;
          installing = true;
          storage.installSnapshot(
            { lastIndex: index, lastTerm: term, config: new Uint8Array([2]) },
            snapshotState(index),
            (error) => {
              snapshotBusy = false;
              installing = false;
              if (error !== null) return;
              model.ackedSnapshot = Math.max(model.ackedSnapshot, index);
              model.issued.clear();
              next = index + 1;
            },
          );
        }
      } else if (choice < 90) {
        storage.purge(() => {});
      } else {
        hsTerm++;
        const hs = { term: hsTerm, vote: 1 + r.below(3), commit: r.below(next) };
        model.issuedHardStates.push(hs);
        storage.saveHardState(hs, (error) => {
          if (error === null && hs.term > model.ackedHardState.term) model.ackedHardState = hs;
        });
      }
      // Let the disk make some progress between actions.
      const steps = r.below(8);
      for (let k = 0; k < steps; k++) sim.queue.step();
    }
    // Sometimes let everything settle first; otherwise die mid-flight.
    if (r.below(4) === 0) sim.queue.runUntilIdle();
    else {
      const steps = r.below(30);
      for (let k = 0; k < steps; k++) sim.queue.step();
    }
    ({ storage, recovered } = recover(sim, seed));
    check(model, recovered, seed, cycle);
    if (recovered.snapshot !== null) {
      model.latestSnapshotIssued = Math.max(
        model.latestSnapshotIssued,
        recovered.snapshot.meta.lastIndex,
      );
    }
  }
  return acknowledged;
}

test("random crashes never lose or duplicate an acknowledged write", () => {
  const only = process.env.STORAGE_CRASH_SEED;
  // 1,200 seeds take about 8 s; seed 1074 once found the empty last segment whose removal
  // left a segment recovery had not read as the last one.
  const seeds = only === undefined ? Array.from({ length: 1200 }, (_, i) => i + 1) : [Number(only)];
  let acknowledged = 0;
  for (const seed of seeds) {
    try {
      acknowledged += runSeed(seed);
    } catch (error) {
      console.error(
        `storage crash test failed with seed ${seed} (rerun: STORAGE_CRASH_SEED=${seed})`,
      );
      throw error;
    }
  }
  assert.ok(
    acknowledged > seeds.length * 10,
    `too few acknowledged appends (${acknowledged}) to prove anything`,
  );
});
