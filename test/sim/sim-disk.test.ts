// Proves SimDisk models a real disk's crash behaviour as the storage tests assume: synced
// bytes survive a crash, unsynced ones may be lost (only ever as a suffix of the changes,
// possibly tearing a write), directory entries need syncDir, rename replaces atomically,
// completions are ordered by the injected scheduler and never run after a crash, and the
// injected faults (one-shot errors, capacity) behave as documented. Seeds are fixed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DiskError, type FileHandle, OpenMode } from "../../src/base/disk.js";
import { SimDisk } from "../../src/sim/sim-disk.js";
import { SimDiskEventQueue } from "../../src/sim/sim-disk-event-queue.js";
import { SeededRandom } from "../storage/harness.js";

function setup(
  seed: number,
  options: { latencyMsMin?: number; latencyMsMax?: number; capacityBytes?: number } = {},
) {
  const queue = new SimDiskEventQueue();
  const disk = new SimDisk({
    random: new SeededRandom(seed),
    schedule: queue.schedule,
    ...options,
  });
  /** Runs one operation to completion and returns its callback arguments. */
  const run = <T extends unknown[]>(start: (done: (...args: T) => void) => void): T => {
    let result: T | null = null;
    start((...args: T) => {
      result = args;
    });
    queue.runUntilIdle();
    assert.ok(result !== null, "callback never ran");
    return result;
  };
  const ok = (start: (done: (error: DiskError | null) => void) => void): void => {
    const [error] = run(start);
    assert.equal(error, null);
  };
  const openFile = (path: string, mode: OpenMode = OpenMode.create): FileHandle => {
    const [error, file] = run((done: (e: DiskError | null, f: FileHandle) => void) =>
      disk.open(path, mode, done),
    );
    assert.equal(error, null);
    return file;
  };
  return { queue, disk, run, ok, openFile };
}

const bytes = (...values: number[]) => new Uint8Array(values);

test("synced data and entries survive a crash; unsynced ones are a lost suffix", () => {
  let sawLoss = false;
  let sawTear = false;
  let sawKeep = false;
  for (let seed = 1; seed <= 200; seed++) {
    const { disk, ok, openFile } = setup(seed);
    ok((d) => disk.mkdir("/d", d));
    const file = openFile("/d/f");
    ok((d) => disk.write(file, bytes(1, 2, 3, 4), 0, 4, 0, d));
    ok((d) => disk.sync(file, d));
    ok((d) => disk.syncDir("/d", d));
    ok((d) => disk.write(file, bytes(5, 6, 7, 8, 9, 10), 0, 6, 4, d));
    disk.crash();
    const after = disk.peek("/d/f")!;
    assert.deepEqual(after.subarray(0, 4), bytes(1, 2, 3, 4), `seed ${seed}`);
    assert.ok(after.length >= 4 && after.length <= 10);
    assert.deepEqual(
      after.subarray(4),
      bytes(5, 6, 7, 8, 9, 10).subarray(0, after.length - 4),
      "a prefix of the write",
    );
    if (after.length === 4) sawLoss = true;
    else if (after.length === 10) sawKeep = true;
    else sawTear = true;
  }
  assert.ok(
    sawLoss && sawTear && sawKeep,
    "crashes lose, tear and keep unsynced writes across seeds",
  );
});

test("an overwrite of synced bytes that is lost restores the old bytes", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const { disk, ok, openFile } = setup(seed);
    const file = openFile("/f");
    ok((d) => disk.write(file, bytes(1, 1, 1, 1), 0, 4, 0, d));
    ok((d) => disk.sync(file, d));
    ok((d) => disk.syncDir("/", d));
    ok((d) => disk.truncate(file, 2, d));
    ok((d) => disk.write(file, bytes(9, 9, 9), 0, 3, 1, d));
    disk.crash();
    const after = Array.from(disk.peek("/f")!);
    // Either the truncation was lost (then the write is lost too: changes are kept as a
    // prefix), or it was kept and any prefix of the write survived.
    assert.ok(
      [
        [1, 1, 1, 1],
        [1, 1],
        [1, 9],
        [1, 9, 9],
        [1, 9, 9, 9],
      ].some((v) => v.join() === after.join()),
      `seed ${seed}: ${after}`,
    );
  }
});

