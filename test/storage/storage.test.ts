// Proves the storage layer's contract on a SimDisk: entries, hard state and snapshots come
// back from recovery exactly as written; group commit turns many appends into one write and
// one fsync; suffix truncation works across segments; a torn or bit-flipped log tail is cut
// with a log line while damage in the middle of the log refuses to start; a damaged newest
// snapshot falls back to the previous one; purge keeps snapRetainCount snapshots and the
// log they need; disk-full and I/O errors fail the appends concerned, later appends fast,
// and leave every acknowledged entry intact.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DiskError } from "../../src/base/disk.js";
import { StorageCorruptionError, StorageFailedError } from "../../src/storage/errors.js";
import { snapshotName } from "../../src/storage/snapshot-file.js";
import type { LogEntry, StoredSnapshot } from "../../src/storage/types.js";
import { segmentName } from "../../src/storage/wal-format.js";
import {
  appendRange,
  complete,
  makeSim,
  open,
  openError,
  payloadFor,
  type Sim,
  termFor,
} from "./harness.js";

function checkEntries(entries: LogEntry[], from: number, to: number): void {
  assert.equal(
    entries.length,
    to - from + 1,
    `expected entries ${from}..${to}, got ${entries.length}`,
  );
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    assert.equal(e.index, from + i);
    assert.equal(e.term, termFor(e.index));
    assert.equal(e.kind, e.index % 3);
    assert.deepEqual(e.data, payloadFor(e.index));
  }
}

/** Flips bits of one byte in place, durably (bit rot). */
function flip(sim: Sim, path: string, position: number, mask = 0x5a): void {
  const bytes = sim.disk.peek(path)!;
  sim.disk.corrupt(path, position, new Uint8Array([bytes[position] ^ mask]));
}

function reopen(sim: Sim, extra = {}) {
  sim.disk.crash();
  sim.queue.clear();
  return open(sim, extra);
}

function snapshotMeta(index: number) {
  return {
    lastIndex: index,
    lastTerm: termFor(index),
    config: new Uint8Array([1, 2, index & 0xff]),
  };
}

function stateFor(index: number, size = 3000): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (index + i) & 0xff;
  return bytes;
}

test("a fresh directory recovers empty; entries and hard state round-trip", () => {
  const sim = makeSim(1);
  const first = open(sim);
  assert.equal(first.recovered.snapshot, null);
  assert.deepEqual(first.recovered.entries, []);
  assert.deepEqual(first.recovered.hardState, { term: 0, vote: 0, commit: 0 });
  appendRange(sim, first.storage, 1, 120);
  const [hsError] = complete(sim, (done) =>
    first.storage.saveHardState({ term: 3, vote: 2, commit: 100 }, done),
  );
  assert.equal(hsError, null);
  const second = reopen(sim);
  checkEntries(second.recovered.entries, 1, 120);
  assert.deepEqual(second.recovered.hardState, { term: 3, vote: 2, commit: 100 });
  // Appends continue where the log ended.
  appendRange(sim, second.storage, 121, 130);
  checkEntries(reopen(sim).recovered.entries, 1, 130);
});

test("group commit: appends queued during an fsync share one write and one fsync", () => {
  const sim = makeSim(2, { latencyMsMin: 1, latencyMsMax: 1 });
  const { storage } = open(sim);
  const syncsBefore = sim.disk.counts.sync;
  const writesBefore = sim.disk.counts.write;
  const acked: number[] = [];
  // The first append starts a flight at once; the other 99 queue behind it and must go out
  // together in the second flight.
  for (let i = 1; i <= 100; i++) {
    storage.append(i, 1, 0, payloadFor(i), (error) => {
      assert.equal(error, null);
      acked.push(i);
    });
  }
  assert.equal(acked.length, 0, "no append may be acknowledged before its fsync");
  sim.queue.runUntilIdle();
  assert.deepEqual(
    acked,
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  // One segment creation (header write + fsync) plus two batches.
  assert.equal(sim.disk.counts.sync - syncsBefore, 3);
  assert.equal(sim.disk.counts.write - writesBefore, 3);
  assert.equal(storage.wal.stats.batches, 2);
  assert.equal(storage.wal.stats.fsyncs, 2);
});

test("callbacks fire only after the fsync: a crash before it loses nothing acknowledged", () => {
  const sim = makeSim(3);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 10);
  let acked = 0;
  storage.append(11, termFor(11), 11 % 3, payloadFor(11), () => acked++);
  // Run only until the write has landed but not the fsync.
  while (sim.disk.counts.sync === 0 || sim.queue.pending > 0) {
    if (sim.disk.pendingOperations === 1 && sim.disk.counts.write > 0 && acked === 0) {
      const before = sim.disk.counts.sync;
      sim.queue.step();
      if (sim.disk.counts.sync > before) break;
    } else if (!sim.queue.step()) break;
  }
  assert.equal(acked, 0);
  const entries = reopen(sim).recovered.entries;
  assert.ok(entries.length === 10 || entries.length === 11);
  checkEntries(entries, 1, entries.length);
});