test("a new file needs syncDir to survive; rename is atomic", () => {
  let vanished = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const { disk, ok, openFile } = setup(seed);
    const file = openFile("/new");
    ok((d) => disk.write(file, bytes(1), 0, 1, 0, d));
    ok((d) => disk.sync(file, d));
    const target = openFile("/target");
    ok((d) => disk.write(target, bytes(7), 0, 1, 0, d));
    ok((d) => disk.sync(target, d));
    ok((d) => disk.syncDir("/", d));
    const temp = openFile("/target.tmp");
    ok((d) => disk.write(temp, bytes(8), 0, 1, 0, d));
    ok((d) => disk.sync(temp, d));
    ok((d) => disk.close(temp, d));
    ok((d) => disk.rename("/target.tmp", "/target", d));
    disk.crash();
    if (disk.peek("/new") !== undefined) assert.deepEqual(disk.peek("/new"), bytes(1));
    const target2 = disk.peek("/target");
    assert.ok(target2 !== undefined, "the rename target never goes missing");
    assert.ok(target2[0] === 7 || target2[0] === 8);
    if (disk.peek("/target.tmp") === undefined) vanished++;
  }
  assert.ok(vanished > 0);
  // Synced directories keep their entries.
  const { disk, ok, openFile } = setup(1);
  const f = openFile("/kept");
  ok((d) => disk.sync(f, d));
  ok((d) => disk.syncDir("/", d));
  disk.crash();
  assert.deepEqual(disk.peek("/kept"), new Uint8Array(0));
});

test("completions follow the scheduler's clock and die with a crash", () => {
  const { disk, queue, openFile } = setup(5, { latencyMsMin: 1, latencyMsMax: 10 });
  const file = openFile("/f");
  const order: number[] = [];
  const start = queue.nowMs;
  for (let i = 0; i < 20; i++) disk.size(file, () => order.push(i));
  assert.equal(disk.pendingOperations, 20);
  // Nothing completes synchronously.
  assert.deepEqual(order, []);
  for (let i = 0; i < 5; i++) queue.step();
  assert.equal(order.length, 5);
  disk.crash();
  queue.runUntilIdle();
  assert.equal(order.length, 5, "no completion runs after a crash");
  assert.ok(queue.nowMs - start >= 1 && queue.nowMs - start <= 10);
  // Handles died with the process.
  let code = "";
  disk.size(file, (error) => {
    code = error!.code;
  });
  queue.runUntilIdle();
  assert.equal(code, "EBADF");
});

test("faults: one-shot errors, and ENOSPC writes what fits", () => {
  const { disk, run, ok, openFile } = setup(6, { capacityBytes: 10 });
  const file = openFile("/f");
  disk.failNext("write", "EIO");
  const [eio] = run((d: (e: DiskError | null) => void) =>
    disk.write(file, bytes(1, 2), 0, 2, 0, d),
  );
  assert.equal(eio!.code, "EIO");
  ok((d) => disk.truncate(file, 0, d));
  const [full] = run((d: (e: DiskError | null) => void) =>
    disk.write(file, new Uint8Array(16).fill(3), 0, 16, 0, d),
  );
  assert.equal(full!.code, "ENOSPC");
  assert.equal(disk.peek("/f")!.length, 10);
  const [missing] = run((d: (e: DiskError | null, f: FileHandle) => void) =>
    disk.open("/nope", OpenMode.read, d),
  );
  assert.equal(missing!.code, "ENOENT");
  const [names] = run((d: (e: DiskError | null, n: string[]) => void) => disk.list("/", d)).slice(
    1,
  ) as [string[]];
  assert.deepEqual(names, ["f"]);
});