test("segments roll at the size limit and truncateSuffix cuts across them", () => {
  const sim = makeSim(4);
  const options = { segmentBytesMax: 1024 };
  const { storage } = open(sim, options);
  for (let i = 1; i <= 200; i += 10) appendRange(sim, storage, i, i + 9);
  const segments = storage.wal.segmentInfo();
  assert.ok(segments.length >= 5, `expected several segments, got ${segments.length}`);
  // Cut in the middle of an older segment: later segments must go entirely.
  const target = segments[2].firstIndex + 2;
  const [error] = complete(sim, (done) => storage.truncateSuffix(target, done));
  assert.equal(error, null);
  assert.equal(storage.wal.nextAppendIndex, target);
  assert.equal(storage.wal.segmentInfo().length, 3);
  // New entries at the truncated indexes carry a different term.
  let acked = 0;
  for (let i = target; i < target + 5; i++) {
    storage.append(i, 99, 0, payloadFor(i), (e) => {
      assert.equal(e, null);
      acked++;
    });
  }
  sim.queue.runUntilIdle();
  assert.equal(acked, 5);
  const entries = reopen(sim, options).recovered.entries;
  assert.equal(entries.length, target + 4);
  checkEntries(entries.slice(0, target - 1), 1, target - 1);
  for (const e of entries.slice(target - 1)) assert.equal(e.term, 99);
});

test("truncateSuffix queued behind appends and before appends keeps call order", () => {
  const sim = makeSim(5);
  const { storage } = open(sim);
  const order: string[] = [];
  for (let i = 1; i <= 20; i++) storage.append(i, 1, 0, payloadFor(i), () => order.push(`a${i}`));
  storage.truncateSuffix(11, (error) => {
    assert.equal(error, null);
    order.push("t");
  });
  for (let i = 11; i <= 15; i++) storage.append(i, 2, 0, payloadFor(i), () => order.push(`b${i}`));
  sim.queue.runUntilIdle();
  assert.equal(order.indexOf("t"), 20);
  assert.equal(order.length, 26);
  const entries = reopen(sim).recovered.entries;
  assert.deepEqual(
    entries.map((e) => `${e.index}:${e.term}`),
    [
      ...Array.from({ length: 10 }, (_, i) => `${i + 1}:1`),
      ...Array.from({ length: 5 }, (_, i) => `${i + 11}:2`),
    ],
  );
});

test("a torn tail is cut with a log line", () => {
  const sim = makeSim(6);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 30);
  const path = `/data/log/${segmentName(1)}`;
  const size = sim.disk.peek(path)!.length;
  sim.disk.chop(path, size - 7); // the last record loses its end
  const again = reopen(sim);
  checkEntries(again.recovered.entries, 1, 29);
  assert.ok(sim.logger.has(/WARN storage: truncating torn WAL tail/), sim.logger.lines.join("\n"));
  // The cut is durable and appends continue at 30.
  appendRange(sim, again.storage, 30, 31);
  checkEntries(reopen(sim).recovered.entries, 1, 31);
});

test("a bit flip in the last record is a damaged tail: cut, not fatal", () => {
  const sim = makeSim(7);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 30);
  const path = `/data/log/${segmentName(1)}`;
  const bytes = sim.disk.peek(path)!;
  sim.disk.corrupt(path, bytes.length - 3, new Uint8Array([bytes[bytes.length - 3] ^ 0x10]));
  checkEntries(reopen(sim).recovered.entries, 1, 29);
  assert.ok(sim.logger.has(/checksum mismatch \(index 30\)/), sim.logger.lines.join("\n"));
});

test("damage inside the last write is a torn tail even with valid records after it", () => {
  // A disk may persist the sectors of the last (unsynced) write in any order.
  const sim = makeSim(21);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 10);
  appendRange(sim, storage, 11, 40); // 11 alone, then 12..40 in one write
  const path = `/data/log/${segmentName(1)}`;
  const bytes = sim.disk.peek(path)!;
  const at = bytes.length - 400;
  flip(sim, path, at);
  const again = reopen(sim);
  const entries = again.recovered.entries;
  assert.ok(entries.length >= 11 && entries.length < 40, `kept ${entries.length}`);
  checkEntries(entries, 1, entries.length);
  assert.ok(sim.logger.has(/truncating torn WAL tail/));
});

test("garbage after the last record (a torn write of zeros) is cut", () => {
  const sim = makeSim(8);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 5);
  const path = `/data/log/${segmentName(1)}`;
  const size = sim.disk.peek(path)!.length;
  const { storage: s2 } = reopen(sim);
  // Write zeros after the end, as a crash that persisted a size but not the data would.
  complete(sim, (done) => s2.close(done));
  const inode = sim.disk.peek(path)!;
  assert.equal(inode.length, size);
  sim.disk.chop(path, size);
  // Extend with zeros durably through the disk API.
  complete(sim, (done: (e: Error | null) => void) =>
    sim.disk.open(path, 1, (e, f) => {
      if (e) return done(e);
      sim.disk.truncate(f, size + 100, () => sim.disk.sync(f, () => sim.disk.close(f, done)));
    }),
  );
  checkEntries(reopen(sim).recovered.entries, 1, 5);
  assert.ok(sim.logger.has(/dropping 100 byte/), sim.logger.lines.join("\n"));
});

test("damage in the middle of the log refuses to start", () => {
  const sim = makeSim(9);
  const { storage } = open(sim);
  for (let i = 1; i <= 30; i += 3) appendRange(sim, storage, i, i + 2);
  const path = `/data/log/${segmentName(1)}`;
  const bytes = sim.disk.peek(path)!;
  const middle = Math.floor(bytes.length / 2);
  sim.disk.corrupt(path, middle, new Uint8Array([bytes[middle] ^ 0x01]));
  sim.disk.crash();
  sim.queue.clear();
  const error = openError(sim);
  assert.ok(error instanceof StorageCorruptionError, String(error));
  assert.match(
    error.message,
    /refusing to start.*a later write's valid record \(index \d+\) follows/,
  );
  // Nothing was cut: the file is as it was.
  assert.equal(sim.disk.peek(path)!.length, bytes.length);
});

test("damage in an older segment refuses to start even at its end", () => {
  const sim = makeSim(10);
  const options = { segmentBytesMax: 512 };
  const { storage } = open(sim, options);
  for (let i = 1; i <= 60; i += 5) appendRange(sim, storage, i, i + 4);
  const first = storage.wal.segmentInfo()[0];
  const path = `/data/log/${first.name}`;
  const bytes = sim.disk.peek(path)!;
  sim.disk.corrupt(path, bytes.length - 2, new Uint8Array([bytes[bytes.length - 2] ^ 0xff]));
  sim.disk.crash();
  sim.queue.clear();
  assert.ok(openError(sim, options) instanceof StorageCorruptionError);
});

test("snapshots round-trip; recovery returns only the entries after the snapshot", () => {
  const sim = makeSim(11);
  const { storage } = open(sim, { snapshotChunkBytes: 1000 });
  appendRange(sim, storage, 1, 100);
  const [error] = complete(sim, (done) =>
    storage.saveSnapshot(snapshotMeta(60), stateFor(60), done),
  );
  assert.equal(error, null);
  const { recovered } = reopen(sim);
  assert.deepEqual(recovered.snapshot!.meta, snapshotMeta(60));
  assert.deepEqual(recovered.snapshot!.state, stateFor(60));
  checkEntries(recovered.entries, 61, 100);
});

test("segments a snapshot covers are not read at recovery; the rest still are", () => {
  const sim = makeSim(23);
  const options = { segmentBytesMax: 512 };
  const { storage } = open(sim, options);
  for (let i = 1; i <= 120; i += 5) appendRange(sim, storage, i, i + 4);
  const before = storage.wal.segmentInfo();
  assert.ok(before.length >= 6, `expected several segments, got ${before.length}`);
  // The snapshot falls inside a middle segment: those before it are covered.
  const holder = before[Math.floor(before.length / 2)];
  const snapIndex = holder.firstIndex + 1;
  for (const index of [snapIndex - 20, snapIndex]) {
    const [error] = complete(sim, (done) =>
      storage.saveSnapshot(snapshotMeta(index), stateFor(index), done),
    );
    assert.equal(error, null);
  }
  // Damage in a covered segment would refuse to start if it were read.
  const coveredPath = `/data/log/${before[0].name}`;
  flip(sim, coveredPath, sim.disk.peek(coveredPath)!.length - 2, 0xff);
  const reopened = reopen(sim, options);
  assert.equal(reopened.recovered.snapshot!.meta.lastIndex, snapIndex);
  checkEntries(reopened.recovered.entries, snapIndex + 1, 120);
  // Every segment is still known, with its range and size, so purge can account for it.
  assert.deepEqual(reopened.storage.wal.segmentInfo(), before);
  // Appends go on, and a purge through the snapshot removes the covered segments.
  appendRange(sim, reopened.storage, 121, 130);
  const [purgeError] = complete(sim, (done) => reopened.storage.wal.purge(snapIndex, done));
  assert.equal(purgeError, null);
  assert.equal(reopened.storage.wal.segmentInfo()[0].firstIndex, holder.firstIndex);
  checkEntries(reopen(sim, options).recovered.entries, snapIndex + 1, 130);

  // With the newest snapshot damaged, the older one is chosen and fewer segments are
  // covered: the damaged segment is read again and recovery refuses, as it must.
  const sim2 = makeSim(24);
  const second = open(sim2, options).storage;
  for (let i = 1; i <= 120; i += 5) appendRange(sim2, second, i, i + 4);
  const segments = second.wal.segmentInfo();
  const late = segments[Math.floor(segments.length / 2)].firstIndex + 1;
  for (const index of [segments[0].lastIndex, late]) {
    const [error] = complete(sim2, (done) =>
      second.saveSnapshot(snapshotMeta(index), stateFor(index), done),
    );
    assert.equal(error, null);
  }
  const damagedPath = `/data/log/${segments[1].name}`;
  flip(sim2, damagedPath, sim2.disk.peek(damagedPath)!.length - 2, 0xff);
  flip(sim2, `/data/snap/${snapshotName(late)}`, 500);
  sim2.disk.crash();
  sim2.queue.clear();
  assert.ok(openError(sim2, options) instanceof StorageCorruptionError);
});

test("a snapshot given in parts is written back to back; readSnapshot reads it", () => {
  const sim = makeSim(22);
  const { storage } = open(sim, { snapshotChunkBytes: 700 });
  appendRange(sim, storage, 1, 20);
  const whole = stateFor(20, 5000);
  const parts = [
    whole.subarray(0, 1234),
    new Uint8Array(0),
    whole.subarray(1234, 4000),
    whole.subarray(4000),
  ];
  const writesBefore = sim.disk.counts.write;
  const [error] = complete(sim, (done) => storage.saveSnapshot(snapshotMeta(20), parts, done));
  assert.equal(error, null);
  // Header, config, chunks of at most 700 bytes per part, trailer.
  assert.equal(sim.disk.counts.write - writesBefore, 2 + 2 + 4 + 2 + 1);
  const [readError, read] = complete(
    sim,
    (done: (e: Error | null, snapshot: StoredSnapshot | null) => void) =>
      storage.readSnapshot(20, done),
  );
  assert.equal(readError, null);
  assert.deepEqual(read!.state, whole);
  assert.deepEqual(reopen(sim).recovered.snapshot!.state, whole);
});

test("a damaged newest snapshot falls back to the previous one", () => {
  const sim = makeSim(12);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 100);
  for (const index of [40, 80]) {
    const [error] = complete(sim, (done) =>
      storage.saveSnapshot(snapshotMeta(index), stateFor(index), done),
    );
    assert.equal(error, null);
  }
  flip(sim, `/data/snap/${snapshotName(80)}`, 500);
  const { recovered } = reopen(sim);
  assert.equal(recovered.snapshot!.meta.lastIndex, 40);
  assert.deepEqual(recovered.snapshot!.state, stateFor(40));
  checkEntries(recovered.entries, 41, 100);
  assert.ok(
    sim.logger.has(/skipping damaged snapshot .*snap-0+80\.snap \(body checksum mismatch\)/),
  );
});

test("a snapshot whose log was purged and which is the only one left refuses, not guesses", () => {
  const sim = makeSim(13);
  const options = { segmentBytesMax: 400, snapRetainCount: 3 };
  const { storage } = open(sim, options);
  for (let i = 1; i <= 90; i += 5) appendRange(sim, storage, i, i + 4);
  for (const index of [20, 40, 60, 80]) {
    complete(sim, (done) => storage.saveSnapshot(snapshotMeta(index), stateFor(index), done));
  }
  const [purgeError] = complete(sim, (done) => storage.purge(done));
  assert.equal(purgeError, null);
  assert.deepEqual(storage.snapshotIndexes(), [40, 60, 80]);
  assert.ok(
    storage.wal.firstIndex > 1 && storage.wal.firstIndex <= 41,
    `log starts at ${storage.wal.firstIndex}`,
  );
  // All three kept snapshots damaged: no snapshot meets the log.
  for (const index of [40, 60, 80]) flip(sim, `/data/snap/${snapshotName(index)}`, 10);
  sim.disk.crash();
  sim.queue.clear();
  const error = openError(sim, options);
  assert.ok(error instanceof StorageCorruptionError);
  assert.match(error.message, /are missing/);
});

test("purge keeps snapRetainCount snapshots and the log segments they need", () => {
  const sim = makeSim(14);
  const options = { segmentBytesMax: 400, snapRetainCount: 3 };
  const { storage } = open(sim, options);
  for (let i = 1; i <= 100; i += 5) {
    appendRange(sim, storage, i, i + 4);
    if ((i + 4) % 20 === 0) {
      const index = i + 4;
      complete(sim, (done) => storage.saveSnapshot(snapshotMeta(index), stateFor(index), done));
      complete(sim, (done) => storage.purge(done));
    }
  }
  assert.deepEqual(storage.snapshotIndexes(), [60, 80, 100]);
  const [names] = [sim.disk.peek("/data/snap/x")];
  assert.equal(names, undefined);
  assert.ok(sim.logger.has(/purged \d+ WAL segment/));
  const firstIndex = storage.wal.firstIndex;
  assert.ok(firstIndex > 1 && firstIndex <= 61, `log starts at ${firstIndex}`);
  for (const index of [20, 40])
    assert.equal(sim.disk.peek(`/data/snap/${snapshotName(index)}`), undefined);
  // The two newest snapshots damaged: recovery falls back to 60 and still has its log.
  for (const index of [80, 100]) flip(sim, `/data/snap/${snapshotName(index)}`, 45);
  const { recovered } = reopen(sim, options);
  assert.equal(recovered.snapshot!.meta.lastIndex, 60);
  checkEntries(recovered.entries, 61, 100);
});

test("installSnapshot replaces the whole log; appends continue after it", () => {
  const sim = makeSim(15);
  const { storage } = open(sim, { segmentBytesMax: 500 });
  appendRange(sim, storage, 1, 50);
  const meta = { lastIndex: 500, lastTerm: 9, config: new Uint8Array([5]) };
  let installed = false;
  storage.installSnapshot(meta, stateFor(500), (error) => {
    assert.equal(error, null);
    installed = true;
  });
  sim.queue.runUntilIdle();
  assert.ok(installed);
  assert.equal(storage.wal.nextAppendIndex, 501);
  let acked = 0;
  storage.append(501, 9, 0, payloadFor(501), () => acked++);
  sim.queue.runUntilIdle();
  assert.equal(acked, 1);
  const { recovered } = reopen(sim);
  assert.equal(recovered.snapshot!.meta.lastIndex, 500);
  assert.deepEqual(
    recovered.entries.map((e) => e.index),
    [501],
  );
});

test("a crash between installing a snapshot and dropping the log: the snapshot wins", () => {
  const sim = makeSim(16);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 50);
  // A leader's snapshot at 30 with a different term than our entry 30 (a divergent log).
  const meta = { lastIndex: 30, lastTerm: 77, config: new Uint8Array(0) };
  complete(sim, (done) => storage.saveSnapshot(meta, stateFor(30), done));
  const { recovered, storage: again } = reopen(sim);
  assert.equal(recovered.snapshot!.meta.lastTerm, 77);
  assert.deepEqual(recovered.entries, []);
  assert.equal(again.wal.nextAppendIndex, 31);
  assert.ok(sim.logger.has(/the log restarts at index 31/));
});

test("disk full: the failing appends get ENOSPC, later ones fail fast, acknowledged data survives", () => {
  const sim = makeSim(17);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 40);
  sim.disk.capacityBytes = sim.disk.usedBytes() + 30;
  const results: (string | null)[] = [];
  for (let i = 41; i <= 60; i++) {
    storage.append(i, termFor(i), i % 3, payloadFor(i), (error) => {
      results.push(error === null ? null : (error as DiskError).code);
    });
  }
  sim.queue.runUntilIdle();
  assert.equal(results.length, 20);
  assert.equal(results[0], "ENOSPC");
  assert.ok(results.every((r) => r === "ENOSPC"));
  assert.ok(storage.failure instanceof DiskError);
  let late: Error | null = null;
  storage.append(61, 1, 0, payloadFor(61), (error) => {
    late = error;
  });
  assert.ok(late !== null && (late as Error) instanceof StorageFailedError, "fails fast");
  assert.equal((late as unknown as StorageFailedError).code, "ENOSPC");
  assert.ok(sim.logger.has(/ERROR storage: write-ahead log failed/));
  // After restart (space freed) every acknowledged entry is there and the partial write gone.
  sim.disk.capacityBytes = Number.POSITIVE_INFINITY;
  const again = reopen(sim);
  checkEntries(again.recovered.entries, 1, 40);
  appendRange(sim, again.storage, 41, 45);
});

test("an EIO on fsync fails the batch and leaves earlier entries intact", () => {
  const sim = makeSim(18);
  const { storage } = open(sim);
  appendRange(sim, storage, 1, 10);
  sim.disk.failNext("sync", "EIO");
  const codes: string[] = [];
  for (let i = 11; i <= 15; i++)
    storage.append(i, termFor(i), i % 3, payloadFor(i), (e) => codes.push((e as DiskError).code));
  sim.queue.runUntilIdle();
  assert.deepEqual(codes, ["EIO", "EIO", "EIO", "EIO", "EIO"]);
  const entries = reopen(sim).recovered.entries;
  assert.ok(entries.length >= 10);
  checkEntries(entries, 1, entries.length);
});

test("a failed snapshot write leaves the previous snapshots and the log usable", () => {
  const sim = makeSim(19);
  const { storage } = open(sim, { snapshotChunkBytes: 512 });
  appendRange(sim, storage, 1, 50);
  complete(sim, (done) => storage.saveSnapshot(snapshotMeta(20), stateFor(20), done));
  sim.disk.capacityBytes = sim.disk.usedBytes() + 1000;
  const [error] = complete(sim, (done) =>
    storage.saveSnapshot(snapshotMeta(40), stateFor(40), done),
  );
  assert.equal((error as DiskError).code, "ENOSPC");
  assert.deepEqual(storage.snapshotIndexes(), [20]);
  sim.disk.capacityBytes = Number.POSITIVE_INFINITY;
  appendRange(sim, storage, 51, 55);
  const { recovered } = reopen(sim);
  assert.equal(recovered.snapshot!.meta.lastIndex, 20);
  checkEntries(recovered.entries, 21, 55);
});

test("hard state saves coalesce and a torn slot falls back to the other", () => {
  const sim = makeSim(20, { latencyMsMin: 1, latencyMsMax: 1 });
  const { storage } = open(sim);
  let done = 0;
  for (let term = 1; term <= 10; term++)
    storage.saveHardState({ term, vote: 0, commit: 0 }, () => done++);
  sim.queue.runUntilIdle();
  assert.equal(done, 10);
  // One write for the first save, one for the nine that queued behind it.
  assert.equal(
    (storage as unknown as { hardStateFile: { stats: { writes: number } } }).hardStateFile.stats
      .writes,
    2,
  );
  assert.deepEqual(storage.hardState, { term: 10, vote: 0, commit: 0 });
  complete(sim, (d) => storage.saveHardState({ term: 11, vote: 3, commit: 5 }, d));
  // Damage the slot just written (sequence 3 -> slot 1): the previous state comes back.
  flip(sim, "/data/log/hardstate", 512 + 20);
  assert.deepEqual(reopen(sim).recovered.hardState, { term: 10, vote: 0, commit: 0 });
});
